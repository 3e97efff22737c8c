#include "arena/events/event.hpp"

#include <gtest/gtest.h>

#include "arena/events/emitter.hpp"

namespace arena::events {
namespace {

Event sample() {
  return Event{"0190f5a0-0000-7000-8000-000000000001",
               "auth.login",
               1'700'000'000'000,
               "gw-1",
               "u1",
               "",
               "",
               "eu",
               R"({"method":"device"})"};
}

TEST(Events, EncodeDecodeRoundTripsEveryField) {
  const Catalogue known;
  auto r = decode(encode(sample()), known, {});
  ASSERT_TRUE(std::holds_alternative<Event>(r)) << std::get<Rejected>(r).detail;
  const auto& e = std::get<Event>(r);
  EXPECT_EQ(e.id, sample().id);
  EXPECT_EQ(e.type, "auth.login");
  EXPECT_EQ(e.time_ms, 1'700'000'000'000);
  EXPECT_EQ(e.node, "gw-1");
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.match_id, "");
  EXPECT_EQ(e.region, "eu");
  EXPECT_EQ(e.data, R"({"method":"device"})");
}

Reject rejected(std::string_view bytes, const Catalogue& known = {}, Limits limits = {}) {
  auto r = decode(bytes, known, limits);
  EXPECT_TRUE(std::holds_alternative<Rejected>(r)) << bytes;
  return std::holds_alternative<Rejected>(r) ? std::get<Rejected>(r).reason : Reject::invalid_envelope;
}

TEST(Events, BadMessagesAreRejectedWithAStableReason) {
  EXPECT_EQ(rejected("not json"), Reject::malformed_json);
  EXPECT_EQ(rejected("[1,2]"), Reject::malformed_json);
  EXPECT_EQ(rejected(std::string(64, '[')), Reject::malformed_json);
  EXPECT_EQ(rejected(R"({"type":"auth.login"})"), Reject::invalid_envelope);
  auto e = sample();
  e.type = "cycles.crash";  // no game mode declared it
  EXPECT_EQ(rejected(encode(e)), Reject::unknown_type);
  e = sample();
  e.data = R"({"big":")" + std::string(10'000, 'x') + "\"}";
  EXPECT_EQ(rejected(encode(e)), Reject::data_too_large);
  e.data = R"({"big":")" + std::string(100'000, 'x') + "\"}";
  EXPECT_EQ(rejected(encode(e)), Reject::data_too_large);  // refused before parsing
  e = sample();
  e.data = "[1]";
  EXPECT_EQ(rejected(encode(e)), Reject::invalid_envelope);
  e = sample();
  e.id = "short";
  EXPECT_EQ(rejected(encode(e)), Reject::invalid_envelope);
  e = sample();
  e.time_ms = -5;
  EXPECT_EQ(rejected(encode(e)), Reject::invalid_envelope);
  EXPECT_EQ(to_string(Reject::unknown_type), "unknown_type");
}

// A message is one event or a pack: each event of a pack is read or refused on its own, with
// its own bytes kept for its dead letter; a message that is no pack at all is one refusal.
TEST(Events, APackIsReadEventByEventAndABadOneIsRefusedAlone) {
  const Catalogue known;
  auto a = sample(), b = sample(), unknown = sample();
  b.id = "0190f5a0-0000-7000-8000-000000000002";
  unknown.id = "0190f5a0-0000-7000-8000-000000000003";
  unknown.type = "cycles.crash";
  const auto parts = decode_message(encode_pack({encode(a), encode(unknown), "7", encode(b)}), known, {});
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(std::get<Event>(parts[0].result).id, a.id);
  EXPECT_EQ(std::get<Rejected>(parts[1].result).reason, Reject::unknown_type);
  EXPECT_NE(parts[1].bytes.find("cycles.crash"), std::string::npos);  // its own bytes, not the pack's
  EXPECT_EQ(parts[1].bytes.find(a.id), std::string::npos);
  EXPECT_EQ(std::get<Rejected>(parts[2].result).reason, Reject::invalid_envelope);
  EXPECT_EQ(parts[2].bytes, "7");
  EXPECT_EQ(std::get<Event>(parts[3].result).id, b.id);
  EXPECT_TRUE(parts[0].bytes.empty());

  // One event alone, as before packs (and as other clients may send them).
  const auto one = decode_message("  " + encode(a), known, {});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(std::get<Event>(one[0].result).data, a.data);

  const auto refused = [&](const std::string& bytes) {
    const auto r = decode_message(bytes, known, {});
    EXPECT_EQ(r.size(), 1u) << bytes.substr(0, 40);
    EXPECT_EQ(r.at(0).bytes, bytes);  // kept as it came
    return std::get<Rejected>(r.at(0).result).reason;
  };
  EXPECT_EQ(refused("[" + encode(a)), Reject::malformed_json);  // cut short
  EXPECT_EQ(refused("[]"), Reject::invalid_envelope);
  EXPECT_EQ(refused(std::string(100, '[')), Reject::malformed_json);  // too deep
  EXPECT_EQ(refused("not json"), Reject::malformed_json);
  std::vector<std::string> many(kMaxPack + 1, encode(a));
  EXPECT_EQ(refused(encode_pack(many)), Reject::invalid_envelope);  // more than a pack holds
  many.pop_back();
  EXPECT_EQ(decode_message(encode_pack(many), known, {}).size(), kMaxPack);
  Limits small{.max_data_bytes = 64};
  const auto huge =
      decode_message(encode_pack(std::vector<std::string>(kMaxPack, encode(a) + std::string(3000, ' '))), known, small);
  ASSERT_EQ(huge.size(), 1u);  // refused before it is parsed
  EXPECT_EQ(std::get<Rejected>(huge[0].result).reason, Reject::data_too_large);
}

TEST(Events, GameModesDeclareTheirOwnTypes) {
  Catalogue known;
  known.add("cycles.crash");
  auto e = sample();
  e.type = "cycles.crash";
  EXPECT_TRUE(std::holds_alternative<Event>(decode(encode(e), known, {})));
  EXPECT_THROW(known.add("match.ended"), std::invalid_argument);
  EXPECT_THROW(known.add("Crash"), std::invalid_argument);
  EXPECT_THROW(known.add("nodot"), std::invalid_argument);
  EXPECT_THROW(known.add("a..b"), std::invalid_argument);
  EXPECT_FALSE(known.find("match.ended")->droppable);
  EXPECT_TRUE(known.find("auth.login")->droppable);
}

TEST(Events, AFullBufferDropsDroppableEventsAndCountsThem) {
  const Catalogue known;
  core::FakeClock clock;
  metrics::Registry registry;
  Emitter emitter("n1", 2, known, clock, registry);
  EXPECT_TRUE(emitter.emit("auth.login", {}));
  EXPECT_TRUE(emitter.emit("auth.login", {}));
  EXPECT_FALSE(emitter.emit("auth.login", {}));
  // match.* may use the reserve (four buffers' worth in all), then they too are dropped.
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(emitter.emit("match.ended", {.match_id = "m"})) << i;
  EXPECT_FALSE(emitter.emit("match.ended", {}));
  EXPECT_EQ(emitter.buffered(), 8u);
  const auto text = registry.render();
  EXPECT_NE(text.find("arena_events_dropped_total{type=\"auth.login\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("arena_events_dropped_total{type=\"match.ended\"} 1"), std::string::npos);
  const auto first = emitter.take(3, std::chrono::milliseconds(0));
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[2].type, "match.ended");
  EXPECT_EQ(first[2].about.match_id, "m");
  EXPECT_EQ(first[0].time_ms, 1'700'000'000'000);
}

}  // namespace
}  // namespace arena::events
