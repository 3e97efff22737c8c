// Acceptance: real third-party WebSocket clients (Python's websockets) talk to Arena.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/test_server.hpp"

namespace arena {
namespace {

// Runs tests/clients/<script> against the server with Debian's python3.
testing::CommandResult run_client(const std::string& script, const std::string& args) {
  return testing::run_command("/usr/bin/python3 " + std::string(ARENA_SOURCE_DIR) + "/tests/clients/" + script + " " +
                              args);
}

TEST(ThirdPartyClient, PythonWebsocketsLogsInJoinsAndChats) {
  testing::TestServer server;
  const auto o = run_client("ws_chat.py", std::to_string(server.port()));
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("OK"), std::string::npos) << o.output;
}

TEST(ThirdPartyClient, PythonWebsocketsPlaysAPracticeMatchToTheEnd) {
  testing::TestServer server([](config::Settings& s) {
    s.matchmaking.interval = std::chrono::milliseconds(20);
    s.matchmaking.modes["practice"] = {
        {"players", "1"}, {"seats", "4"}, {"practice", "true"}, {"regions", "eu"}, {"tick_rate", "100"}};
  });
  const auto o = run_client("ws_practice.py", std::to_string(server.port()));
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("place 1:"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("OK"), std::string::npos) << o.output;
}

// The generic client docs/game-modes.md uses for a new game: any mode, one input per tick.
TEST(ThirdPartyClient, PythonWebsocketsPlaysAnyModeWithOneInput) {
  testing::TestServer server([](config::Settings& s) {
    s.matchmaking.interval = std::chrono::milliseconds(20);
    s.matchmaking.modes["quicktag"] = {{"game", "tag"},          {"players", "1"},  {"seats", "2"},
                                       {"practice", "true"},     {"regions", "eu"}, {"tick_rate", "50"},
                                       {"settings.seconds", "5"}};
  });
  const auto o = run_client("ws_play.py", std::to_string(server.port()) + " quicktag '{\"dir\":\"up\"}'");
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_NE(o.output.find("tag at 50 Hz, seat 0, 1 bots"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("\"seconds\": 5"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("place 1:"), std::string::npos) << o.output;
}

// make seed (scripts/seed.py): demo accounts that play `four` until each has its matches, which
// the worker rates; a second run logs the same accounts in and plays nothing.
TEST(ThirdPartyClient, SeedMakesDemoAccountsAndRatedMatchesOnceAndASecondRunAddsNothing) {
  testing::TestServer server([](config::Settings& s) { s.matchmaking.interval = std::chrono::milliseconds(20); });
  const std::string seed = "/usr/bin/python3 " + std::string(ARENA_SOURCE_DIR) + "/scripts/seed.py http://127.0.0.1:" +
                           std::to_string(server.port()) + " --players 4 --games 1";
  const auto first = testing::run_command(seed);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("each has at least 0 of 1 matches"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("round 1 of 1 played"), std::string::npos) << first.output;

  const auto again = testing::run_command(seed);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("each has at least 1 of 1 matches"), std::string::npos) << again.output;
  EXPECT_EQ(again.output.find("played"), std::string::npos) << again.output;

  // The demo accounts' games are rated (by the worker's job, within moments of each game's end).
  testing::HttpClient http(server.port());
  const auto login =
      http.post_json("/v1/auth/login", R"({"email":"demo1@arena.example","password":"arena-demo-1"})");
  ASSERT_EQ(login.status, 200) << login.body;
  const std::string user(boost::json::parse(login.body).at("user_id").as_string());
  std::int64_t games = 0;
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       games == 0 && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    const auto profile = boost::json::parse(http.get("/v1/players/" + user).body);
    for (const auto& m : profile.at("modes").as_array())
      if (m.at("mode").as_string() == "four") games = m.at("games").as_int64();
  }
  EXPECT_EQ(games, 1);
}

}  // namespace
}  // namespace arena
