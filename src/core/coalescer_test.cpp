#include "arena/core/coalescer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <thread>

namespace arena::core {
namespace {

// Polls a condition another thread makes true (bounded: a broken coalescer fails, never hangs).
template <class F>
bool eventually(F f) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!f()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(Coalescer, ALoneCallRunsAtOnceInABatchOfOne) {
  std::vector<std::size_t> sizes;
  Coalescer<int, int> c(64, 1, [&](const std::vector<int>& in) {
    sizes.push_back(in.size());
    return std::vector<int>{in[0] * 2};
  });
  EXPECT_EQ(c.call(21), 42);
  EXPECT_EQ(c.call(5), 10);
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 1}));
}

// A caller that must not share its batch (inside a transaction) runs one of its own at once, even
// while another batch runs and the most batches at once are running.
TEST(Coalescer, ACallerForWhichAloneHoldsRunsABatchOfItsOwnAtOnce) {
  static thread_local bool in_transaction = false;
  std::latch first_started(1), release(1);
  std::atomic<int> batches{0};
  Coalescer<int, int> c(
      64, 1,
      [&](const std::vector<int>& in) {
        if (batches.fetch_add(1) == 0) {
          first_started.count_down();
          release.wait();
        }
        return std::vector<int>(in.size(), static_cast<int>(in.size()));
      },
      [] { return in_transaction; });
  int first_got = 0;
  std::thread first([&] { first_got = c.call(1); });
  first_started.wait();
  in_transaction = true;
  EXPECT_EQ(c.call(2), 1);  // a batch of one, while the first still runs
  in_transaction = false;
  release.count_down();
  first.join();
  EXPECT_EQ(first_got, 1);
  EXPECT_EQ(batches.load(), 2);
}

TEST(Coalescer, CallsThatArriveWhileABatchRunsGoTogetherInTheNextUpToTheMost) {
  std::latch first_started(1), release(1);
  std::vector<std::vector<int>> batches;
  Coalescer<int, int> c(4, 1, [&](const std::vector<int>& in) {
    batches.push_back(in);
    if (batches.size() == 1) {
      first_started.count_down();
      release.wait();
    }
    std::vector<int> out;
    for (int v : in) out.push_back(v + 100);
    return out;
  });
  std::vector<int> got(7);
  std::thread first([&] { got[0] = c.call(0); });
  first_started.wait();
  std::vector<std::thread> more;
  for (int i = 1; i < 7; ++i) more.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = c.call(i); });
  ASSERT_TRUE(eventually([&] { return c.queued() == 6; }));
  release.count_down();
  first.join();
  for (auto& t : more) t.join();
  for (int i = 0; i < 7; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i + 100) << i;
  ASSERT_EQ(batches.size(), 3u);  // 1, then the six waiting in batches of at most four
  EXPECT_EQ(batches[0].size(), 1u);
  EXPECT_EQ(batches[1].size(), 4u);
  EXPECT_EQ(batches[2].size(), 2u);
}

TEST(Coalescer, AFailedBatchFailsEveryCallInItAndTheNextBatchRuns) {
  std::latch first_started(1), release(1);
  std::atomic<int> runs{0};
  Coalescer<int, int> c(64, 1, [&](const std::vector<int>& in) -> std::vector<int> {
    const int n = ++runs;
    if (n == 1) {
      first_started.count_down();
      release.wait();
      return {in[0]};
    }
    if (n == 2) throw std::runtime_error("the database went away");
    return std::vector<int>(in.begin(), in.end());
  });
  std::thread first([&] { EXPECT_EQ(c.call(1), 1); });
  first_started.wait();
  std::atomic<int> failed{0};
  std::vector<std::thread> batch;
  for (int i = 0; i < 3; ++i)
    batch.emplace_back([&] {
      try {
        c.call(7);
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "the database went away") ++failed;
      }
    });
  ASSERT_TRUE(eventually([&] { return c.queued() == 3; }));
  release.count_down();
  first.join();
  for (auto& t : batch) t.join();
  EXPECT_EQ(failed.load(), 3);
  EXPECT_EQ(c.call(9), 9);
}

TEST(Coalescer, NoMoreThanParallelBatchesRunAtOnce) {
  std::atomic<int> running{0}, most{0};
  std::latch release(1);
  Coalescer<int, int> c(1, 2, [&](const std::vector<int>& in) {
    const int now = ++running;
    for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
    }
    release.wait();
    --running;
    return std::vector<int>(in.begin(), in.end());
  });
  std::vector<std::thread> calls;
  for (int i = 0; i < 5; ++i) calls.emplace_back([&, i] { EXPECT_EQ(c.call(i), i); });
  ASSERT_TRUE(eventually([&] { return running.load() == 2 && c.queued() == 3; }));
  release.count_down();
  for (auto& t : calls) t.join();
  EXPECT_EQ(most.load(), 2);
}

TEST(Coalescer, EveryCallerGetsItsOwnResultUnderContention) {
  Coalescer<int, int> c(16, 2, [](const std::vector<int>& in) {
    std::vector<int> out;
    for (int v : in) out.push_back(v * 3);
    return out;
  });
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        if (c.call(t * 1000 + i) != (t * 1000 + i) * 3) ++wrong;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace arena::core
