// Cluster proof: two `arena` processes share one real nats-server. Process 1 runs every role
// (auth, sessions, a gateway); process 2 is a gateway only. A user on gateway 1 reaches a user
// on gateway 2 with a channel message and a DM, and presence sees both, each on its node.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include <boost/json.hpp>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/nats_server.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/ws_client.hpp"

namespace arena {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::ArenaProcess;
using testing::HttpClient;
using testing::WsClient;

using testing::frame;
using testing::str;

// Waits (bounded) for the reply to `rid`, skipping pushes.
json::value reply(WsClient& ws, int rid) {
  for (int i = 0; i < 100; ++i) {
    auto f = ws.recv();
    if (!f) break;
    if (f->as_object().contains("rid") && f->at("rid") == json::value(rid)) return *f;
  }
  throw std::runtime_error("no reply " + std::to_string(rid));
}

// The match id of the mm.status "found" the socket gets next (empty: none within 20 statuses).
std::string found_match(WsClient& ws) {
  for (int i = 0; i < 20; ++i) {
    auto f = ws.recv_op("mm.status");
    if (!f) break;
    if (str(*f, {"d", "state"}) == "found") return str(*f, {"d", "match_id"});
  }
  return {};
}

// One nats-server, one temp dir and one key ring shared by the processes of a test.
struct ClusterEnv {
  testing::NatsServer nats;
  testing::TempDir dir;
  std::string keys = auth::KeyRing::generate_entry("k1");

  std::vector<std::string> args(const std::string& node, const std::string& roles,
                                std::vector<std::string> extra = {}) const {
    extra.insert(extra.begin(), {"--bus", nats.url(), "--auth-argon2-memlimit", "8KiB", "--auth-argon2-opslimit", "1"});
    return testing::node_args(node, roles, dir.path().string(), keys, extra);
  }
};

TEST(Cluster, TwoGatewaysShareOneNats) {
  ClusterEnv env;
  ArenaProcess one(ARENA_BIN, env.args("gw-1", "all"));
  ArenaProcess two(ARENA_BIN, env.args("gw-2", "gateway"));

  HttpClient http(one.port());
  auto login = [&] {
    auto o = http.post_json("/v1/auth/guest", "").json().as_object();
    return std::pair{std::string(o.at("user_id").as_string()), std::string(o.at("access_token").as_string())};
  };
  const auto [alice, alice_token] = login();
  const auto [bob, bob_token] = login();
  EXPECT_EQ(HttpClient(two.port()).post_json("/v1/auth/guest", "").status, 404);  // gateway-only: no auth routes

  WsClient a(one.port(), {.token = alice_token});
  WsClient b(two.port(), {.token = bob_token});
  auto wa = a.recv_op("session.welcome");
  auto wb = b.recv_op("session.welcome");
  ASSERT_TRUE(wa && wb);
  EXPECT_EQ(str(*wa, {"d", "node"}), "gw-1");
  EXPECT_EQ(str(*wb, {"d", "node"}), "gw-2");

  a.send(frame("channel.join", {{"channel", "world"}}, 1));
  EXPECT_EQ(str(reply(a, 1), {"op"}), "channel.join");
  b.send(frame("channel.join", {{"channel", "world"}}, 1));
  auto jb = reply(b, 1);
  ASSERT_EQ(str(jb, {"op"}), "channel.join") << json::serialize(jb);
  EXPECT_EQ(jb.at("d").at("members").as_array().size(), 2u);

  a.send(frame("channel.send", {{"channel", "world"}, {"body", "hello from gw-1"}}, 2));
  auto msg = b.recv_op("channel.message");
  ASSERT_TRUE(msg);
  EXPECT_EQ(str(*msg, {"d", "body"}), "hello from gw-1");
  EXPECT_EQ(str(*msg, {"d", "from"}), alice);

  a.send(frame("dm.send", {{"to", bob}, {"body", "psst, gw-2"}}, 3));
  auto dm = b.recv_op("dm.message");
  ASSERT_TRUE(dm);
  EXPECT_EQ(str(*dm, {"d", "body"}), "psst, gw-2");

  b.send(frame("presence.query", {{"users", json::array{json::value(alice), json::value(bob)}}}, 4));
  auto p = reply(b, 4);
  ASSERT_EQ(str(p, {"op"}), "presence.query") << json::serialize(p);
  EXPECT_TRUE(p.at("d").at("users").at(alice).at("online").as_bool());
  EXPECT_TRUE(p.at("d").at("users").at(bob).at("online").as_bool());
  EXPECT_EQ(p.at("d").at("users").at(alice).at("nodes").at(0).as_string(), "gw-1");
  EXPECT_EQ(p.at("d").at("users").at(bob).at("nodes").at(0).as_string(), "gw-2");

  // Gateway 2 drains and exits: its sessions end, so presence (in process 1) sees bob leave
  // and alice gets channel.left for him.
  EXPECT_EQ(two.stop(), 0);
  auto left = a.recv_op("channel.left");
  ASSERT_TRUE(left);
  EXPECT_EQ(str(*left, {"d", "user_id"}), bob);
  a.send(frame("presence.query", {{"users", json::array{json::value(bob)}}}, 5));
  auto gone = reply(a, 5);
  EXPECT_FALSE(gone.at("d").at("users").at(bob).at("online").as_bool()) << json::serialize(gone);
  EXPECT_EQ(one.stop(), 0);
}

// A gateway hands its own route messages to its own sessions and the bus carries them only to the
// other gateway (no echo): every member gets each message once, in the sender's order, with no seq
// gap, whether it sits on the sender's gateway (carol, and alice herself) or on the other (bob).
TEST(Cluster, ChannelMessagesReachLocalAndRemoteMembersOnceInOrder) {
  ClusterEnv env;
  ArenaProcess one(ARENA_BIN, env.args("gw-1", "all"));
  ArenaProcess two(ARENA_BIN, env.args("gw-2", "gateway"));
  HttpClient http(one.port());
  auto token = [&] { return std::string(http.post_json("/v1/auth/guest", "").json().at("access_token").as_string()); };
  WsClient alice(one.port(), {.token = token()});
  WsClient carol(one.port(), {.token = token()});
  WsClient bob(two.port(), {.token = token()});
  for (auto* ws : {&alice, &carol, &bob}) {
    ASSERT_TRUE(ws->recv_op("session.welcome"));
    ws->send(frame("channel.join", {{"channel", "world"}}, 1));
    ASSERT_EQ(str(reply(*ws, 1), {"op"}), "channel.join");
  }
  const std::vector<std::string> bodies{"one", "two", "three", "end"};
  for (std::size_t i = 0; i < bodies.size(); ++i)
    alice.send(frame("channel.send", {{"channel", "world"}, {"body", bodies[i]}}, static_cast<int>(10 + i)));
  for (auto* ws : {&alice, &carol, &bob}) {
    // Every frame up to the pong of a ping sent after "end": a copy that came twice shows here.
    std::vector<std::string> got;
    std::int64_t last_seq = -1;
    bool pinged = false;
    for (int i = 0; i < 50; ++i) {
      auto f = ws->recv();
      ASSERT_TRUE(f) << "frames so far: " << got.size();
      const auto& o = f->as_object();
      if (str(*f, {"op"}) == "pong") break;
      if (o.contains("seq")) {
        const auto seq = o.at("seq").to_number<std::int64_t>();
        if (last_seq >= 0) {
          EXPECT_EQ(seq, last_seq + 1);
        }
        last_seq = seq;
      }
      if (str(*f, {"op"}) != "channel.message") continue;
      got.push_back(str(*f, {"d", "body"}));
      if (got.back() == "end" && !pinged) {
        ws->send(frame("ping", {}, 99));
        pinged = true;
      }
    }
    EXPECT_EQ(got, bodies);
  }
  EXPECT_EQ(two.stop(), 0);
  EXPECT_EQ(one.stop(), 0);
}

// events.broker on NATS JetStream: every process publishes its game events, and the events role
// (here in process 1) writes them all, each with the node that emitted it.
TEST(Cluster, GameEventsFromEveryProcessReachTheEventsTable) {
  ClusterEnv env;
  const std::string admin(40, 'a');
  const std::vector<std::string> events{"--events-broker", env.nats.url(), "--events-batch-timeout", "20ms",
                                        "--admin-api-key", admin};
  ArenaProcess one(ARENA_BIN, env.args("gw-1", "all", events));
  ArenaProcess two(ARENA_BIN, env.args("gw-2", "gateway", events));
  HttpClient http(one.port());
  auto o = http.post_json("/v1/auth/guest", "").json().as_object();
  const std::string user(o.at("user_id").as_string());
  WsClient ws(two.port(), {.token = std::string(o.at("access_token").as_string())});
  ASSERT_TRUE(ws.recv_op("session.welcome"));
  std::map<std::string, std::string> node_of;  // type -> node
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (node_of.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto r = http.get("/v1/admin/events?user_id=" + user, admin);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    for (const auto& e : body.at("events").as_array())
      node_of[std::string(e.at("type").as_string())] = std::string(e.at("node").as_string());
    if (node_of.size() < 2) std::this_thread::sleep_for(50ms);  // written in batches: ask again
  }
  EXPECT_EQ(node_of["auth.login"], "gw-1");
  EXPECT_EQ(node_of["session.opened"], "gw-2");
  EXPECT_EQ(two.stop(), 0);
  EXPECT_EQ(one.stop(), 0);
}

TEST(Cluster, ReplacePolicyReachesAcrossGateways) {
  ClusterEnv env;
  const std::vector<std::string> replace{"--gateway-second-connection", "replace"};
  ArenaProcess one(ARENA_BIN, env.args("gw-1", "all", replace));
  ArenaProcess two(ARENA_BIN, env.args("gw-2", "gateway", replace));
  auto o = HttpClient(one.port()).post_json("/v1/auth/guest", "").json().as_object();
  const std::string token(o.at("access_token").as_string());
  WsClient first(one.port(), {.token = token});
  ASSERT_TRUE(first.recv_op("session.welcome"));
  WsClient second(two.port(), {.token = token});  // the same user, on the other gateway
  ASSERT_TRUE(second.recv_op("session.welcome"));
  EXPECT_EQ(first.wait_closed(), 4002);
  second.send(frame("ping", {}, 1));
  EXPECT_EQ(str(reply(second, 1), {"op"}), "pong");
  EXPECT_EQ(two.stop(), 0);
  EXPECT_EQ(one.stop(), 0);
}

TEST(Cluster, AGatewayOnlyProcessNeedsTheKeyRing) {
  testing::NatsServer nats;
  testing::TempDir dir;
  EXPECT_THROW(ArenaProcess(ARENA_BIN, {"serve", "--listen", "127.0.0.1:0", "--bus", nats.url(), "--roles", "gateway",
                                        "--data-dir", (dir.path() / "d").string()}),
               std::runtime_error);
}

// Two processes on one NATS: gw-1 (auth, sessions, gateway) with player a, gw-2 (gateway,
// matchmaker) with player b; both sockets just opened.
struct MatchmakerCluster {
  ClusterEnv env;
  ArenaProcess one{ARENA_BIN, env.args("gw-1", "auth,sessions,gateway", {"--matchmaking-interval", "50ms"})};
  ArenaProcess two{ARENA_BIN, env.args("gw-2", "gateway,matchmaker", {"--matchmaking-interval", "50ms"})};
  HttpClient http{one.port()};
  WsClient a{one.port(), {.token = guest_token(http)}};
  WsClient b{two.port(), {.token = guest_token(http)}};

  static std::string guest_token(HttpClient& h) {
    return std::string(h.post_json("/v1/auth/guest", "").json().at("access_token").as_string());
  }
};

// The matchmaker as a role of its own process: players on two gateways queue through it and
// are matched together; any process answers the stats route over the bus.
TEST(Cluster, MatchmakerRoleServesPlayersOnBothGateways) {
  MatchmakerCluster c;
  auto& [env, one, two, http, a, b] = c;
  ASSERT_TRUE(a.recv_op("session.welcome") && b.recv_op("session.welcome"));
  const json::object d{{"mode", "duel"}, {"regions", {{"eu", 30}}}};
  a.send(frame("mm.enqueue", d, 1));
  ASSERT_EQ(str(reply(a, 1), {"op"}), "mm.enqueue");
  b.send(frame("mm.enqueue", d, 1));
  ASSERT_EQ(str(reply(b, 1), {"op"}), "mm.enqueue");
  const std::string ma = found_match(a);
  ASSERT_FALSE(ma.empty());
  EXPECT_EQ(found_match(b), ma);
  auto stats = http.get("/v1/matchmaking/stats");  // process 1 has no matchmaker: asked over NATS
  ASSERT_EQ(stats.status, 200) << stats.body;
  bool counted = false;
  const auto body = stats.json();
  for (const auto& m : body.at("modes").as_array())
    if (m.at("mode").as_string() == "duel") counted = m.at("matches_total").as_int64() == 1;
  EXPECT_TRUE(counted) << stats.body;
}

// nats-server restarts under a running cluster: while it is down, what needs another process
// answers with a clear code (503 unavailable over REST, an error reply over the WebSocket) and
// the players stay connected; once it is back every process reconnects on its own and resubscribes,
// and players are matched across processes again.
TEST(Cluster, AfterANatsRestartEveryProcessReconnectsAndServesAgain) {
  MatchmakerCluster c;
  auto& [env, one, two, http, a, b] = c;
  ASSERT_TRUE(a.recv_op("session.welcome") && b.recv_op("session.welcome"));
  ASSERT_EQ(http.get("/v1/matchmaking/stats").status, 200);

  env.nats.stop();
  const auto down = http.get("/v1/matchmaking/stats");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(down.error_code(), "unavailable");
  const auto not_ready = HttpClient(two.port()).get("/readyz");
  EXPECT_EQ(not_ready.status, 503) << not_ready.body;
  EXPECT_EQ(not_ready.error_code(), "not_ready");
  const json::object d{{"mode", "duel"}, {"regions", {{"eu", 30}}}};
  a.send(frame("mm.enqueue", d, 1));
  const auto refused = reply(a, 1);  // the matchmaker is in the other process: no way to it
  EXPECT_EQ(str(refused, {"op"}), "error") << refused;
  EXPECT_EQ(str(refused, {"d", "code"}), "unavailable") << refused;

  env.nats.start();
  bool back = false;
  for (int i = 0; i < 150 && !back; ++i) {  // bounded: 15 s (nats.c retries every 2 s)
    back = http.get("/v1/matchmaking/stats").status == 200;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(back) << one.log() << two.log();
  // Each gateway has a second NATS connection of its own (routes, no echo), back on its own
  // schedule: /readyz says when both are.
  for (auto* p : {&one, &two}) {
    bool ready = false;
    for (int i = 0; i < 150 && !ready; ++i) {
      ready = HttpClient(p->port()).get("/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << HttpClient(p->port()).get("/readyz").body;
  }
  // Still connected through the outage, and matched across the two processes again.
  a.send(frame("mm.enqueue", d, 2));
  const auto again = reply(a, 2);
  ASSERT_EQ(str(again, {"op"}), "mm.enqueue") << again;
  b.send(frame("mm.enqueue", d, 2));
  ASSERT_EQ(str(reply(b, 2), {"op"}), "mm.enqueue");
  const std::string ma = found_match(a);
  ASSERT_FALSE(ma.empty());
  EXPECT_EQ(found_match(b), ma);
  EXPECT_EQ(one.stop(), 0);
  EXPECT_EQ(two.stop(), 0);
}

}  // namespace
}  // namespace arena
