#pragma once
// The HTTP edge's settings: the `http.*` section of the settings table (src/config/fields.cpp)
// parses straight into this struct.
#include <chrono>
#include <cstddef>
#include <string>

namespace arena::http {

struct Settings {
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  std::chrono::milliseconds idle_timeout{60'000};      // keep-alive idle and slow-request cut-off
  std::chrono::milliseconds shutdown_timeout{10'000};  // how long a drain waits for in-flight requests
  // I/O threads; 0 = one per core. Nothing on an I/O thread waits (storage handlers run on the
  // storage pool, services on their own threads), and a second thread per core only adds
  // context switches (docs/performance.md: +12 % ping round trips, +36 % fan-out).
  int threads = 0;
  int blocking_threads = 2;  // the slow pool (password hashing)
  int storage_threads = 4;   // the storage pool (handlers that wait for a store)
  bool access_log = true;
  int json_max_depth = 32;                    // deepest JSON accepted in a body or a WebSocket frame
  std::size_t max_connections_per_ip = 1000;  // HTTP and WebSocket together; 0 = no limit
  // Proxies whose X-Forwarded-For names the client (include/arena/http/trusted_proxies.hpp); their
  // own connections are not counted under max_connections_per_ip.
  std::string trusted_proxies;
  std::size_t max_blocking_queue = 256;  // waiting jobs per pool before 503 overloaded (not a setting)
};

}  // namespace arena::http
