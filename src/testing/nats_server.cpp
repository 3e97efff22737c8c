#include "arena/testing/nats_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace arena::testing {

namespace {
const char* executable() {
  return ::access("/usr/sbin/nats-server", X_OK) == 0 ? "/usr/sbin/nats-server" : "/usr/bin/nats-server";
}
}  // namespace

NatsServer::NatsServer() {
  if (::access(executable(), X_OK) != 0)
    throw std::runtime_error("nats-server is not installed: run scripts/deps.sh (Debian package nats-server)");
  for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
    port_ = free_port();
    launch();
  }
  if (pid_ < 0) throw std::runtime_error("nats-server did not start");
}

bool NatsServer::launch() {
  const std::string port = std::to_string(port_);
  const std::string store = (dir_.path() / "js").string();
  const std::string log = (dir_.path() / "nats.log").string();
  const char* exe = executable();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that crashed
    ::execl(exe, "nats-server", "-a", "127.0.0.1", "-p", port.c_str(), "-js", "-sd", store.c_str(), "-l", log.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Bounded wait for the port to accept (nats-server starts in a few milliseconds).
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

void NatsServer::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void NatsServer::start() {
  if (pid_ >= 0) return;
  for (int attempt = 0; attempt < 50 && pid_ < 0; ++attempt)  // the port may linger a moment
    if (!launch()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (pid_ < 0) throw std::runtime_error("nats-server did not start again on port " + std::to_string(port_));
}

NatsServer::~NatsServer() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

}  // namespace arena::testing
