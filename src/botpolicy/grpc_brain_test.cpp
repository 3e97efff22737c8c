// The gRPC bot brain against a small policy server on 127.0.0.1: answers in time drive the bot;
// a server that is too slow, or not there, leaves every decision to the rule-based bot.
#include "arena/botpolicy/grpc_brain.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <thread>

#include "arena/bot/v1/policy.grpc.pb.h"
#include "arena/match/runner.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/test_server.hpp"

namespace arena::botpolicy {
namespace {

namespace json = boost::json;
namespace pb = arena::bot::v1;
using namespace std::chrono_literals;

// Turns right every time it is asked (a bot doing that dies fast: easy to see it obeys).
class TurnRight final : public pb::Policy::Service {
 public:
  explicit TurnRight(std::chrono::milliseconds delay) : delay_(delay) {}
  grpc::Status Decide(grpc::ServerContext*, const pb::DecideRequest* req, pb::DecideReply* reply) override {
    ++calls;
    if (req->game() == "cycles" && json::parse(req->state_json()).as_object().contains("riders")) ++valid_states;
    std::this_thread::sleep_for(delay_);
    reply->set_input_json(R"({"turn":"right"})");
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
  std::atomic<int> valid_states{0};

 private:
  std::chrono::milliseconds delay_;
};

struct PolicyServer {
  explicit PolicyServer(std::chrono::milliseconds delay) : service(delay) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&service);
    server = b.BuildAndStart();
  }
  ~PolicyServer() { server->Shutdown(std::chrono::system_clock::now() + 1s); }
  TurnRight service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

// A cycles match of two bot seats whose brains ask `client`; stepped `ticks` times with `gap`
// between ticks (the time a real host leaves between 20 Hz ticks).
match::MatchRecord play(PolicyClient& client, int ticks, std::chrono::milliseconds gap) {
  const auto games = match::builtin_games();
  match::MatchSpec spec{"m-grpc", "practice", "cycles", "eu", {{"", true, 0}, {"", true, 1}}, 11};
  match::MatchRunner m(spec, *games.find("cycles"), [&](const match::GameInfo& g, const match::MatchSpec& s, int) {
    return client.brain(s.match_id, s.game, g.make_bot());
  });
  for (int i = 0; i < ticks && !m.over(); ++i) {
    m.step();
    std::this_thread::sleep_for(gap);
  }
  return m.record();
}

TEST(GrpcBrain, APolicyThatAnswersInTimeDrivesTheBot) {
  PolicyServer server(0ms);
  ASSERT_GT(server.port, 0);
  metrics::Registry registry;
  PolicyClient client("127.0.0.1:" + std::to_string(server.port), 200ms, registry);
  const auto rec = play(client, 30, 20ms);
  EXPECT_GT(client.stats().answered.value(), 0u);
  EXPECT_GT(server.service.calls.load(), 0);
  EXPECT_EQ(server.service.valid_states.load(), server.service.calls.load());
  // The policy's "right" turns are in the input log, so replays see them.
  int rights = 0;
  for (const auto& in : rec.inputs)
    if (in.d.is_object() && in.d.as_object().contains("turn") && in.d.at("turn").as_string() == "right") ++rights;
  EXPECT_GT(rights, 0);
  EXPECT_TRUE(match::replay(rec, match::builtin_games()).matches);
}

TEST(GrpcBrain, ALatePolicyLeavesTheMoveToTheRuleBasedBot) {
  PolicyServer server(300ms);  // far past the 20 ms deadline
  metrics::Registry registry;
  PolicyClient client("127.0.0.1:" + std::to_string(server.port), 20ms, registry);
  play(client, 10, 5ms);
  EXPECT_EQ(client.stats().answered.value(), 0u);
  EXPECT_GT(client.stats().fallbacks.value(), 0u);
}

TEST(GrpcBrain, NoPolicyServerAtAllStillPlays) {
  metrics::Registry registry;
  PolicyClient client("127.0.0.1:1", 20ms, registry);  // nothing listens on port 1
  const auto rec = play(client, 10, 5ms);
  EXPECT_EQ(client.stats().answered.value(), 0u);
  EXPECT_GT(client.stats().fallbacks.value(), 0u);
  EXPECT_GE(rec.ticks, 5u);
}

// End to end: a host configured with host.bot_policy plays a practice match whose bots ask the
// policy server; the metrics say so.
TEST(GrpcBrain, AHostWithABotPolicyUsesItInRealMatches) {
  PolicyServer policy(0ms);
  testing::TestServer server([&](config::Settings& s) {
    s.host.bot_policy = "127.0.0.1:" + std::to_string(policy.port);
    s.host.bot_policy_deadline = 200ms;
    s.matchmaking.interval = 20ms;
    s.matchmaking.modes["practice"] = {{"players", "1"}, {"seats", "4"}, {"practice", "true"}, {"regions", "eu"}};
  });
  testing::Player p(server.port(), testing::guest(server.port()));
  p.request("mm.enqueue", {{"mode", "practice"}, {"regions", {{"eu", 20}}}}, 1);
  ASSERT_TRUE(p.next("match.assigned"));
  // Bots that always turn right ride in small squares into their own trails: the match ends.
  ASSERT_TRUE(p.next("match.ended", 20s));
  EXPECT_GT(policy.service.calls.load(), 0);
  EXPECT_GT(testing::metric(server.port(), "game_bot_policy_answers_total"), 0);
}

}  // namespace
}  // namespace arena::botpolicy
