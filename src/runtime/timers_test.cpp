#include "arena/runtime/timers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace arena::runtime {
namespace {

using namespace std::chrono_literals;

// A stepped clock: time moves only when the test says so, so every call below is counted exactly.
struct Stepped {
  core::FakeClock clock{core::SystemTime{std::chrono::seconds{1'700'000'000}}, core::FakeClock::Intervals::stepped};
  Timers timers{clock};
  Strand strand{"timers-test"};
};

TEST(Timers, FireOnlyWhenTheClockReachesThemAndOnTheirStrand) {
  Stepped t;
  std::atomic<int> calls{0};
  std::atomic<bool> on_strand{true};
  auto timer = t.timers.every("test", 200ms, t.strand, [&] {
    on_strand = on_strand && t.strand.running_here();
    ++calls;
  });
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 0);
  t.clock.advance(199ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 0);
  t.clock.advance(1ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
  for (int i = 0; i < 5; ++i) {
    t.clock.advance(200ms);
    t.timers.wait_idle();
  }
  EXPECT_EQ(calls.load(), 6);
  EXPECT_TRUE(on_strand.load());
}

TEST(Timers, AJumpFiresOnceAndThenKeepsThePaceFromThere) {
  Stepped t;
  std::atomic<int> calls{0};
  auto timer = t.timers.every("test", 100ms, t.strand, [&] { ++calls; });
  t.clock.advance(10s);  // a hundred intervals at once: one call, not a hundred
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
  t.clock.advance(99ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
  t.clock.advance(1ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 2);
}

TEST(Timers, ACallStillRunningMakesTheNextSkipAndAThrowDoesNotStopTheTimer) {
  Stepped t;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  auto timer = t.timers.every("test", 100ms, t.strand, [&] {
    if (++calls == 1) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, 5s, [&] { return release; });
    }
    throw std::runtime_error("contained");
  });
  t.clock.advance(100ms);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (calls.load() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(calls.load(), 1);
  auto skips = [&](std::uint64_t n) {
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (timer->skipped() < n && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return timer->skipped();
  };
  t.clock.advance(100ms);  // due while the first call runs: skipped
  ASSERT_EQ(skips(1), 1u);
  t.clock.advance(100ms);
  ASSERT_EQ(skips(2), 2u);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
  t.clock.advance(100ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 2);
}

TEST(Timers, ADestroyedTimerNeverFiresAgain) {
  Stepped t;
  std::atomic<int> calls{0};
  auto timer = t.timers.every("test", 100ms, t.strand, [&] { ++calls; });
  t.clock.advance(100ms);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
  timer.reset();
  t.clock.advance(1s);
  t.timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
}

TEST(Timers, RunInRealTimeOnARealClock) {
  core::SystemClock clock;
  Timers timers(clock);
  Strand strand("timers-test");
  std::atomic<int> calls{0};
  auto timer = timers.every("test", 5ms, strand, [&] { ++calls; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (calls.load() < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_GE(calls.load(), 3);
}

TEST(Timers, OnAClockWhoseIntervalsRunInRealTimeAnAdvanceRunsEveryTimerOnce) {
  core::FakeClock clock{core::SystemTime{std::chrono::seconds{1'700'000'000}}, core::FakeClock::Intervals::running};
  Timers timers(clock);
  Strand strand("timers-test");
  std::atomic<int> calls{0};
  auto timer = timers.every("test", std::chrono::hours(1), strand, [&] { ++calls; });
  timers.wait_idle();
  EXPECT_EQ(calls.load(), 0);
  clock.advance(1s);  // wall time moved: the timer looks again now, not in an hour
  timers.wait_idle();
  EXPECT_EQ(calls.load(), 1);
}

TEST(Timers, StopCancelsEverything) {
  Stepped t;
  std::atomic<int> calls{0};
  auto timer = t.timers.every("test", 100ms, t.strand, [&] { ++calls; });
  t.timers.stop();
  t.clock.advance(1s);
  t.timers.wait_idle();  // returns at once after stop
  EXPECT_EQ(calls.load(), 0);
  EXPECT_THROW((void)t.timers.every("bad", 0ms, t.strand, [] {}), std::invalid_argument);
}

}  // namespace
}  // namespace arena::runtime
