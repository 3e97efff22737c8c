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
#include "arena/http/settings.hpp"

namespace arena::http {

// The http.* settings, and where to listen (from `listen`).
struct ServerOptions : Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port; see Server::port()
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
