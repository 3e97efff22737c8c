#pragma once
// The HTTP edge: Beast over C++20 coroutines, keep-alive, limits on header/body size and idle
// time, a request id and an access-log line per request, JSON errors, graceful drain.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "arena/http/metrics.hpp"
#include "arena/http/router.hpp"

namespace arena::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port; see Server::port()
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_timeout{10'000};
  int threads = 0;  // 0 = one per core
  int blocking_threads = 2;               // the slow pool (password hashing)
  int storage_threads = 4;                // the storage pool (handlers that wait for a store)
  std::size_t max_blocking_queue = 256;  // waiting jobs per pool before 503 overloaded
  bool access_log = true;
  std::size_t max_connections_per_ip = 1000;  // HTTP and WebSocket together; 0 = no limit
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, HttpMetrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; throws std::runtime_error if it cannot bind.
  void start();
  std::uint16_t port() const;
  bool draining() const;
  // Stops accepting, lets in-flight requests finish (up to shutdown_timeout), closes idle
  // connections, then stops the threads. Returns true if everything finished in time.
  bool drain();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::http
