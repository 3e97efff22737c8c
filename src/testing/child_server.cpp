#include "arena/testing/child_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace arena::testing {

ChildServer::~ChildServer() {
  stop();
}

void ChildServer::first_start(const std::string& what) {
  what_ = what;
  for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
    port_ = free_port();
    launch();
  }
  if (pid_ < 0) throw std::runtime_error(what + " did not start");
}

bool ChildServer::launch() {
  const auto argv = command();
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that crashed
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;  // exited (port taken?)
    if (can_connect(port_)) {
      pid_ = pid;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

void ChildServer::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void ChildServer::start() {
  if (pid_ >= 0) return;
  for (int attempt = 0; attempt < 50 && !launch(); ++attempt)  // the port may linger a moment
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (pid_ < 0) throw std::runtime_error(what_ + " did not start again on port " + std::to_string(port_));
}

}  // namespace arena::testing
