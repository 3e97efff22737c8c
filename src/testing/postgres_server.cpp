#include "arena/testing/postgres_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "arena/storage/postgres.hpp"
#include "arena/testing/spawn.hpp"

namespace arena::testing {
namespace {

// The newest installed server's binaries (/usr/lib/postgresql/<major>/bin).
std::string find_bin() {
  std::string best;
  int best_major = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto bin = e.path() / "bin";
    if (::access((bin / "postgres").c_str(), X_OK) != 0 || ::access((bin / "initdb").c_str(), X_OK) != 0) continue;
    int major = 0;
    try {
      major = std::stoi(e.path().filename().string());
    } catch (...) {
      continue;
    }
    if (major > best_major) best_major = major, best = bin.string();
  }
  if (best.empty())
    throw std::runtime_error(
        "PostgreSQL is not installed: run scripts/deps.sh test (Debian package postgresql; no "
        "/usr/lib/postgresql/*/bin)");
  return best;
}

// Runs argv as the data directory's owner, output appended to `log`.
pid_t spawn_as(uid_t uid, gid_t gid, const std::string& log, const std::vector<std::string>& argv) {
  return spawn({.path = argv.at(0), .argv = argv, .output = log, .as = std::pair{uid, gid}});
}

}  // namespace

PostgresServer::PostgresServer() : bin_(find_bin()), uid_(::getuid()), gid_(::getgid()) {
  if (uid_ == 0) {  // PostgreSQL will not run as root: the package's `postgres` user owns the files
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) throw std::runtime_error("running as root, and there is no postgres user to run PostgreSQL as");
    uid_ = pw->pw_uid, gid_ = pw->pw_gid;
    if (::chown(dir_.path().c_str(), uid_, gid_) != 0) throw std::runtime_error("cannot chown the PostgreSQL temp dir");
  }
  // initdb takes a second or two; ctest runs every test in a process of its own. So the first
  // server of a machine (per PostgreSQL major and user) leaves an initdb'd cluster as a template
  // under $TMPDIR, and each server copies it (tens of milliseconds).
  const auto major = std::filesystem::path(bin_).parent_path().filename().string();
  const auto tmpl =
      std::filesystem::temp_directory_path() / ("arena-pg-template-" + major + "-" + std::to_string(uid_));
  if (!std::filesystem::exists(tmpl / "PG_VERSION")) {
    const auto fresh = dir_.path() / "template";
    run_as_owner("initdb", {bin_ + "/initdb", "-D", fresh.string(), "-U", "arena", "-A", "trust", "-E", "UTF8",
                            "--locale=C", "--no-sync", "--no-instructions"});
    std::error_code ec;  // another process may have put its own there meanwhile: either serves
    std::filesystem::rename(fresh, tmpl, ec);
    if (ec && !std::filesystem::exists(tmpl / "PG_VERSION"))
      throw std::runtime_error("cannot keep the PostgreSQL template at " + tmpl.string() + ": " + ec.message());
  }
  run_as_owner("copy", {"/bin/cp", "-a", tmpl.string(), (dir_.path() / "data").string()});
  port_ = free_port();
  start();
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (...) {
  }
}

void PostgresServer::run_as_owner(const std::string& what, const std::vector<std::string>& argv) {
  const std::string log = (dir_.path() / (what + ".log")).string();
  const pid_t pid = spawn_as(uid_, gid_, log, argv);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(what + " failed (exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                             "); see " + log);
}

void PostgresServer::start() {
  if (pid_ > 0) return;
  for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
    const std::string log = (dir_.path() / "postgres.log").string();
    const pid_t pid = spawn_as(uid_, gid_, log,
                               {bin_ + "/postgres", "-D", (dir_.path() / "data").string(), "-p", std::to_string(port_),
                                "-k", dir_.path().string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                                "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=128MB"});
    // Bounded wait until it answers queries (it accepts connections a moment before that).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool up = false;
    while (!up && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) break;  // exited (port taken?): try another
      try {
        storage::Pg::connect(url(), std::chrono::seconds(2))->exec("SELECT 1");
        up = true;
      } catch (const storage::PgError&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (up) {
      pid_ = pid;
    } else {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      port_ = free_port();
    }
  }
  if (pid_ < 0) throw std::runtime_error("PostgreSQL did not start; see " + (dir_.path() / "postgres.log").string());
}

void PostgresServer::stop(bool crash) {
  if (pid_ < 0) return;
  ::kill(pid_, crash ? SIGKILL : SIGINT);  // SIGINT: fast shutdown (rolls back, disconnects)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (crash) {  // the backends outlive a killed postmaster for a moment: wait until the port is free
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (can_connect(port_) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://arena@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database(const std::string& name) {
  storage::Pg::connect(url())->exec("CREATE DATABASE \"" + name + "\"");
  return url(name);
}

}  // namespace arena::testing
