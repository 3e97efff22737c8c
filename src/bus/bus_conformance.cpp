#include "bus_conformance.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace arena::bus::testing {
namespace {

using namespace std::chrono_literals;

// Collects what a subscription receives; waits are bounded.
class Inbox {
 public:
  Handler handler() {
    return [this](const Message& m) {
      std::lock_guard lock(mu_);
      got_.push_back({std::string(m.subject), std::string(m.data), std::string(m.reply)});
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }
  struct Got {
    std::string subject, data, reply;
  };
  std::vector<Got> snapshot() {
    std::lock_guard lock(mu_);
    return got_;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return got_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Got> got_;
};

TEST_P(BusConformance, DeliversPublishedMessagesToExactSubscribers) {
  Inbox a, b;
  auto sa = bus->subscribe("game.events", a.handler());
  auto sb = bus->subscribe("game.events", b.handler());
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("game.events", "hello");
  bus->publish("game.other", "not for us");
  ASSERT_TRUE(a.wait_for(1));
  ASSERT_TRUE(b.wait_for(1));
  EXPECT_EQ(a.snapshot()[0].subject, "game.events");
  EXPECT_EQ(a.snapshot()[0].data, "hello");
  EXPECT_EQ(b.snapshot()[0].data, "hello");
}

TEST_P(BusConformance, WildcardsMatchLikeNats) {
  Inbox star, tail, mid;
  auto s1 = bus->subscribe("w.*", star.handler());
  auto s2 = bus->subscribe("w.>", tail.handler());
  auto s3 = bus->subscribe("*.x.y", mid.handler());
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("w", "0");
  bus->publish("w.a", "1");
  bus->publish("w.x.y", "2");
  bus->publish("q.x.y", "3");
  bus->publish("w.end", "4");
  ASSERT_TRUE(tail.wait_for(3));
  ASSERT_TRUE(star.wait_for(2));
  ASSERT_TRUE(mid.wait_for(2));
  auto data = [](Inbox& in) {
    std::string s;
    for (auto& g : in.snapshot()) s += g.data;
    return s;
  };
  EXPECT_EQ(data(star), "14");
  EXPECT_EQ(data(tail), "124");
  EXPECT_EQ(data(mid), "23");
}

TEST_P(BusConformance, QueueGroupsDeliverEachMessageToOneMember) {
  Inbox g1, g2, plain;
  auto s1 = bus->subscribe("work.items", g1.handler(), "workers");
  auto s2 = bus->subscribe("work.items", g2.handler(), "workers");
  auto s3 = bus->subscribe("work.items", plain.handler());
  ASSERT_TRUE(bus->flush(2s));
  constexpr std::size_t kN = 200;
  for (std::size_t i = 0; i < kN; ++i) bus->publish("work.items", std::to_string(i));
  ASSERT_TRUE(plain.wait_for(kN));
  // Bounded wait for the group's total.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (g1.size() + g2.size() < kN && std::chrono::steady_clock::now() < deadline) g1.wait_for(g1.size() + 1, 10ms);
  EXPECT_EQ(g1.size() + g2.size(), kN);
  EXPECT_GT(g1.size(), 0u);
  EXPECT_GT(g2.size(), 0u);
}

TEST_P(BusConformance, OnePublishersOrderIsKept) {
  Inbox in;
  auto s = bus->subscribe("ordered", in.handler());
  ASSERT_TRUE(bus->flush(2s));
  constexpr int kN = 2000;
  for (int i = 0; i < kN; ++i) bus->publish("ordered", std::to_string(i));
  ASSERT_TRUE(in.wait_for(kN));
  auto got = in.snapshot();
  for (int i = 0; i < kN; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)].data, std::to_string(i));
}

// bus.hpp's promise: calls of one subscription's handler never overlap, even when several
// threads publish at once, and each publisher's order is kept.
TEST_P(BusConformance, HandlerCallsAreSerialUnderConcurrentPublishers) {
  constexpr int kPublishers = 4;
  constexpr int kEach = 500;
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> out_of_order{0};
  std::vector<int> last(kPublishers, -1);  // touched only inside the handler: serial if the promise holds
  Inbox done;
  auto s = bus->subscribe("serial.work", [&](const Message& m) {
    if (inside.fetch_add(1) != 0) ++overlaps;
    const std::string d(m.data);
    const auto colon = d.find(':');
    const int who = std::stoi(d.substr(0, colon));
    const int seq = std::stoi(d.substr(colon + 1));
    if (seq <= last[static_cast<std::size_t>(who)]) ++out_of_order;
    last[static_cast<std::size_t>(who)] = seq;
    if (seq % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // widen the window
    inside.fetch_sub(1);
    if (seq == kEach - 1) done.handler()(m);
  });
  ASSERT_TRUE(bus->flush(2s));
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p)
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) bus->publish("serial.work", std::to_string(p) + ":" + std::to_string(i));
      bus->flush(2s);
    });
  for (auto& t : publishers) t.join();
  ASSERT_TRUE(done.wait_for(kPublishers, 10s));
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(out_of_order.load(), 0);
}

// A handler runs on the bus's own threads, never on the thread that published.
TEST_P(BusConformance, HandlersRunOffThePublishersThread) {
  std::mutex mu;
  std::vector<std::thread::id> seen;
  Inbox in;
  auto s = bus->subscribe("offthread.x", [&](const Message& m) {
    {
      std::lock_guard lock(mu);
      seen.push_back(std::this_thread::get_id());
    }
    in.handler()(m);
  });
  ASSERT_TRUE(bus->flush(2s));
  for (int i = 0; i < 20; ++i) bus->publish("offthread.x", "x");
  ASSERT_TRUE(in.wait_for(20));
  std::lock_guard lock(mu);
  for (const auto& id : seen) EXPECT_NE(id, std::this_thread::get_id());
}

TEST_P(BusConformance, RequestReplyTimeoutAndNoResponders) {
  auto responder = bus->subscribe("math.double", [this](const Message& m) {
    bus->publish(m.reply, std::to_string(2 * std::stoi(std::string(m.data))));
  });
  auto silent = bus->subscribe("math.silent", [](const Message&) {});
  ASSERT_TRUE(bus->flush(2s));
  auto r = bus->request_sync("math.double", "21", 2s);
  EXPECT_EQ(r.error, RequestError::none);
  EXPECT_EQ(r.data, "42");
  auto t = bus->request_sync("math.silent", "x", 100ms);
  EXPECT_EQ(t.error, RequestError::timeout);
  auto n = bus->request_sync("math.nobody", "x", 2s);
  EXPECT_EQ(n.error, RequestError::no_responders);
}

TEST_P(BusConformance, ConcurrentRequestsEachGetTheirOwnReply) {
  auto responder = bus->subscribe("echo", [this](const Message& m) { bus->publish(m.reply, m.data); });
  ASSERT_TRUE(bus->flush(2s));
  constexpr int kN = 300;
  std::atomic<int> right{0}, done{0};
  std::mutex mu;
  std::condition_variable cv;
  for (int i = 0; i < kN; ++i) {
    bus->request("echo", std::to_string(i), 5s, [&, i](Reply r) {
      if (r.error == RequestError::none && r.data == std::to_string(i)) ++right;
      std::lock_guard lock(mu);
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done.load() == kN; }));
  EXPECT_EQ(right.load(), kN);
}

TEST_P(BusConformance, NothingArrivesAfterUnsubscribe) {
  Inbox gone, witness;
  auto s = bus->subscribe("u.topic", gone.handler());
  auto w = bus->subscribe("u.>", witness.handler());
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("u.topic", "before");
  ASSERT_TRUE(gone.wait_for(1));
  s.reset();
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("u.topic", "after");
  bus->publish("u.sentinel", "end");
  ASSERT_TRUE(witness.wait_for(3));
  ASSERT_TRUE(bus->flush(2s));
  EXPECT_EQ(gone.size(), 1u);
}

TEST_P(BusConformance, AHandlerMayUnsubscribeItself) {
  std::unique_ptr<Subscription> self;
  std::atomic<int> calls{0};
  std::atomic<bool> gone{false};
  Inbox witness;
  self = bus->subscribe("self.stop", [&](const Message&) {
    ++calls;
    self.reset();
    gone = true;
  });
  auto w = bus->subscribe("self.>", witness.handler());
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("self.stop", "1");
  ASSERT_TRUE(witness.wait_for(1));
  // The witness may hear the message before the handler runs (another delivery thread).
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!gone && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(gone.load());
  ASSERT_TRUE(bus->flush(2s));
  bus->publish("self.stop", "2");
  ASSERT_TRUE(witness.wait_for(2));
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(BusConformance, LargeAndBinaryPayloadsArriveIntact) {
  Inbox in;
  auto s = bus->subscribe("blob", in.handler());
  ASSERT_TRUE(bus->flush(2s));
  std::string blob(512 * 1024, '\0');
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<char>(i * 131);
  bus->publish("blob", blob);
  bus->publish("blob", "");
  ASSERT_TRUE(in.wait_for(2));
  EXPECT_EQ(in.snapshot()[0].data, blob);
  EXPECT_EQ(in.snapshot()[1].data, "");
}

// A no-echo client (a gateway's route connection) never hears itself; everyone else hears it, and it
// hears everyone else, requests included (a gateway answers none, but nothing forbids it). The witness subscribes last on the bus: once it has the
// sentinel, the client's own message would have arrived before it (one publisher's order).
TEST_P(BusConformance, ANoEchoClientNeverGetsItsOwnMessages) {
  auto quiet = bus->open_no_echo("no-echo-test");
  Inbox own, other;
  auto s1 = quiet->subscribe("echo.>", own.handler());
  auto s2 = bus->subscribe("echo.>", other.handler());
  auto responder = quiet->subscribe("echo.ask", [&](const Message& m) { quiet->publish(m.reply, "answer"); });
  ASSERT_TRUE(quiet->flush(2s));
  ASSERT_TRUE(bus->flush(2s));
  quiet->publish("echo.mine", "from the client");
  ASSERT_TRUE(other.wait_for(1));
  bus->publish("echo.theirs", "from the bus");
  ASSERT_TRUE(own.wait_for(1));
  ASSERT_TRUE(other.wait_for(2));
  EXPECT_EQ(own.snapshot()[0].data, "from the bus");
  EXPECT_EQ(own.size(), 1u);
  // Requests from elsewhere reach the client's responders, and its replies come back.
  const auto r = bus->request_sync("echo.ask", "?", 2s);
  EXPECT_EQ(r.error, RequestError::none);
  EXPECT_EQ(r.data, "answer");
}

TEST_P(BusConformance, InvalidSubjectsAreRefused) {
  for (const char* bad : {"", "a..b", ".a", "a.", "a b", "a.*", "a.>"})
    EXPECT_THROW(bus->publish(bad, "x"), std::invalid_argument) << bad;
  for (const char* bad : {"", "a..b", "a.>.b", "a b"})
    EXPECT_THROW(bus->subscribe(bad, [](const Message&) {}), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace arena::bus::testing
