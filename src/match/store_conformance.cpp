// The durable match stores' contract: a result is stored once (a retried save changes nothing),
// read back whole, its players' history rows written with it, and a finished match's rating job
// enqueued in the same transaction, once; a failed match gets no rating job.
#include "store_conformance.hpp"

namespace arena::match::testing {
namespace {

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
  const auto back = store.load("m-1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ticks, 120u);
  EXPECT_EQ(back->final_hash, rec.final_hash);  // 64 bits, whole
  EXPECT_EQ(back->spec.seats.size(), 3u);
  EXPECT_TRUE(back->spec.seats[1].bot);
  EXPECT_EQ(back->result.placements.at(2).place, 1);
  EXPECT_EQ(back->inputs.size(), 1u);
  EXPECT_FALSE(store.load("m-unknown"));
  EXPECT_EQ(backend->history("alice"), (std::vector<std::pair<std::string, int>>{{"m-1", 2}}));
  EXPECT_EQ(backend->history("bob"), (std::vector<std::pair<std::string, int>>{{"m-1", 1}}));
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
  EXPECT_EQ(back->error, "the game mode threw");
  EXPECT_TRUE(backend->jobs().list({}).empty());
  EXPECT_EQ(backend->history("alice").size(), 1u);  // it is in the players' history all the same
}

}  // namespace
}  // namespace arena::match::testing
