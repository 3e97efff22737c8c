#include "arena/testing/child_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string_view>
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
  const auto extra = environment();  // built before fork: the child only execs
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view inherited(*e);
    const auto overridden = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      const auto name = x.substr(0, x.find('=') + 1);
      return inherited.substr(0, name.size()) == name;
    });
    if (!overridden) env.push_back(*e);
  }
  for (const auto& e : extra) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  const std::string out = (dir_.path() / "output.log").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);                                       // never outlive a test that crashed
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);  // its banner and console log
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    ::execve(args[0], args.data(), env.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + start_timeout();
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
