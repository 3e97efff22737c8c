#pragma once
// A throwaway PostgreSQL (Debian's `postgresql` package): initdb in a temp dir, the server on a
// free 127.0.0.1 port with its socket in that dir, stopped and removed on destruction. Run as the
// `postgres` user when the tests run as root (PostgreSQL refuses root). Throws if it cannot
// start: a test needing PostgreSQL fails, never skips. fsync is off: the data is thrown away.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "arena/testing/net.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://arena@127.0.0.1:<port>/<database> (trust authentication on loopback).
  std::string url(const std::string& database = "postgres") const;
  // A new, empty database; its URL.
  std::string create_database(const std::string& name);
  std::uint16_t port() const { return port_; }

  // Fault tests: stop the server (fast shutdown; SIGKILL when `crash`) and start it again on the
  // same port with the same data.
  void stop(bool crash = false);
  void start();

 private:
  void run_as_owner(const std::string& what, const std::vector<std::string>& argv);
  TempDir dir_;
  std::string bin_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

}  // namespace arena::testing
