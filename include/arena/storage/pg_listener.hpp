#pragma once
// LISTEN on a PostgreSQL channel from a connection and thread of its own: `on_notify(payload)`
// runs on that thread for every NOTIFY (delivered when the sending transaction commits). The
// connection is remade after it drops (growing pauses, up to 5 s), and `on_notify("")` then
// says "something may have been missed while not listening": a worker polls at once.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace arena::storage {

class PgListener {
 public:
  PgListener(std::string url, std::string channel, std::function<void(const std::string&)> on_notify);
  ~PgListener();  // stops the thread and closes the connection
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  bool listening() const { return listening_.load(); }  // connected, LISTEN done
  int reconnects() const { return reconnects_.load(); }

 private:
  void run();
  const std::string url_, channel_;
  const std::function<void(const std::string&)> on_notify_;
  std::atomic<bool> stopping_{false}, listening_{false};
  std::atomic<int> reconnects_{0};
  int wake_fd_ = -1;  // an eventfd: the destructor's wake-up
  std::thread thread_;
};

}  // namespace arena::storage
