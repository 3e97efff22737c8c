#include "arena/testing/redis_server.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace arena::testing {

namespace {
constexpr const char* kExe = "/usr/bin/redis-server";
}

RedisServer::RedisServer() {
  if (::access(kExe, X_OK) != 0)
    throw std::runtime_error("redis-server is not installed: run scripts/deps.sh test (Debian package redis-server)");
  for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
    port_ = free_port();
    launch();
  }
  if (pid_ < 0) throw std::runtime_error("redis-server did not start");
}

bool RedisServer::launch() {
  const std::string port = std::to_string(port_);
  const std::string dir = dir_.path().string();
  const std::string log = (dir_.path() / "redis.log").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that crashed
    ::execl(kExe, "redis-server", "--bind", "127.0.0.1", "--port", port.c_str(), "--dir", dir.c_str(), "--save", "",
            "--appendonly", "no", "--logfile", log.c_str(), "--daemonize", "no", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Bounded wait for the port to accept (redis-server starts in a few milliseconds).
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

void RedisServer::stop() {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);  // as a crash: nothing is saved anyway
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::start() {
  if (pid_ >= 0) return;
  for (int attempt = 0; attempt < 50 && pid_ < 0; ++attempt)  // the port may linger a moment
    if (!launch()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (pid_ < 0) throw std::runtime_error("redis-server did not start again on port " + std::to_string(port_));
}

RedisServer::~RedisServer() {
  stop();
}

}  // namespace arena::testing
