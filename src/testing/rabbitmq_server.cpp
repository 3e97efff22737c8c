#include "arena/testing/rabbitmq_server.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "arena/testing/spawn.hpp"

namespace arena::testing {

namespace {
constexpr const char* kExe = "/usr/lib/rabbitmq/bin/rabbitmq-server";  // not /usr/sbin's: that one switches user
constexpr const char* kEpmd = "/usr/bin/epmd";
}  // namespace

RabbitMqServer::RabbitMqServer() : dist_port_(free_port()), epmd_port_(free_port()) {
  if (::access(kExe, X_OK) != 0)
    throw std::runtime_error(
        "rabbitmq-server is not installed: run scripts/deps.sh test (Debian package rabbitmq-server)");
  node_ = "arena-test-" + std::to_string(::getpid()) + "-" + std::to_string(dist_port_) + "@localhost";
  std::ofstream(dir_.path() / "rabbitmq.conf") << "log.console = false\nlog.file.level = warning\n";
  std::ofstream(dir_.path() / "enabled_plugins") << "[].\n";
  first_start("rabbitmq-server");
}

RabbitMqServer::~RabbitMqServer() {
  stop();
  // The node started an epmd daemon on epmd_port_ that outlives it: ask it to go. It refuses
  // while it still lists the node (it notices the node's death a moment later): ask again.
  const std::string env_port = "ERL_EPMD_PORT=" + std::to_string(epmd_port_);
  for (int attempt = 0; attempt < 50; ++attempt) {
    pid_t pid = -1;
    try {  // a destructor: a failed fork ends the cleanup, nothing more
      pid = spawn({.path = kEpmd, .argv = {kEpmd, "-kill"}, .env_set = {env_port}, .output = "/dev/null"});
    } catch (const std::exception&) {
      return;
    }
    int status = 1;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (!can_connect(epmd_port_)) return;  // gone anyway
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  }
}

std::vector<std::string> RabbitMqServer::command() const {
  return {kExe};
}

std::vector<std::string> RabbitMqServer::environment() const {
  const auto dir = dir_.path();
  return {"HOME=" + dir.string(),  // the Erlang cookie
          "RABBITMQ_NODENAME=" + node_, "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
          "RABBITMQ_NODE_PORT=" + std::to_string(port()), "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
          "ERL_EPMD_PORT=" + std::to_string(epmd_port_), "ERL_EPMD_ADDRESS=127.0.0.1",
          "RABBITMQ_MNESIA_BASE=" + (dir / "mnesia").string(), "RABBITMQ_LOG_BASE=" + (dir / "log").string(),
          "RABBITMQ_CONFIG_FILE=" + (dir / "rabbitmq").string(),
          "RABBITMQ_ENABLED_PLUGINS_FILE=" + (dir / "enabled_plugins").string(),
          // Run the VM in this process (no wrapper shell): the pid is the node's, SIGKILL is a crash.
          "RABBITMQ_ALLOW_INPUT=1",
          "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-noinput -kernel inet_dist_use_interface {127,0,0,1}"};
}

}  // namespace arena::testing
