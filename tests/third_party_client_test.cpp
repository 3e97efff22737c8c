// Acceptance: a real third-party WebSocket client (Python's websockets) talks to Arena.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>

#include "arena/testing/test_server.hpp"

namespace arena {

TEST(ThirdPartyClient, PythonWebsocketsLogsInJoinsAndChats) {
  testing::TestServer server;
  const std::string cmd = "/usr/bin/python3 " + std::string(ARENA_SOURCE_DIR) + "/tests/clients/ws_chat.py " +
                          std::to_string(server.port()) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

}  // namespace arena
