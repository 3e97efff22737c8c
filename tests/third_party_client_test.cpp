// Acceptance: real third-party WebSocket clients (Python's websockets) talk to Arena.
#include <gtest/gtest.h>

#include "arena/testing/command.hpp"
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

}  // namespace
}  // namespace arena
