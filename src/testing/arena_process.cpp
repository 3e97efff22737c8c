#include "arena/testing/arena_process.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "arena/testing/command.hpp"

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
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a test that crashed
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::unsetenv("ARENA_CONFIG");
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("arena"));
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
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
