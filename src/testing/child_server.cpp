#include "arena/testing/child_server.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "arena/testing/spawn.hpp"

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
  const pid_t pid = spawn({.path = argv.at(0),
                           .argv = argv,
                           .env_set = environment(),
                           .output = (dir_.path() / "output.log").string()});  // its banner and console log
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
