#pragma once
// Pending requests of one bus: each has an inbox subject, a reply handler and a deadline.
// A reply resolves it, the deadline times it out, shutdown closes it; the handler is called
// exactly once, never under the tracker's lock.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"

namespace arena::bus::detail {

class RequestTracker {
 public:
  // Inboxes are "<prefix>.<n>"; the prefix should be unique per bus connection. Deadlines are
  // on clock.monotonic(): a stepped FakeClock times requests out when a test advances it.
  RequestTracker(std::string prefix, const core::Clock& clock);
  ~RequestTracker();  // closes every pending request

  const std::string& prefix() const { return prefix_; }
  bool owns(std::string_view subject) const;
  std::string add(ReplyHandler handler, std::chrono::milliseconds timeout);
  // True if `inbox` was pending (the handler has then been called).
  bool resolve(std::string_view inbox, Reply reply);

 private:
  using Clock = core::Steady;
  struct Pending {
    ReplyHandler handler;
    Clock::time_point deadline;
  };
  void run();

  std::string prefix_;
  const core::Clock& clock_;
  std::uint64_t watch_id_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Pending> pending_;
  std::multimap<Clock::time_point, std::string> deadlines_;
  std::uint64_t next_ = 0;
  bool stop_ = false;
  std::thread timer_;
};

}  // namespace arena::bus::detail
