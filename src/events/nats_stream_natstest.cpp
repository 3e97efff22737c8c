// The event stream on a real nats-server with JetStream: confirmed publishes, one consumer per
// message, redelivery of what was not acked, de-duplication by id, and the whole pipeline into
// SQLite across a broker restart.
#include <gtest/gtest.h>

#include <set>

#include "arena/events/pipeline.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::events {
namespace {

using namespace std::chrono_literals;

Outgoing out(int i) {
  Event e{"0190f5a0-0000-7000-8000-" + std::to_string(100000000000 + i), "auth.login", i, "n", "u", "", "", "", "{}"};
  return {e.id, e.type, encode(e)};
}

std::vector<Delivery> fetch_all(Stream& s, std::size_t n) {
  std::vector<Delivery> got;
  for (int i = 0; i < 50 && got.size() < n; ++i) {
    auto more = s.fetch(n - got.size(), 200ms);
    for (auto& d : more) got.push_back(std::move(d));
  }
  return got;
}

TEST(NatsEventStream, ConfirmedEventsReachOneConsumerOnceAndGoWhenAcked) {
  testing::NatsServer nats;
  auto producer = open_nats_stream({.url = nats.url(), .client_name = "producer"});
  auto consumer = open_nats_stream({.url = nats.url(), .client_name = "consumer", .consume = true});
  std::vector<Outgoing> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(out(i));
  producer->publish(batch);
  producer->publish({out(5), out(6)});  // published again (a retried batch): the stream keeps one each
  auto got = fetch_all(*consumer, 100);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_TRUE(consumer->fetch(10, 300ms).empty());  // the two published again were not stored again
  std::set<std::string> bodies;
  for (const auto& d : got) bodies.insert(d.body);
  EXPECT_EQ(bodies.size(), 100u);
  EXPECT_TRUE(bodies.count(out(42).body));
  consumer->ack(got);
  auto other = open_nats_stream({.url = nats.url(), .client_name = "consumer-2", .consume = true});
  EXPECT_TRUE(other->fetch(10, 300ms).empty());  // acked: gone from the work queue
}

TEST(NatsEventStream, WhatWasNotAckedComesAgain) {
  testing::NatsServer nats;
  auto producer = open_nats_stream({.url = nats.url(), .client_name = "producer"});
  producer->publish({out(1), out(2), out(3)});
  {
    auto first = open_nats_stream({.url = nats.url(), .client_name = "first", .consume = true, .ack_wait = 1s});
    auto got = fetch_all(*first, 3);
    ASSERT_EQ(got.size(), 3u);
    first->ack({got[0]});  // then it dies with two in hand
  }
  auto second = open_nats_stream({.url = nats.url(), .client_name = "second", .consume = true, .ack_wait = 1s});
  auto again = fetch_all(*second, 2);  // after the ack wait (1 s)
  ASSERT_EQ(again.size(), 2u);
  std::set<std::string> bodies{again[0].body, again[1].body};
  EXPECT_EQ(bodies, (std::set<std::string>{out(2).body, out(3).body}));
}

// A message on the stream that Arena did not write (another client, a bug) is dead-lettered with
// its reason; the good ones around it are written.
// A nats-server and what the consumer writes into: a fresh SQLite events table.
struct IntoSqlite : ::testing::Test {
  IntoSqlite() { storage::migrate_up(*db, storage::sqlite_migrations(), 1'800'000'000); }
  testing::NatsServer nats;
  arena::testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "events.db");
  SqliteEventStore store{*db};
  Catalogue known;
  core::FakeClock clock;
  metrics::Registry registry;
};

TEST_F(IntoSqlite, ForeignMessagesAreDeadLetteredAndTheConsumerGoesOn) {
  auto producer = open_nats_stream({.url = nats.url(), .client_name = "producer"});
  auto consumer = open_nats_stream({.url = nats.url(), .client_name = "consumer", .consume = true});
  Event unknown = std::get<Event>(decode(out(2).body, known, {}));
  unknown.type = "cycles.crash";
  producer->publish({out(1),
                     {"junk-1", "auth.login", "{not json"},
                     {"junk-2", "not a type!", std::string("\x00\x01", 2)},
                     {unknown.id, unknown.type, encode(unknown)},
                     out(3)});
  Consumer consuming(*consumer, store, known, PipelineSettings{.batch_timeout = 20ms}, clock, registry);
  consuming.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (store.dead_letters(10).size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  consumer->close();
  consuming.stop();
  EXPECT_EQ(store.query({}).size(), 2u);
  std::multiset<std::string> reasons;
  for (const auto& d : store.dead_letters(10)) reasons.insert(d.reason);
  EXPECT_EQ(reasons, (std::multiset<std::string>{"malformed_json", "malformed_json", "unknown_type"}));
}

TEST_F(IntoSqlite, EveryConfirmedEventIsWrittenOnceAcrossABrokerRestart) {
  PipelineSettings settings{.batch_size = 100, .batch_timeout = 20ms, .backoff_base = 10ms, .backoff_cap = 200ms};
  auto producer = open_nats_stream({.url = nats.url(), .client_name = "producer", .publish_timeout = 1s});
  auto consumer = open_nats_stream({.url = nats.url(), .client_name = "consumer", .consume = true, .ack_wait = 2s});
  Emitter emitter("n1", 100'000, known, clock, registry);
  Publisher publisher(emitter, *producer, settings, registry);
  Consumer consuming(*consumer, store, known, settings, clock, registry);
  consuming.start();
  publisher.start();
  for (int i = 0; i < 2000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  nats.stop();  // a crash mid-stream
  for (int i = 2000; i < 4000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  nats.start();
  for (int i = 4000; i < 5000; ++i) emitter.emit("auth.login", {.user_id = "u"}, {{"i", i}});
  EXPECT_TRUE(publisher.stop(30s));  // everything emitted was confirmed by the stream
  // The consumer writes until the stream has nothing more for it (bounded).
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  std::size_t rows = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    rows = db->with([](storage::Sqlite& c) {
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

}  // namespace
}  // namespace arena::events
