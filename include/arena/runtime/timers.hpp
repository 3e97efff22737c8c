#pragma once
// The timer service: every repeating piece of work of a process (the gateway's sweep, the
// presence checker, the matchmaker's rounds) is a timer here, driven by the injected clock's
// monotonic reading, and runs on the Strand its owner names, never on the timer thread.
//
// With a FakeClock, advancing the clock fires the timers due by then at once (a clock whose
// intervals keep real time: every timer, once), and wait_idle() returns when their calls have
// finished: a test steps time instead of sleeping.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "arena/core/clock.hpp"
#include "arena/runtime/strand.hpp"

namespace arena::runtime {

class Timers {
 public:
  // `clock` outlives the service.
  explicit Timers(const core::Clock& clock);
  ~Timers();  // stop()
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // A repeating timer; destroying it cancels it (and waits for a call of it that is running).
  class Timer {
   public:
    virtual ~Timer() = default;
    // Calls skipped because the previous one had not finished (a timer that keeps overrunning).
    virtual std::uint64_t skipped() const = 0;
  };

  // Posts `fn` onto `strand` every `interval` of clock.monotonic(), the first one interval from
  // now. A call that has not finished when the next is due makes that one skip (calls never pile
  // up), and after a jump of the clock the timer fires once and then keeps its pace from there.
  // `strand` outlives the timer.
  [[nodiscard]] std::unique_ptr<Timer> every(std::string name, std::chrono::milliseconds interval, Strand& strand,
                                             std::function<void()> fn);

  // Blocks until no timer is due at the clock's current reading and no call is queued or running
  // (tests, after FakeClock::advance). Not from a strand that a timer posts to.
  void wait_idle();

  // Cancels every timer and joins the timer thread. Idempotent.
  void stop();

  struct Impl;  // src/runtime/timers.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace arena::runtime
