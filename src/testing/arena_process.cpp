#include "arena/testing/arena_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "arena/testing/command.hpp"
#include "arena/testing/spawn.hpp"

namespace arena::testing {

std::vector<std::string> node_args(const std::string& node, const std::string& roles, const std::string& data_root,
                                   const std::string& jwt_keys, const std::vector<std::string>& extra) {
  std::vector<std::string> a{
      "serve", "--listen",   "127.0.0.1:0",          "--node-id",       node,     "--roles",
      roles,   "--data-dir", data_root + "/" + node, "--auth-jwt-keys", jwt_keys, "--http-access-log",
      "false"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

ArenaProcess::ArenaProcess(const std::string& binary, std::vector<std::string> args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");  // no other child inherits it
  std::vector<std::string> argv{"arena"};
  argv.insert(argv.end(), args.begin(), args.end());
  try {
    pid_ = spawn({.path = binary, .argv = std::move(argv), .env_unset = {"ARENA_CONFIG"}, .stderr_fd = fds[1]});
  } catch (...) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw;
  }
  ::close(fds[1]);
  out_ = fds[0];
  const std::string marker = "listen=127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char buf[1024];
  for (;;) {
    const auto at = log_.find(marker);
    if (at != std::string::npos && log_.find(' ', at) != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::stoi(log_.substr(at + marker.size())));
      reader_ = std::thread([this] {
        char chunk[4096];
        for (;;) {
          const ssize_t n = ::read(out_, chunk, sizeof chunk);
          if (n <= 0) return;
          std::lock_guard lock(mu_);
          log_.append(chunk, static_cast<std::size_t>(n));
        }
      });
      return;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) break;
    log_.append(buf, static_cast<std::size_t>(n));
  }
  // Still running but silent: where it is stuck says why (seen once in CI: 20 s without a line).
  std::string where;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) {
    where = "\nstill running after 20 s; its threads:\n" +
            run_command("timeout 30 gdb -batch -nx -p " + std::to_string(pid_) +
                        " -ex 'thread apply all bt 25' 2>&1 | grep -E '^(Thread|#)' | head -200")
                .output;
  } else {
    where = WIFEXITED(status) ? "\nexited with " + std::to_string(WEXITSTATUS(status)) : "\nkilled by a signal";
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("arena did not start: " + log_ + where);
}

int ArenaProcess::stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (reader_.joinable()) reader_.join();  // the pipe ends with the process
  ::close(out_);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ArenaProcess::log() const {
  std::lock_guard lock(mu_);
  return log_;
}

ArenaProcess::~ArenaProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    if (reader_.joinable()) reader_.join();
    ::close(out_);
  }
}

}  // namespace arena::testing
