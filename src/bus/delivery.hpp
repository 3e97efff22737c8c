#pragma once
// Shared by both buses: one subscription's handler and the guarantee that it is never called
// after close() returns (close() may be called from inside the handler itself).
#include <atomic>
#include <thread>
#include <vector>

#include "arena/bus/bus.hpp"

namespace arena::bus::detail {

class SubState {
 public:
  explicit SubState(Handler h) : handler_(std::move(h)) {}

  void deliver(const Message& m) {
    active_.fetch_add(1, std::memory_order_acq_rel);
    if (alive_.load(std::memory_order_acquire)) {
      running().push_back(this);
      try {
        handler_(m);
      } catch (...) {  // a throwing handler must not take the bus down; it loses this message only
      }
      running().pop_back();
    }
    active_.fetch_sub(1, std::memory_order_acq_rel);
  }

  // After this returns no call is in flight on another thread and none will start.
  void close() {
    alive_.store(false, std::memory_order_release);
    int mine = 0;
    for (auto* s : running()) mine += s == this ? 1 : 0;
    while (active_.load(std::memory_order_acquire) > mine) std::this_thread::yield();
  }

  bool alive() const { return alive_.load(std::memory_order_acquire); }

 private:
  static std::vector<SubState*>& running() {
    thread_local std::vector<SubState*> calls;
    return calls;
  }
  Handler handler_;
  std::atomic<bool> alive_{true};
  std::atomic<int> active_{0};
};

}  // namespace arena::bus::detail
