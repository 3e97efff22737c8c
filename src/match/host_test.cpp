// The match host on an in-process bus: a mode that throws, or keeps overrunning its tick
// budget, ends only its own match (with an error result) while the others keep ticking.
#include "arena/match/host.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "arena/bus/memory_bus.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"

namespace arena::match {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// cycles, except that it throws on its 3rd tick, or sleeps past its budget on every tick.
class Faulty final : public GameMode {
 public:
  explicit Faulty(bool throws) : throws_(throws), inner_(builtin_games().find("cycles")->make()) {}
  void start(const GameStart& s) override { inner_->start(s); }
  void input(int seat, const json::value& d) override { inner_->input(seat, d); }
  void tick(TickOutput& out) override {
    if (throws_ && inner_->tick_count() == 2) throw std::runtime_error("boom");
    if (!throws_) std::this_thread::sleep_for(15ms);
    inner_->tick(out);
  }
  bool over() const override { return inner_->over(); }
  GameResult result() const override { return inner_->result(); }
  json::object snapshot(int viewer) const override { return inner_->snapshot(viewer); }
  std::uint64_t state_hash() const override { return inner_->state_hash(); }
  std::uint64_t tick_count() const override { return inner_->tick_count(); }
  void forfeit(int seat) override { inner_->forfeit(seat); }

 private:
  bool throws_;
  std::unique_ptr<GameMode> inner_;
};

class IdleBot final : public BotBrain {
 public:
  json::value decide(const GameMode&, int) override { return nullptr; }
};

GameRegistry games() {
  GameRegistry r = builtin_games();
  for (bool throws : {true, false}) {
    GameInfo info = *r.find("cycles");  // its settings, which Faulty's inner cycles reads
    info.event_types.clear();           // cycles' own; its events would be unknown types of this game
    info.name = throws ? "boom" : "slow";
    info.tick_rate = 100;
    info.make = [throws] { return std::make_unique<Faulty>(throws); };
    info.make_bot = [] { return std::make_unique<IdleBot>(); };
    r.add(std::move(info));
  }
  return r;
}

// A host with the games above on an in-process bus, a memory store and a stepped clock.
struct Harness {
  explicit Harness(HostSettings hs = {}) : host(bus, games(), store, clock, registry, std::move(hs)) {}
  bus::MemoryBus bus;
  MemoryMatchStore store;
  core::FakeClock clock;
  metrics::Registry registry;
  MatchHost host;  // last: destroyed first
};

// A push to a user as (op, tick); tick -1 when it has none.
std::pair<std::string, std::int64_t> op_and_tick(const bus::Message& m) {
  const auto payload = protocol::decode<protocol::RoutePayload>(m.data);
  if (!payload) {
    ADD_FAILURE() << "not a push: " << m.data;
    return {"", -1};
  }
  const auto frame = json::parse("{" + std::string(payload->text)).as_object();
  const auto& d = frame.at("d").as_object();
  return {std::string(frame.at("op").as_string()), d.contains("tick") ? d.at("tick").as_int64() : -1};
}

std::string found(const std::string& id, const std::string& game, int tick_rate) {
  return protocol::encode(protocol::MatchFound{id, "practice", game, "eu", {}, true, 8, 8, 0, tick_rate});
}

TEST(Host, AFailingModeEndsOnlyItsOwnMatch) {
  bus::MemoryBus bus;
  MemoryMatchStore store;
  core::FakeClock clock;
  metrics::Registry registry;
  HostSettings hs;
  hs.threads = 2;
  hs.max_overruns = 3;
  MatchHost host(bus, games(), store, clock, registry, hs);
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, json::object> ended;
  auto sub = bus.subscribe(protocol::kMatchEnded, [&](const bus::Message& m) {
    auto o = json::parse(m.data).as_object();
    {
      std::lock_guard lock(mu);
      ended[std::string(o.at("match_id").as_string())] = o;
    }
    cv.notify_all();
  });
  bus.publish(protocol::kMatchFound, found("good-1", "cycles", 20));
  bus.publish(protocol::kMatchFound, found("good-2", "cycles", 20));
  bus.publish(protocol::kMatchFound, found("boom-1", "boom", 100));
  bus.publish(protocol::kMatchFound, found("slow-1", "slow", 100));
  bus.publish(protocol::kMatchFound, found("boom-1", "boom", 100));  // redelivered: ignored
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return ended.count("boom-1") != 0 && ended.count("slow-1") != 0; }));
  }
  {
    std::lock_guard lock(mu);
    EXPECT_NE(std::string(ended["boom-1"].at("result").at("error").as_string()).find("boom"), std::string::npos);
    EXPECT_EQ(ended["slow-1"].at("result").at("error").as_string(), "tick budget overrun");
    EXPECT_EQ(ended.count("good-1"), 0u);
  }
  // Stored with the error; the good matches are still running.
  auto rec = store.load("boom-1");
  ASSERT_TRUE(rec);
  EXPECT_FALSE(rec->record.error.empty());
  EXPECT_EQ(host.active(), 2u);
  EXPECT_NE(registry.render().find("game_matches_ended_total{game=\"boom\",outcome=\"error\"} 1"), std::string::npos);
}

// A memory store that tests look into or break by overriding what they need.
class ProxyStore : public MatchStore {
 public:
  using MatchStore::save;
  Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) override {
    return inner_.save(rec, ended_at, lease);
  }
  std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) override {
    return inner_.checkpoint(cps, lease_until);
  }
  std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& g, std::int64_t now,
                                  std::int64_t lease_until, int limit) override {
    return inner_.adopt(host, g, now, lease_until, limit);
  }
  std::optional<StoredMatch> load(const std::string& match_id) override { return inner_.load(match_id); }
  std::vector<PlayedMatch> history(const std::string& user, const HistoryCursor& from, int limit) override {
    return inner_.history(user, from, limit);
  }
  std::optional<std::int64_t> last_played(const std::string& user) override { return inner_.last_played(user); }
  bool mark_applied(const std::string& match_id, std::int64_t now) override {
    return inner_.mark_applied(match_id, now);
  }

 protected:
  MemoryMatchStore inner_;
};

// A store that fails its first `failures` saves, then stores in memory.
class FlakyStore final : public ProxyStore {
 public:
  explicit FlakyStore(int failures) : failures_(failures) {}
  using MatchStore::save;
  Saved save(const MatchRecord& rec, std::int64_t ended_at, const Lease& lease) override {
    if (attempts_.fetch_add(1) < failures_) throw std::runtime_error("disk full");
    return inner_.save(rec, ended_at, lease);
  }
  int attempts() const { return attempts_.load(); }

 private:
  const int failures_;
  std::atomic<int> attempts_{0};
};

// A store that tells how far the checkpoints of its matches got.
class WatchedStore final : public ProxyStore {
 public:
  std::vector<std::string> checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) override {
    auto lost = inner_.checkpoint(cps, lease_until);
    std::lock_guard lock(mu_);
    for (const auto& cp : cps) ticks_[cp.match_id] = cp.ticks;
    cv_.notify_all();
    return lost;
  }
  std::vector<AdoptedMatch> adopt(const std::string& host, const std::vector<std::string>& g, std::int64_t now,
                                  std::int64_t lease_until, int limit) override {
    auto got = inner_.adopt(host, g, now, lease_until, limit);
    std::lock_guard lock(mu_);
    ++adopt_rounds_;
    cv_.notify_all();
    return got;
  }
  bool wait_adopt_rounds(int n) {
    std::unique_lock lock(mu_);
    const int from = adopt_rounds_;
    return cv_.wait_for(lock, 10s, [&] { return adopt_rounds_ >= from + n; });
  }
  bool wait_checkpointed(const std::string& id, std::uint64_t ticks) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return ticks_[id] >= ticks; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::uint64_t> ticks_;
  int adopt_rounds_ = 0;
};

// Host failover on one store: host A runs a match and dies (crash: its lease runs out) or stops
// (it lets go of its lease); host B adopts the match from A's last checkpoint, the player gets a
// snapshot from B and then its deltas, and the match ends once, with a record that replays to
// its end: one consistent history across both hosts.
class HostFailover : public ::testing::TestWithParam<bool> {};

TEST_P(HostFailover, AnotherHostPlaysTheMatchOnFromItsCheckpoint) {
  const bool crash = GetParam();
  bus::MemoryBus bus;
  WatchedStore store;
  core::FakeClock clock;
  HostSettings hs;
  hs.checkpoint_interval = 20ms;
  hs.lease = 1000ms;
  hs.release_on_stop = !crash;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::int64_t>> seen;  // op, tick: as alice receives them
  int ended = 0;
  auto pushes = bus.subscribe(protocol::route_user("alice"), [&](const bus::Message& m) {
    auto pushed = op_and_tick(m);
    std::lock_guard lock(mu);
    seen.push_back(std::move(pushed));
    cv.notify_all();
  });
  auto ends = bus.subscribe(protocol::kMatchEnded, [&](const bus::Message&) {
    std::lock_guard lock(mu);
    ++ended;
    cv.notify_all();
  });
  metrics::Registry registry_a;
  hs.node = "host-a";
  auto a = std::make_unique<MatchHost>(bus, games(), store, clock, registry_a, hs);
  protocol::MatchFound f{"m-failover", "practice", "cycles", "eu", {{{"alice", 1500, 20, ""}}}, true, 3, 4, 1, 100};
  bus.publish(protocol::kMatchFound, protocol::encode(f));
  ASSERT_TRUE(store.wait_checkpointed("m-failover", 20));
  a.reset();  // crash: no more ticks, no result, no checkpoint after the last one (or a stop that lets go)
  std::size_t before;
  {
    std::lock_guard lock(mu);
    before = seen.size();
    ASSERT_EQ(ended, 0) << "the match ended before its host went away: make it longer";
  }
  metrics::Registry registry_b;
  hs.node = "host-b";
  MatchHost b(bus, games(), store, clock, registry_b, hs);
  if (crash) {
    ASSERT_TRUE(store.wait_adopt_rounds(3));  // B looked three times: A's lease still holds
    EXPECT_EQ(b.active(), 0u);
    clock.advance(1500ms);  // A's lease runs out
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return ended > 0 && !seen.empty() && seen.back().first == "match.ended"; }));
  const auto snap = std::find_if(seen.begin() + static_cast<std::ptrdiff_t>(before), seen.end(),
                                 [](const auto& e) { return e.first == "match.snapshot"; });
  ASSERT_NE(snap, seen.end()) << "no snapshot from the host that took the match over";
  EXPECT_GE(snap->second, 20);  // from the checkpoint, not from the start
  EXPECT_EQ(std::next(snap)->first, "match.delta");
  EXPECT_EQ(std::next(snap)->second, snap->second + 1);
  EXPECT_EQ(seen.back().first, "match.ended");
  lock.unlock();
  EXPECT_TRUE(bus.wait_idle(5s));
  lock.lock();
  EXPECT_EQ(ended, 1);
  lock.unlock();
  const auto rec = store.load("m-failover");
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->record.error.empty()) << rec->record.error;
  EXPECT_TRUE(replay(rec->record, games()).matches);
  EXPECT_NE(registry_b.render().find("host_matches_adopted_total 1"), std::string::npos);
  EXPECT_EQ(store.adopt("host-c", {"cycles"}, 1LL << 60, 1LL << 61, 10).size(), 0u);  // nothing left running
}

INSTANTIATE_TEST_SUITE_P(CrashOrStop, HostFailover, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "crash" : "stop"; });

// A host that adopts a match asks who of its players is online. One who is not (their session
// died with the old host, as when an embedded server restarts) keeps the seat for
// rejoin_grace: coming back in time keeps it; staying away past it leaves the match.
TEST(HostFailover, APlayerOfflineAtAdoptionHasTheGraceToComeBack) {
  for (const bool comes_back : {true, false}) {
    bus::MemoryBus bus;
    WatchedStore store;
    core::FakeClock clock;
    HostSettings hs;
    hs.checkpoint_interval = 20ms;
    hs.lease = 60s;  // longer than the grace: the clock jumps below must not take B's lease
    hs.release_on_stop = false;
    hs.rejoin_grace = 30s;
    std::atomic<int> asked{0};
    auto presence = bus.subscribe(protocol::kPresenceQuery, [&](const bus::Message& m) {
      bus.publish(m.reply, R"({"users":{"alice":{"online":false,"nodes":[]}}})");
      ++asked;
    });
    metrics::Registry registry_a, registry_b;
    hs.node = "host-a";
    auto a = std::make_unique<MatchHost>(bus, games(), store, clock, registry_a, hs);
    protocol::MatchFound f{"m-grace", "practice", "cycles", "eu", {{{"alice", 1500, 20, ""}}}, true, 3, 4, 1, 100};
    bus.publish(protocol::kMatchFound, protocol::encode(f));
    ASSERT_TRUE(store.wait_checkpointed("m-grace", 20));
    a.reset();  // a crash
    hs.node = "host-b";
    MatchHost b(bus, games(), store, clock, registry_b, hs);
    clock.advance(61s);  // A's lease runs out: B adopts, asks, hears alice is offline
    for (int i = 0; i < 500 && asked == 0; ++i) std::this_thread::sleep_for(10ms);  // bounded: 5 s
    ASSERT_EQ(asked, 1);
    ASSERT_TRUE(bus.wait_idle(5s));  // and its answer handled
    if (comes_back)
      bus.publish(protocol::presence_changed("alice"), protocol::encode(protocol::PresenceChanged{"alice", true}));
    ASSERT_TRUE(bus.wait_idle(5s));
    clock.advance(31s);  // past the grace: the next tick decides
    std::optional<StoredMatch> rec;
    for (int i = 0; i < 1000 && !rec; ++i) {  // bounded: 10 s for the match to play to its end
      rec = store.load("m-grace");
      if (!rec) std::this_thread::sleep_for(10ms);
    }
    ASSERT_TRUE(rec);
    // The record's log says whether she left (a seat's leave is logged with its tick).
    const auto& log = rec->record.inputs;
    const auto leave =
        std::find_if(log.begin(), log.end(), [](const LoggedInput& e) { return e.kind == LoggedInput::Kind::leave; });
    EXPECT_EQ(leave != log.end(), !comes_back)
        << (comes_back ? "came back, yet left" : "stayed away, yet kept the seat");
  }
}

// The store-retry path: match.ended goes out only once the result is stored, however many
// writes fail first, and exactly once.
TEST(Host, AFailedResultWriteIsRetriedAndMatchEndedWaitsForIt) {
  bus::MemoryBus bus;
  FlakyStore store(2);
  core::FakeClock clock;
  metrics::Registry registry;
  HostSettings hs;
  hs.store_retry = 20ms;
  MatchHost host(bus, games(), store, clock, registry, hs);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> ended;
  int attempts_when_ended = -1;
  auto sub = bus.subscribe(protocol::kMatchEnded, [&](const bus::Message& m) {
    auto e = protocol::decode<protocol::MatchEnded>(m.data);
    ASSERT_TRUE(e);
    std::lock_guard lock(mu);
    ended.push_back(e->match_id);
    attempts_when_ended = store.attempts();
    cv.notify_all();
  });
  bus.publish(protocol::kMatchFound, found("boom-2", "boom", 100));  // ends itself on its 3rd tick
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return !ended.empty(); }));
  }
  EXPECT_EQ(attempts_when_ended, 3);  // two failures, then the write that made it
  ASSERT_TRUE(store.load("boom-2"));
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(store.attempts(), 3);  // no write after the one that made it: no second match.ended
  std::lock_guard lock(mu);
  EXPECT_EQ(ended, (std::vector<std::string>{"boom-2"}));
  EXPECT_EQ(host.active(), 0u);
}

// Leave handling: a player gone for good (presence says offline) forfeits in a game that says
// so (four), and the result says who won.
TEST(Host, APlayerWhoGoesOfflineForfeitsInAForfeitGame) {
  Harness h;
  auto& bus = h.bus;
  auto& host = h.host;
  std::mutex mu;
  std::condition_variable cv;
  std::optional<protocol::MatchEnded> ended;
  auto sub = bus.subscribe(protocol::kMatchEnded, [&](const bus::Message& m) {
    std::lock_guard lock(mu);
    ended = protocol::decode<protocol::MatchEnded>(m.data);
    cv.notify_all();
  });
  protocol::MatchFound f{"four-1", "four", "four", "eu", {{{"alice", 1500, 20, ""}}, {{"bob", 1500, 20, ""}}},
                         false,    0,      2,      1,    0};
  bus.publish(protocol::kMatchFound, protocol::encode(f));
  ASSERT_TRUE(bus.wait_idle(5s));
  EXPECT_EQ(host.active(), 1u);
  bus.publish(protocol::presence_changed("alice"), protocol::encode(protocol::PresenceChanged{"alice", false}));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return ended.has_value(); }));  // four ticks at 1 Hz
  }
  const auto result = json::parse(ended->result_json).as_object();
  std::map<std::string, std::int64_t> place;
  for (const auto& p : result.at("placements").as_array())
    place[std::string(p.at("user_id").as_string())] = p.at("place").as_int64();
  EXPECT_EQ(place["bob"], 1);
  EXPECT_EQ(place["alice"], 2);
  EXPECT_EQ(host.active(), 0u);
  // Someone who is not in the match going offline changes nothing (and does not crash).
  bus.publish(protocol::presence_changed("carol"), protocol::encode(protocol::PresenceChanged{"carol", false}));
  EXPECT_TRUE(bus.wait_idle(5s));
}

// A player back online (a new session) is sent a full snapshot, in order with the deltas: the
// deltas after it are of the ticks after its tick, never one it already holds.
TEST(Host, APlayerBackOnlineGetsASnapshotInOrderWithTheDeltas) {
  Harness h;
  auto& bus = h.bus;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::int64_t>> seen;  // op, tick: as alice receives them
  auto sub = bus.subscribe(protocol::route_user("alice"), [&](const bus::Message& m) {
    auto pushed = op_and_tick(m);
    std::lock_guard lock(mu);
    seen.push_back(std::move(pushed));
    cv.notify_all();
  });
  protocol::MatchFound f{"cycles-1", "practice", "cycles", "eu", {{{"alice", 1500, 20, ""}}}, true, 3, 4, 1, 20};
  bus.publish(protocol::kMatchFound, protocol::encode(f));
  auto count = [&](const std::string& op) {
    return std::count_if(seen.begin(), seen.end(), [&](const auto& e) { return e.first == op; });
  };
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return count("match.delta") >= 3; }));
  }
  bus.publish(protocol::presence_changed("alice"), protocol::encode(protocol::PresenceChanged{"alice", true}));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] {
    const auto at =
        std::find_if(seen.begin() + 2, seen.end(), [](const auto& e) { return e.first == "match.snapshot"; });
    return at != seen.end() &&
           std::count_if(at, seen.end(), [](const auto& e) { return e.first == "match.delta"; }) >= 2;
  }));
  EXPECT_EQ(seen.front().first, "match.assigned");
  const auto snap =
      std::find_if(seen.begin() + 2, seen.end(), [](const auto& e) { return e.first == "match.snapshot"; });
  ASSERT_NE(snap, seen.end());
  EXPECT_LT(std::prev(snap)->second, snap->second + 1);  // the delta before it is of its tick or earlier
  EXPECT_EQ(std::next(snap)->first, "match.delta");
  EXPECT_EQ(std::next(snap)->second, snap->second + 1);  // the next delta is of the next tick
}

// match.watch: the public view to the spectator, a bound per match and per spectator.
TEST(Host, SpectatorsSeeThePublicViewAndAreBounded) {
  HostSettings hs;
  hs.max_watchers = 2;
  hs.max_watched_per_user = 2;
  Harness h(hs);
  for (const char* id : {"t1", "t2", "t3"}) h.bus.publish(protocol::kMatchFound, found(id, "tag", 0));
  ASSERT_TRUE(h.bus.wait_idle(5s));
  ASSERT_EQ(h.host.active(), 3u);
  // The reply's error code, or "ok".
  auto op = [&](const std::string& match, const std::string& name, const std::string& user) {
    const auto r =
        h.bus.request_sync(protocol::match_op(match), protocol::encode(protocol::ClientOp{name, user, "s", {}}), 5s);
    if (r.error != bus::RequestError::none) return "request " + std::string(bus::to_string(r.error));
    const auto o = json::parse(r.data).as_object();
    return o.contains("error") ? std::string(o.at("error").at("code").as_string()) : std::string("ok");
  };
  std::mutex mu;
  std::condition_variable cv;
  std::optional<json::object> snapshot;
  auto sub = h.bus.subscribe(protocol::route_user("a"), [&](const bus::Message& m) {
    const auto payload = protocol::decode<protocol::RoutePayload>(m.data);
    const auto frame = json::parse("{" + std::string(payload->text)).as_object();
    std::lock_guard lock(mu);
    if (frame.at("op").as_string() == "match.snapshot" && !snapshot) snapshot = frame.at("d").as_object();
    cv.notify_all();
  });
  EXPECT_EQ(op("t1", "match.watch", "w"), "ok");
  EXPECT_EQ(op("t1", "match.watch", "w"), "ok");  // again: still one watch
  EXPECT_EQ(op("t2", "match.watch", "w"), "ok");
  EXPECT_EQ(op("t3", "match.watch", "w"), "too_many_watchers");  // w watches two already
  EXPECT_EQ(op("t3", "match.watch", "a"), "ok");
  EXPECT_EQ(op("t3", "match.watch", "b"), "ok");
  EXPECT_EQ(op("t3", "match.watch", "c"), "too_many_watchers");  // t3 has two spectators
  EXPECT_EQ(op("t3", "match.unwatch", "b"), "ok");
  EXPECT_EQ(op("t3", "match.unwatch", "b"), "not_in_match");
  EXPECT_EQ(op("t3", "match.watch", "c"), "ok");
  EXPECT_EQ(op("t3", "match.input", "a"), "not_in_match");             // read-only
  EXPECT_EQ(op("nope", "match.watch", "a"), "request no_responders");  // the gateway says no_such_match
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return snapshot.has_value(); }));
  }
  const auto& state = snapshot->at("state").as_object();
  EXPECT_TRUE(state.contains("it"));
  EXPECT_FALSE(state.contains("seen"));  // no seat's view
  // A spectator gone offline stops watching: w can watch t3 once t1 and t2 forget it.
  h.bus.publish(protocol::presence_changed("w"), protocol::encode(protocol::PresenceChanged{"w", false}));
  ASSERT_TRUE(h.bus.wait_idle(5s));
  EXPECT_EQ(op("t1", "match.unwatch", "w"), "not_in_match");
  EXPECT_EQ(op("t3", "match.unwatch", "c"), "ok");
  EXPECT_EQ(op("t3", "match.watch", "w"), "ok");
}

}  // namespace
}  // namespace arena::match

namespace arena::match {
namespace {

// What the host tells the game-event stream: the match starting, a player leaving (with the
// seat and tick), and the game's own events with their tick, about the seat's player.
TEST(Host, TellsTheEventStreamWhatHappensInAMatch) {
  struct Told {
    std::string type, user;
    json::object data;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Told> told;
  bus::MemoryBus bus;
  MemoryMatchStore store;
  core::FakeClock clock;
  metrics::Registry registry;
  MatchHost host(bus, games(), store, clock, registry, {}, {},
                 [&](std::string_view type, const MatchSpec& spec, std::string_view user, json::object data) {
                   EXPECT_EQ(spec.match_id, "cycles-ev");
                   std::lock_guard lock(mu);
                   told.push_back({std::string(type), std::string(user), std::move(data)});
                   cv.notify_all();
                 });
  protocol::MatchFound f{"cycles-ev", "practice", "cycles", "eu", {{{"alice", 1500, 20, ""}}}, true, 3, 4, 1, 500};
  bus.publish(protocol::kMatchFound, protocol::encode(f));
  const auto has = [&](const std::string& type) {
    return std::any_of(told.begin(), told.end(), [&](const Told& t) { return t.type == type; });
  };
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return has("match.started"); }));
  }
  bus.publish(protocol::presence_changed("alice"), protocol::encode(protocol::PresenceChanged{"alice", false}));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 30s, [&] { return has("match.player_left") && has("cycles.crash"); }));
  for (const auto& t : told) {
    if (t.type == "match.player_left") {
      EXPECT_EQ(t.user, "alice");
      EXPECT_EQ(t.data.at("seat"), 0);
      EXPECT_EQ(t.data.at("forfeit"), false);  // cycles: a bot rides on
    }
    if (t.type == "cycles.crash") {
      EXPECT_TRUE(t.data.at("tick").is_uint64() || t.data.at("tick").is_int64());
      EXPECT_TRUE(t.data.contains("cause"));
      const auto seat = t.data.at("seat").as_int64();
      EXPECT_EQ(t.user, seat == 0 ? "alice" : "");  // the others are bots
    }
  }
}

}  // namespace
}  // namespace arena::match
