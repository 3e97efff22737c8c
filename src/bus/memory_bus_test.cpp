#include "arena/bus/memory_bus.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "bus_conformance.hpp"

namespace arena::bus::testing {

INSTANTIATE_TEST_SUITE_P(Memory, BusConformance,
                         ::testing::Values(BusFactory{"memory", [] { return std::make_unique<MemoryBus>(); }}),
                         factory_name);

TEST(Subjects, MatchingAndValidation) {
  EXPECT_TRUE(subject_matches("a.*.c", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.*.c", "a.b.d"));
  EXPECT_TRUE(subject_matches("a.>", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.>", "a"));
  EXPECT_TRUE(subject_matches(">", "a"));
  EXPECT_FALSE(subject_matches("a.*", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.b", "a.bc"));
  EXPECT_TRUE(valid_pattern("a.*.>"));
  EXPECT_FALSE(valid_pattern("a.>.b"));
  EXPECT_FALSE(valid_subject("a.*"));
  EXPECT_TRUE(valid_token("lobby-1:eu"));
  EXPECT_FALSE(valid_token("a.b"));
  EXPECT_FALSE(valid_token("a b"));
  EXPECT_FALSE(valid_token(std::string(129, 'a')));
}

// A request still queued for a subscription that goes away is answered no_responders at once,
// not left to time out (the host's per-match subscription ends while late inputs are queued).
TEST(MemoryBus, ARequestQueuedForAVanishingSubscriptionGetsNoResponders) {
  using namespace std::chrono_literals;
  MemoryBus bus;
  std::mutex mu;
  std::condition_variable cv;
  bool busy = false, release = false;
  auto sub = bus.subscribe("slow.op", [&](const Message&) {
    std::unique_lock lock(mu);
    busy = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  bus.publish("slow.op", "first");  // occupies the handler
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return busy; }));
  }
  std::promise<Reply> got;
  bus.request("slow.op", "second", 10s, [&](Reply r) { got.set_value(std::move(r)); });  // queued behind
  std::thread closer([&] { sub.reset(); });  // waits for the running call, drops the queued one
  auto answer = got.get_future();
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(answer.get().error, RequestError::no_responders);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  closer.join();
}

// Request deadlines are on the bus's clock: with a stepped clock nothing times out until the
// clock passes the deadline, and then it does at once (no real 5 s wait).
TEST(MemoryBus, ARequestTimesOutWhenItsClockPassesTheDeadline) {
  core::FakeClock clock;
  MemoryBus bus(2, clock);
  auto silent = bus.subscribe("svc.silent", [](const Message&) {});  // never replies
  std::promise<RequestError> got;
  auto answer = got.get_future();
  bus.request("svc.silent", "{}", std::chrono::seconds(5), [&](Reply r) { got.set_value(r.error); });
  ASSERT_TRUE(bus.wait_idle(std::chrono::seconds(5)));
  clock.advance(std::chrono::milliseconds(4999));
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  clock.advance(std::chrono::milliseconds(1));
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(answer.get(), RequestError::timeout);
}

TEST(BusConnect, PicksTheImplementationFromTheUrl) {
  EXPECT_EQ(connect("memory", "t")->describe(), "memory");
  EXPECT_THROW(connect("redis://x", "t"), std::invalid_argument);
  EXPECT_THROW(connect("nats://127.0.0.1:1", "t"), std::runtime_error);  // nobody listens on port 1
}

}  // namespace arena::bus::testing
