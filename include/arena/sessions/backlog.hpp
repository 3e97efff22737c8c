#pragma once
// Session events the directory could not take (Redis did not answer), kept in order and tried
// again by drain() until it does; events that arrive meanwhile wait behind them, so a session's
// close never overtakes its open. Bounded: past `limit` the oldest are dropped (counted).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "arena/core/mutex.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::sessions {

class Backlog {
 public:
  using Apply = std::function<void()>;  // throws when the directory cannot take it now

  explicit Backlog(metrics::Registry& registry, std::size_t limit = 100'000);
  // Now, unless events wait; then (or when it throws) behind them.
  void run(Apply apply);
  // Tries the waiting events in order, up to the first that fails; true when none is left.
  bool drain();
  std::size_t size() const;

 private:
  const std::size_t limit_;
  mutable core::Mutex mu_;
  std::deque<std::shared_ptr<Apply>> waiting_ ARENA_GUARDED_BY(mu_);
  metrics::Gauge& gauge_;
  metrics::Counter& dropped_;
  void push(std::shared_ptr<Apply> a) ARENA_REQUIRES(mu_);
};

}  // namespace arena::sessions
