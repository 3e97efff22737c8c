#pragma once
// What every broker's event stream must do, on a real server (a typed test suite: each broker's
// test file instantiates it with a Broker that starts the server and opens streams on it):
// confirmed publishes reach one consumer once, what was not acked comes again, messages Arena did
// not write are dead-lettered while the rest are written, and the whole pipeline into SQLite
// writes every confirmed event once across a broker crash.
//   struct Broker { Server server; std::unique_ptr<Stream> open(const std::string& name, bool consume); };
#include <gtest/gtest.h>

#include <set>

#include "arena/events/pipeline.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::events::conformance {

using namespace std::chrono_literals;

inline Outgoing out(int i) {
  Event e{"0190f5a0-0000-7000-8000-" + std::to_string(100000000000 + i), "auth.login", i, "n", "u", "", "", "", "{}"};
  return {e.id, e.type, encode(e)};
}

inline std::vector<Delivery> fetch_all(Stream& s, std::size_t n) {
  std::vector<Delivery> got;
  for (int i = 0; i < 50 && got.size() < n; ++i) {
    auto more = s.fetch(n - got.size(), 200ms);
    for (auto& d : more) got.push_back(std::move(d));
  }
  return got;
}

// A broker and what the consumer writes into: a fresh SQLite events table.
template <typename Broker>
struct EventStream : ::testing::Test {
  EventStream() { storage::migrate_up(*db, storage::sqlite_migrations(), 1'800'000'000); }
  Broker broker;
  arena::testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "events.db");
  SqliteEventStore store{*db};
  Catalogue known;
  core::FakeClock clock;
  metrics::Registry registry;
};

TYPED_TEST_SUITE_P(EventStream);

TYPED_TEST_P(EventStream, ConfirmedEventsReachOneConsumerOnceAndGoWhenAcked) {
  auto producer = this->broker.open("producer", false);
  auto consumer = this->broker.open("consumer", true);
  std::vector<Outgoing> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(out(i));
  producer->publish(batch);
  auto got = fetch_all(*consumer, 100);
  ASSERT_EQ(got.size(), 100u);
  std::set<std::string> bodies;
  for (const auto& d : got) bodies.insert(d.body);
  EXPECT_EQ(bodies.size(), 100u);
  EXPECT_TRUE(bodies.count(out(42).body));
  consumer->ack(got);
  auto other = this->broker.open("consumer-2", true);  // shares the queue: nothing left for it
  EXPECT_TRUE(other->fetch(10, 300ms).empty());
}

TYPED_TEST_P(EventStream, WhatWasNotAckedComesAgain) {
  auto producer = this->broker.open("producer", false);
  producer->publish({out(1), out(2), out(3)});
  {
    auto first = this->broker.open("first", true);
    auto got = fetch_all(*first, 3);
    ASSERT_EQ(got.size(), 3u);
    first->ack({got[0]});  // then it dies with two in hand
  }
  auto second = this->broker.open("second", true);
  auto again = fetch_all(*second, 2);
  ASSERT_EQ(again.size(), 2u);
  std::set<std::string> bodies{again[0].body, again[1].body};
  EXPECT_EQ(bodies, (std::set<std::string>{out(2).body, out(3).body}));
}

// A message on the stream that Arena did not write (another client, a bug) is dead-lettered with
// its reason; the good ones around it are written.
TYPED_TEST_P(EventStream, ForeignMessagesAreDeadLetteredAndTheConsumerGoesOn) {
  auto producer = this->broker.open("producer", false);
  auto consumer = this->broker.open("consumer", true);
  Event unknown = std::get<Event>(decode(out(2).body, this->known, {}));
  unknown.type = "cycles.crash";
  producer->publish({out(1),
                     {"junk-1", "auth.login", "{not json"},
                     {"junk-2", "not a type!", std::string("\x00\x01", 2)},
                     {unknown.id, unknown.type, encode(unknown)},
                     out(3)});
  Consumer consuming(*consumer, this->store, this->known, PipelineSettings{.batch_timeout = 20ms}, this->clock,
                     this->registry);
  consuming.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (this->store.dead_letters(10).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  consumer->close();
  consuming.stop();
  EXPECT_EQ(this->store.query({}).size(), 2u);
  std::multiset<std::string> reasons;
  for (const auto& d : this->store.dead_letters(10)) reasons.insert(d.reason);
  EXPECT_EQ(reasons, (std::multiset<std::string>{"malformed_json", "malformed_json", "unknown_type"}));
}

TYPED_TEST_P(EventStream, EveryConfirmedEventIsWrittenOnceAcrossABrokerCrash) {
  PipelineSettings settings{.batch_size = 100, .batch_timeout = 20ms, .backoff_base = 10ms, .backoff_cap = 200ms};
  auto producer = this->broker.open("producer", false);
  auto consumer = this->broker.open("consumer", true);
  Emitter emitter("n1", 100'000, this->known, this->clock, this->registry);
  Publisher publisher(emitter, *producer, settings, this->registry);
  Consumer consuming(*consumer, this->store, this->known, settings, this->clock, this->registry);
  consuming.start();
  publisher.start();
  for (int i = 0; i < 2000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  this->broker.server.stop();  // SIGKILL mid-stream
  for (int i = 2000; i < 4000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  this->broker.server.start();
  for (int i = 4000; i < 5000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  EXPECT_TRUE(publisher.stop(60s));  // everything emitted was confirmed by the broker
  // The consumer writes until the stream has nothing more for it (bounded).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::size_t rows = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    rows = this->db->with([](storage::Sqlite& c) {
      auto& st = c.prepare("SELECT count(*), count(DISTINCT json_extract(data, '$.i')) FROM events");
      st.step();
      EXPECT_EQ(st.int64(0), st.int64(1));  // never one event twice
      return static_cast<std::size_t>(st.int64(0));
    });
    if (rows == 5000) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(rows, 5000u);
  consumer->close();
  consuming.stop();
}

REGISTER_TYPED_TEST_SUITE_P(EventStream, ConfirmedEventsReachOneConsumerOnceAndGoWhenAcked, WhatWasNotAckedComesAgain,
                            ForeignMessagesAreDeadLetteredAndTheConsumerGoesOn,
                            EveryConfirmedEventIsWrittenOnceAcrossABrokerCrash);

}  // namespace arena::events::conformance
