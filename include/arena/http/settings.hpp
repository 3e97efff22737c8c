#pragma once
// The HTTP edge's settings: the `http.*` section of the settings table (src/config/fields.cpp)
// parses straight into this struct.
#include <chrono>
#include <cstddef>
#include <string>

namespace arena::http {

// SQLite has one writer: more threads waiting on it only queue. A PostgreSQL login waits for a
// round trip and a commit, and returning devices' logins waiting together go in one statement
// (PostgresAuthStore): more in flight make bigger batches (docs/performance.md: 8 -> 32 threads
// with coalescing took returning devices from ~6.5k to ~12k logins/s on two cores).
inline constexpr int kStorageThreadsSqlite = 4;
inline constexpr int kStorageThreadsPostgres = 32;

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
  // The storage pool (handlers that wait for a store); 0 = kStorageThreadsSqlite, or
  // kStorageThreadsPostgres when the process's database is PostgreSQL (the app decides).
  int storage_threads = 0;
  bool access_log = true;
  int json_max_depth = 32;                    // deepest JSON accepted in a body or a WebSocket frame
  std::size_t max_connections_per_ip = 1000;  // HTTP and WebSocket together; 0 = no limit
  // Proxies whose X-Forwarded-For names the client (include/arena/http/trusted_proxies.hpp); their
  // own connections are not counted under max_connections_per_ip.
  std::string trusted_proxies;
  std::size_t max_blocking_queue = 256;  // waiting jobs per pool before 503 overloaded (not a setting)
};

}  // namespace arena::http
