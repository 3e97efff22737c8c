// The durable match stores' contract: a result is stored once (a retried save changes nothing),
// read back whole, its players' history written with it (paged newest first), and a finished
// match's rating job enqueued in the same transaction, once; a failed match gets no rating job;
// a match is marked applied once. Running matches: checkpoints keep a lease that only its holder
// moves; a lease that ran out (or was let go) is adopted by one host, one epoch on, with the whole
// log; the host that lost it can neither checkpoint nor store the result; a stored result ends the
// running rows.
#include "store_conformance.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

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

std::vector<LoggedInput> entries(std::uint64_t tick, int n) {
  std::vector<LoggedInput> out;
  for (int i = 0; i < n; ++i)
    out.push_back({tick, i % 3, boost::json::object{{"column", i}}, LoggedInput::Kind::input});
  return out;
}

Checkpoint checkpoint(const MatchRecord& rec, Lease lease, std::uint64_t ticks, std::size_t logged, int n,
                      bool first = false) {
  Checkpoint cp{rec.spec.match_id, std::move(lease), std::nullopt, ticks, 0xfeedbeefcafe0000ULL + ticks, logged,
                entries(ticks, n)};
  if (first) cp.spec = rec.spec;
  return cp;
}

TEST_P(MatchStoreConformance, ARunningMatchIsLeasedAdoptedOnceAndFencedFromItsOldHost) {
  auto& store = backend->store();
  const auto rec = record("m-run");
  const Lease h1{"host-1", 1};
  EXPECT_TRUE(store.checkpoint({checkpoint(rec, h1, 10, 0, 3, true)}, 1000).empty());
  EXPECT_TRUE(store.adopt("host-2", {"four"}, 999, 5000, 10).empty());  // the lease holds till 1000
  EXPECT_TRUE(store.checkpoint({checkpoint(rec, h1, 20, 3, 2)}, 2000).empty());
  // Entries written again (a write that failed after all): the later chunk covers the earlier one.
  EXPECT_TRUE(store.checkpoint({checkpoint(rec, h1, 20, 3, 2)}, 2000).empty());
  EXPECT_TRUE(store.adopt("host-2", {"cycles"}, 2000, 5000, 10).empty());  // a game host-2 does not run

  auto adopted = store.adopt("host-2", {"cycles", "four"}, 2000, 5000, 10);
  ASSERT_EQ(adopted.size(), 1u);
  const auto& a = adopted[0];
  EXPECT_EQ(a.spec.match_id, "m-run");
  EXPECT_EQ(a.spec.seed, 42u);
  EXPECT_EQ(a.spec.seats.size(), 3u);
  EXPECT_EQ(a.lease.host, "host-2");
  EXPECT_EQ(a.lease.epoch, 2);
  EXPECT_EQ(a.ticks, 20u);
  EXPECT_EQ(a.hash, 0xfeedbeefcafe0000ULL + 20);  // 64 bits, whole
  EXPECT_TRUE(a.error.empty()) << a.error;
  ASSERT_EQ(a.log.size(), 5u);
  EXPECT_EQ(a.log[2].tick, 10u);
  EXPECT_EQ(a.log[3].tick, 20u);
  EXPECT_EQ(a.log[4].d.at("column").as_int64(), 1);
  EXPECT_TRUE(store.adopt("host-3", {"four"}, 4999, 9000, 10).empty());  // host-2 holds it now

  // host-1 was only stalled: it can neither checkpoint nor store the result any more.
  EXPECT_EQ(store.checkpoint({checkpoint(rec, h1, 30, 5, 1)}, 9000), std::vector<std::string>{"m-run"});
  EXPECT_EQ(store.save(rec, 1'700'000'000, h1), Saved::lost);
  EXPECT_FALSE(store.load("m-run"));
  EXPECT_TRUE(store.checkpoint({checkpoint(rec, a.lease, 30, 5, 1)}, 9000).empty());
  EXPECT_EQ(store.save(rec, 1'700'000'000, a.lease), Saved::stored);
  EXPECT_EQ(store.save(rec, 1'700'000'000, a.lease), Saved::again);
  EXPECT_TRUE(store.load("m-run"));
  EXPECT_TRUE(store.adopt("host-3", {"four"}, 1'000'000, 2'000'000, 10).empty());  // its rows are gone
  EXPECT_EQ(store.checkpoint({checkpoint(rec, a.lease, 40, 6, 1)}, 9000), std::vector<std::string>{"m-run"});
}

TEST_P(MatchStoreConformance, ALetGoLeaseIsAdoptedAtOnceAndAStoredMatchIsNever) {
  auto& store = backend->store();
  const auto going = record("m-drained");
  const auto ended = record("m-ended");
  // A host that drains lets go of its lease (0): another host takes the match at once.
  EXPECT_TRUE(store.checkpoint({checkpoint(going, {"host-1", 1}, 5, 0, 2, true)}, 0).empty());
  // A checkpoint that raced its match's end (written after the result): never adopted.
  ASSERT_EQ(store.save(ended, 1'700'000'000, {"host-1", 1}), Saved::stored);
  EXPECT_TRUE(store.checkpoint({checkpoint(ended, {"host-1", 1}, 5, 0, 2, true)}, 0).empty());
  const auto adopted = store.adopt("host-2", {"four"}, 1, 60'000, 10);
  ASSERT_EQ(adopted.size(), 1u);
  EXPECT_EQ(adopted[0].spec.match_id, "m-drained");
  EXPECT_EQ(adopted[0].log.size(), 2u);
  EXPECT_TRUE(store.adopt("host-3", {"four"}, 1'000'000, 2'000'000, 10).size() == 1);  // host-2's ran out too
}

// Hosts adopting at the same moment take each orphan once between them.
TEST_P(MatchStoreConformance, ConcurrentAdoptersTakeEachMatchOnce) {
  auto& store = backend->store();
  std::vector<Checkpoint> cps;
  for (int i = 0; i < 24; ++i) cps.push_back(checkpoint(record("m-" + std::to_string(i)), {"dead", 1}, 1, 0, 1, true));
  ASSERT_TRUE(store.checkpoint(cps, 100).empty());
  std::mutex mu;
  std::vector<std::string> taken;
  std::vector<std::thread> hosts;
  for (int h = 0; h < 3; ++h)
    hosts.emplace_back([&, h] {
      for (int round = 0; round < 20; ++round) {
        const auto got = store.adopt("host-" + std::to_string(h), {"four"}, 1000, 60'000, 5);
        std::lock_guard lock(mu);
        for (const auto& a : got) taken.push_back(a.spec.match_id);
      }
    });
  for (auto& t : hosts) t.join();
  std::sort(taken.begin(), taken.end());
  EXPECT_EQ(taken.size(), 24u);
  EXPECT_EQ(std::unique(taken.begin(), taken.end()), taken.end());
}

}  // namespace
}  // namespace arena::match::testing
