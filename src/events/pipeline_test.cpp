// The event pipeline in one process: emitter -> publisher -> MemoryStream -> consumer -> SQLite.
#include "arena/events/pipeline.hpp"

#include <gtest/gtest.h>

#include <set>

#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::events {
namespace {

using namespace std::chrono_literals;

struct Pipeline : ::testing::Test {
  Pipeline() { storage::migrate_up(*db, storage::sqlite_migrations(), 1'800'000'000); }
  testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "events.db");
  SqliteEventStore store{*db};
  Catalogue known;
  core::FakeClock clock;
  metrics::Registry registry;
  MemoryStream stream{1000};
  PipelineSettings settings{.batch_size = 50, .batch_timeout = 20ms};
  Emitter emitter{"node-1", 10'000, known, clock, registry};
  Publisher publisher{emitter, stream, settings, registry};
  Consumer consumer{stream, store, known, settings, clock, registry};

  // Stops publishing, then lets the consumer write what is left: no sleeping, no polling.
  void finish() {
    EXPECT_TRUE(publisher.stop());
    EXPECT_TRUE(consumer.drain(10s));
  }
};

TEST_F(Pipeline, EveryEmittedEventIsWrittenOnceWithItsEnvelope) {
  consumer.start();
  publisher.start();
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(emitter.emit(i % 2 ? "mm.queued" : "auth.login", {.user_id = "u" + std::to_string(i % 7)}, {{"i", i}}));
  finish();
  const auto rows = store.query({.limit = 5000});
  ASSERT_EQ(rows.size(), 1000u);
  EXPECT_EQ(rows[0].node, "node-1");
  EXPECT_EQ(rows[0].time_ms, 1'700'000'000'000);
  EXPECT_EQ(rows[0].data, R"({"i":0})");  // ids are UUIDv7 made in order: the first emitted first
  EXPECT_EQ(store.query({.type = "mm.queued", .limit = 5000}).size(), 500u);
  EXPECT_EQ(store.query({.user_id = "u3", .limit = 5000}).size(), 143u);
  // The cursor: pages of 300 cover everything once.
  std::size_t seen = 0;
  std::string after;
  for (;;) {
    auto page = store.query({.after_id = after, .limit = 300});
    if (page.empty()) break;
    seen += page.size();
    after = page.back().id;
  }
  EXPECT_EQ(seen, 1000u);
}

TEST_F(Pipeline, BadMessagesAreDeadLetteredAndTheRestGoOn) {
  consumer.start();
  Event good{"0190f5a0-0000-7000-8000-000000000001", "auth.login", 5, "x", "u", "", "", "", "{}"};
  Event unknown = good;
  unknown.id = "0190f5a0-0000-7000-8000-000000000002";
  unknown.type = "cycles.crash";
  Event huge = good;
  huge.id = "0190f5a0-0000-7000-8000-000000000003";
  huge.data = R"({"x":")" + std::string(20'000, 'y') + "\"}";
  stream.publish({{"", "", "{not json"},
                  {good.id, good.type, encode(good)},
                  {"", "", encode(unknown)},
                  {"", "", encode(huge)},
                  {"", "", std::string("\xff\xfe\x00", 3)},
                  {good.id, good.type, encode(good)}});  // delivered twice: one row
  finish();
  EXPECT_EQ(store.query({}).size(), 1u);
  const auto dead = store.dead_letters(10);
  ASSERT_EQ(dead.size(), 4u);
  std::multiset<std::string> reasons;
  for (const auto& d : dead) reasons.insert(d.reason);
  EXPECT_EQ(reasons,
            (std::multiset<std::string>{"malformed_json", "malformed_json", "unknown_type", "data_too_large"}));
  EXPECT_EQ(dead.back().body, "{not json");  // kept as it came
  const auto text = registry.render();
  EXPECT_NE(text.find("arena_events_duplicates_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("arena_events_dead_lettered_total{reason=\"malformed_json\"} 2"), std::string::npos);
}

// The publisher packs each type's events into messages of up to pack_events; the consumer
// writes each event of a pack, dead-letters a bad one alone with its own bytes, acks a message it
// read something of and rejects one it read nothing of.
TEST_F(Pipeline, EventsTravelInPacksOfOneTypeAndABadEventInAPackIsDeadLetteredAlone) {
  settings.pack_events = 40;
  settings.batch_size = 80;  // two packs a batch
  metrics::Registry own;
  Publisher packing{emitter, stream, settings, own};
  packing.start();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(emitter.emit("mm.queued", {.user_id = "u"}, {{"i", i}}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(emitter.emit("auth.login", {.user_id = "v"}));
  EXPECT_TRUE(packing.stop());
  // However the emitter's batches fell, no message holds more than 40 events or two types.
  std::vector<Delivery> messages;
  for (auto got = stream.fetch(1000, 0ms); !got.empty(); got = stream.fetch(1000, 0ms))
    messages.insert(messages.end(), got.begin(), got.end());
  std::size_t events = 0;
  for (const auto& m : messages) {
    const auto parts = decode_message(m.body, known, {});
    ASSERT_LE(parts.size(), 40u);
    for (const auto& p : parts) EXPECT_EQ(std::get<Event>(p.result).type, std::get<Event>(parts[0].result).type);
    events += parts.size();
  }
  EXPECT_EQ(events, 103u);
  EXPECT_LT(messages.size(), 103u);
  stream.publish([&] {
    std::vector<Outgoing> again;
    for (const auto& m : messages) again.push_back({"", "", m.body});
    // A pack from another client: one good event, one of a type nobody declared, one not an event.
    Event good{"0190f5a0-0000-7000-8000-0000000000aa", "auth.login", 5, "x", "u", "", "", "", "{}"};
    Event unknown = good;
    unknown.id = "0190f5a0-0000-7000-8000-0000000000ab";
    unknown.type = "cycles.crash";
    again.push_back({"", "", encode_pack({encode(good), encode(unknown), "[]"})});
    again.push_back({"", "", encode_pack({encode(unknown)})});  // nothing readable in it
    return again;
  }());
  struct Recording final : Stream {  // which deliveries the consumer rejected
    explicit Recording(Stream& s) : inner(s) {}
    void publish(const std::vector<Outgoing>& b) override { inner.publish(b); }
    std::vector<Delivery> fetch(std::size_t max, std::chrono::milliseconds wait) override {
      return inner.fetch(max, wait);
    }
    void ack(const std::vector<Delivery>& b) override { inner.ack(b); }
    void reject(const std::vector<Delivery>& b) override {
      for (const auto& d : b) rejected.push_back(d.body);
      inner.reject(b);
    }
    void close() override { inner.close(); }
    std::string describe() const override { return "recording"; }
    Stream& inner;
    std::vector<std::string> rejected;
  } recording{stream};
  Consumer reading{recording, store, known, settings, clock, own};
  reading.start();
  EXPECT_TRUE(reading.drain(10s));
  ASSERT_EQ(recording.rejected.size(), 1u);  // the pack with nothing readable, as it came
  EXPECT_EQ(recording.rejected[0].find("0190f5a0-0000-7000-8000-0000000000aa"), std::string::npos);
  EXPECT_NE(recording.rejected[0].find("cycles.crash"), std::string::npos);
  EXPECT_EQ(store.query({.limit = 500}).size(), 104u);
  const auto dead = store.dead_letters(10);
  ASSERT_EQ(dead.size(), 3u);
  std::multiset<std::string> reasons;
  for (const auto& d : dead) {
    reasons.insert(d.reason);
    EXPECT_EQ(d.body.find("0190f5a0-0000-7000-8000-0000000000aa"), std::string::npos);  // its own bytes only
  }
  EXPECT_EQ(reasons, (std::multiset<std::string>{"unknown_type", "unknown_type", "invalid_envelope"}));
  const auto text = own.render();
  EXPECT_NE(text.find("arena_events_consumed_total 107"), std::string::npos) << text;
  EXPECT_NE(text.find("arena_events_published_total 103"), std::string::npos) << text;
}

TEST_F(Pipeline, AFailingWriteIsRetriedThenSplitSoOneBadRowCannotHoldUpTheRest) {
  // A trigger refuses one event's row: the batch fails every attempt, then goes one at a time.
  db->exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.user_id = 'poison' "
      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  settings.write_attempts = 2;
  settings.backoff_base = 1ms;
  metrics::Registry own;  // the fixture's consumer has its metrics in `registry`
  Consumer quick{stream, store, known, settings, clock, own};
  quick.start();
  publisher.start();
  for (int i = 0; i < 20; ++i) emitter.emit("auth.login", {.user_id = i == 7 ? "poison" : "ok"});
  EXPECT_TRUE(publisher.stop());
  EXPECT_TRUE(quick.drain(10s));
  EXPECT_EQ(store.query({}).size(), 19u);
  const auto dead = store.dead_letters(10);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].reason, "write_failed");
  EXPECT_NE(dead[0].detail.find("refused by the test"), std::string::npos);
  EXPECT_NE(dead[0].body.find("poison"), std::string::npos);
}

}  // namespace
}  // namespace arena::events
