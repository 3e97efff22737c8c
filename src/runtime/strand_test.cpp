#include "arena/runtime/strand.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace arena::runtime {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) for a flag set on the strand.
class Latch {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(Strand, RunsPostedWorkInOrderOneAtATimeOffTheCallersThread) {
  Strand strand("test");
  std::vector<int> seen;  // touched only on the strand
  std::atomic<int> inside{0}, overlaps{0};
  std::atomic<bool> on_caller{false};
  const auto caller = std::this_thread::get_id();
  std::vector<std::thread> posters;
  for (int p = 0; p < 3; ++p)
    posters.emplace_back([&, p] {
      for (int i = 0; i < 300; ++i)
        strand.post([&, p, i] {
          if (inside.fetch_add(1) != 0) ++overlaps;
          if (std::this_thread::get_id() == caller) on_caller = true;
          if (p == 0) seen.push_back(i);
          inside.fetch_sub(1);
        });
    });
  for (auto& t : posters) t.join();
  Latch done;
  strand.post([&] { done.open(); });
  ASSERT_TRUE(done.wait());
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_FALSE(on_caller.load());
  ASSERT_EQ(seen.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(Strand, AThrowingFunctionDoesNotStopIt) {
  Strand strand("test");
  Latch after;
  strand.post([&] { throw std::runtime_error("also contained"); });
  strand.post([&] { after.open(); });
  ASSERT_TRUE(after.wait());
}

TEST(Strand, StopFinishesTheRunningWorkAndDropsTheRest) {
  std::atomic<int> ran{0};
  Latch started, release;
  {
    Strand strand("test");
    strand.post([&] {
      started.open();
      release.wait();
      ++ran;
    });
    for (int i = 0; i < 10; ++i) strand.post([&] { ++ran; });
    ASSERT_TRUE(started.wait());
    EXPECT_EQ(strand.backlog(), 10u);
    std::thread releaser([&] {  // lets the running function finish once stop() has begun
      const auto deadline = std::chrono::steady_clock::now() + 5s;
      while (!strand.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
      release.open();
    });
    strand.stop();
    releaser.join();
    strand.post([&] { ++ran; });  // after stop: nothing
  }
  EXPECT_EQ(ran.load(), 1);
}

TEST(Strand, ABackgroundStrandRunsAtALowerPriority) {
  Strand strand("background", Priority::background);
  std::atomic<int> nice{-100};
  Latch done;
  strand.post([&] {
    errno = 0;
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    done.open();
  });
  ASSERT_TRUE(done.wait());
  EXPECT_EQ(nice.load(), 10);
}

}  // namespace
}  // namespace arena::runtime
