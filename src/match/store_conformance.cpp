// The durable match stores' contract: a result is stored once (a retried save changes nothing),
// read back whole, its players' history written with it (paged newest first), and a finished
// match's rating job enqueued in the same transaction, once; a failed match gets no rating job;
// a match is marked applied once.
#include "store_conformance.hpp"

namespace arena::match::testing {
namespace {

// A player's history as (match id, place), newest first, read in pages of two.
std::vector<std::pair<std::string, int>> history(MatchStore& store, const std::string& user) {
  std::vector<std::pair<std::string, int>> out;
  HistoryCursor from;
  for (int page = 0; page < 100; ++page) {
    const auto rows = store.history(user, from, 2);
    if (rows.empty()) break;
    for (const auto& r : rows) out.emplace_back(r.match.record.spec.match_id, r.place);
    from = {rows.back().match.ended_at, rows.back().match.record.spec.match_id};
  }
  return out;
}

MatchRecord record(const std::string& id, bool failed = false) {
  MatchRecord rec;
  rec.spec.match_id = id;
  rec.spec.mode = "duel";
  rec.spec.game = "four";
  rec.spec.region = "eu";
  rec.spec.seed = 42;
  rec.spec.seats = {{"alice", false, 0}, {"", true, 1}, {"bob", false, 2}};
  rec.result.placements = {{0, 2, {{"pieces", 7}}}, {1, 3, {}}, {2, 1, {{"pieces", 9}}}};
  rec.result.summary = {{"winner", "bob"}};
  rec.inputs = {{3, 0, boost::json::object{{"column", 4}}, LoggedInput::Kind::input}};
  rec.ticks = 120;
  rec.final_hash = 0xfeedbeefcafe1234ULL;
  if (failed) rec.error = "the game mode threw";
  return rec;
}

TEST_P(MatchStoreConformance, AResultIsStoredOnceWithItsPlayersAndItsRatingJob) {
  auto& store = backend->store();
  const auto rec = record("m-1");
  store.save(rec, 1'700'000'000);
  auto changed = rec;
  changed.ticks = 999;
  store.save(changed, 1'700'000'100);  // a retried write: the first stands
  const auto stored = store.load("m-1");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->ended_at, 1'700'000'000);
  const auto* back = &stored->record;
  EXPECT_EQ(back->ticks, 120u);
  EXPECT_EQ(back->final_hash, rec.final_hash);  // 64 bits, whole
  EXPECT_EQ(back->spec.seats.size(), 3u);
  EXPECT_TRUE(back->spec.seats[1].bot);
  EXPECT_EQ(back->result.placements.at(2).place, 1);
  EXPECT_EQ(back->inputs.size(), 1u);
  EXPECT_FALSE(store.load("m-unknown"));
  EXPECT_EQ(history(store, "alice"), (std::vector<std::pair<std::string, int>>{{"m-1", 2}}));
  EXPECT_EQ(history(store, "bob"), (std::vector<std::pair<std::string, int>>{{"m-1", 1}}));
  EXPECT_TRUE(history(store, "").empty());  // the bot's seat is nobody's history
  const auto jobs = backend->jobs().list({});
  ASSERT_EQ(jobs.size(), 1u);  // once, for all the saves
  EXPECT_EQ(jobs[0].kind, "rating.update");
  EXPECT_EQ(jobs[0].queue, "ratings");
  EXPECT_EQ(jobs[0].run_at, 1'700'000'000'000);
  EXPECT_NE(jobs[0].args.find("m-1"), std::string::npos);
}

TEST_P(MatchStoreConformance, AFailedMatchIsKeptWithoutARatingJob) {
  backend->store().save(record("m-failed", true), 1'700'000'000);
  const auto back = backend->store().load("m-failed");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->record.error, "the game mode threw");
  EXPECT_TRUE(backend->jobs().list({}).empty());
  const auto mine = history(backend->store(), "alice");  // it is in the players' history all the same
  EXPECT_EQ(mine, (std::vector<std::pair<std::string, int>>{{"m-failed", 2}}));
}

TEST_P(MatchStoreConformance, HistoryPagesNewestFirstWithoutRepeatsOrGaps) {
  auto& store = backend->store();
  EXPECT_FALSE(store.last_played("alice"));
  // Seven matches, three of them ending in the same second (ordered by id among themselves).
  const std::vector<std::pair<std::string, std::int64_t>> played{{"m-a", 100}, {"m-b", 200}, {"m-c", 200}, {"m-d", 200},
                                                                 {"m-e", 300}, {"m-f", 400}, {"m-g", 500}};
  for (const auto& [id, at] : played) store.save(record(id), at);
  EXPECT_EQ(store.last_played("alice"), 500);
  std::vector<std::string> seen;
  HistoryCursor from;
  for (int page = 0; page < 10; ++page) {
    const auto rows = store.history("alice", from, 3);
    if (rows.empty()) break;
    EXPECT_LE(rows.size(), 3u);
    for (const auto& r : rows) seen.push_back(r.match.record.spec.match_id);
    from = {rows.back().match.ended_at, rows.back().match.record.spec.match_id};
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"m-g", "m-f", "m-e", "m-d", "m-c", "m-b", "m-a"}));
  const auto first = store.history("alice", {}, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].match.ended_at, 500);
  EXPECT_EQ(first[0].place, 2);
  EXPECT_EQ(first[0].match.record.result.placements.size(), 3u);
}

TEST_P(MatchStoreConformance, AMatchIsMarkedAppliedOnce) {
  auto& store = backend->store();
  EXPECT_TRUE(store.mark_applied("m-1", 10));
  EXPECT_FALSE(store.mark_applied("m-1", 20));
  EXPECT_TRUE(store.mark_applied("m-2", 20));
}

}  // namespace
}  // namespace arena::match::testing
