#pragma once
// Time as a collaborator: everything that expires, widens, backs off or repeats asks a Clock, so
// tests advance a FakeClock instead of sleeping.
//
// Two readings: `now()` is wall time (what expiry decisions compare against stored times), and
// `monotonic()` is for intervals (timers, liveness): it never jumps backwards. runtime::Timers
// fires on monotonic(), and a FakeClock tells its watchers when it is moved, so the timers that
// depend on it run at once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace arena::core {

using SystemTime = std::chrono::system_clock::time_point;
using Steady = std::chrono::steady_clock;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;
  virtual Steady::time_point monotonic() const = 0;

  std::int64_t now_unix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  std::int64_t now_unix_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now().time_since_epoch()).count();
  }

  // What moved when a clock jumped: both readings, or only wall time (which work on timers reads,
  // so they should look again now).
  enum class Jump { intervals, wall_only };
  // Calls `fn` (from the thread that moves the clock) each time the clock jumps, which only a
  // FakeClock does; real clocks never call it. `unwatch` returns once no call of `fn` is running.
  virtual std::uint64_t watch(std::function<void(Jump)> /*fn*/) const { return 1; }
  virtual void unwatch(std::uint64_t /*id*/) const {}
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
  Steady::time_point monotonic() const override { return Steady::now(); }
};

// The process's real clock, for what has no other (a bus built without one).
inline const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

// A clock that moves when told to. Thread-safe.
//
// Intervals::stepped: monotonic() too moves only with advance() (unit tests that step every
// timer by hand: an advance fires exactly the timers due by then). Intervals::running:
// monotonic() is real time, so timers keep their real pace and liveness (heartbeats) is real,
// and an advance of wall time makes every timer run once at once (the integration tests'
// in-process server: a test advances past a resume window and the sweep acts on it now).
class FakeClock final : public Clock {
 public:
  enum class Intervals { stepped, running };

  explicit FakeClock(SystemTime start = SystemTime{std::chrono::seconds{1'700'000'000}},
                     Intervals intervals = Intervals::stepped)
      : ns_(start.time_since_epoch().count()), intervals_(intervals), base_(Steady::now()) {}

  SystemTime now() const override { return SystemTime{SystemTime::duration{ns_.load()}}; }
  Steady::time_point monotonic() const override {
    if (intervals_ == Intervals::running) return Steady::now();
    return base_ + Steady::duration{offset_ns_.load()};
  }

  // Moves wall time ahead by `d` (and, when stepped, monotonic time) and tells the watchers.
  void advance(std::chrono::nanoseconds d) {
    ns_.fetch_add(std::chrono::duration_cast<SystemTime::duration>(d).count());
    if (intervals_ == Intervals::stepped && d.count() > 0)
      offset_ns_.fetch_add(std::chrono::duration_cast<Steady::duration>(d).count());
    notify(intervals_ == Intervals::stepped ? Jump::intervals : Jump::wall_only);
  }
  // Sets wall time only (it may go backwards, as a real wall clock can); intervals do not move.
  void set(SystemTime t) {
    ns_.store(t.time_since_epoch().count());
    notify(Jump::wall_only);
  }

  std::uint64_t watch(std::function<void(Jump)> fn) const override {
    std::lock_guard lock(watch_mu_);
    watchers_.emplace(++next_id_, std::move(fn));
    return next_id_;
  }
  void unwatch(std::uint64_t id) const override {
    std::lock_guard lock(watch_mu_);
    watchers_.erase(id);
  }

 private:
  void notify(Jump jump) {
    std::lock_guard lock(watch_mu_);  // held during the calls: unwatch() waits for them
    for (auto& [id, fn] : watchers_) fn(jump);
  }

  std::atomic<SystemTime::rep> ns_;
  std::atomic<Steady::rep> offset_ns_{0};
  const Intervals intervals_;
  const Steady::time_point base_;
  mutable std::mutex watch_mu_;
  mutable std::map<std::uint64_t, std::function<void(Jump)>> watchers_;
  mutable std::uint64_t next_id_ = 0;
};

}  // namespace arena::core
