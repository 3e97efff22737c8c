// The directories' contract: a user is online from their first session to their last; a close
// that overtook its open keeps the session closed; a silent node's sessions are handed to one
// claimer; a channel counts users (not sessions), refuses a new member when full and a closed
// session always; a session's close takes it out of every channel it was in.
#include "directory_conformance.hpp"

#include <algorithm>
#include <mutex>
#include <thread>

namespace arena::sessions::testing {
namespace {

using Users = std::vector<std::string>;

TEST_P(DirectoryConformance, AUserIsOnlineFromTheirFirstSessionToTheirLast) {
  auto dir = open_directory();
  EXPECT_TRUE(dir->open("s1", "u1", "gw-1"));
  EXPECT_FALSE(dir->open("s2", "u1", "gw-2"));
  EXPECT_FALSE(dir->open("s2", "u1", "gw-2"));  // announced again (a resync): nothing changes
  auto where = dir->lookup("u1");
  std::sort(where.begin(), where.end(), [](const Where& a, const Where& b) { return a.sid < b.sid; });
  ASSERT_EQ(where.size(), 2u);
  EXPECT_EQ(where[0].sid, "s1");
  EXPECT_EQ(where[1].node, "gw-2");
  EXPECT_FALSE(dir->close("s1", "u1"));
  EXPECT_TRUE(dir->close("s2", "u1"));
  EXPECT_FALSE(dir->close("s2", "u1"));  // a repeated close
  EXPECT_TRUE(dir->lookup("u1").empty());
  EXPECT_TRUE(dir->lookup("nobody").empty());
  // A close that overtook its open: the session stays closed.
  EXPECT_FALSE(dir->close("s3", "u2"));
  EXPECT_FALSE(dir->open("s3", "u2", "gw-1"));
  EXPECT_TRUE(dir->lookup("u2").empty());
}

TEST_P(DirectoryConformance, ASilentNodesSessionsGoToOneClaimer) {
  auto dir = open_directory();
  auto other = open_directory();  // another sessions process
  dir->open("s1", "u1", "gw-dead");
  dir->open("s2", "u2", "gw-dead");
  dir->open("s3", "u3", "gw-live");
  EXPECT_EQ(other->nodes(), (Users{"gw-dead", "gw-live"}));
  auto claimed = dir->claim_node("gw-dead");
  EXPECT_TRUE(other->claim_node("gw-dead").empty());  // claimed once
  std::sort(claimed.begin(), claimed.end(), [](const SessionRef& a, const SessionRef& b) { return a.sid < b.sid; });
  ASSERT_EQ(claimed.size(), 2u);
  EXPECT_EQ(claimed[0].sid, "s1");
  EXPECT_EQ(claimed[0].user, "u1");
  EXPECT_EQ(claimed[1].user, "u2");
  EXPECT_EQ(other->nodes(), Users{"gw-live"});
  EXPECT_EQ(dir->lookup("u1").size(), 1u);  // until the claimer closes them
  EXPECT_TRUE(other->close("s1", "u1"));
  EXPECT_TRUE(dir->lookup("u1").empty());
  EXPECT_EQ(dir->lookup("u3").size(), 1u);
}

TEST_P(DirectoryConformance, ChannelsCountUsersAreBoundedAndForgetClosedSessions) {
  auto dir = open_directory();
  auto j = dir->join("lobby", "u1", "s1", 2);
  EXPECT_EQ(j.outcome, Joined::Outcome::joined);
  EXPECT_TRUE(j.first_of_user);
  EXPECT_EQ(j.members, Users{"u1"});
  j = dir->join("lobby", "u1", "s1b", 2);  // the same user's second session
  EXPECT_FALSE(j.first_of_user);
  j = dir->join("lobby", "u2", "s2", 2);
  EXPECT_TRUE(j.first_of_user);
  EXPECT_EQ(j.members, (Users{"u1", "u2"}));
  EXPECT_EQ(dir->join("lobby", "u3", "s3", 2).outcome, Joined::Outcome::full);
  EXPECT_EQ(dir->join("lobby", "u2", "s2b", 2).outcome, Joined::Outcome::joined);  // not a new member
  dir->join("other", "u1", "s1", 10);
  EXPECT_FALSE(dir->leave("lobby", "u1", "s1b"));  // u1's first session is still there
  EXPECT_FALSE(dir->leave("lobby", "u1", "nope"));
  EXPECT_EQ(dir->members("lobby"), (Users{"u1", "u2"}));
  auto gone = dir->close_channels("s1", "u1");
  std::sort(gone.begin(), gone.end());
  EXPECT_EQ(gone, (Users{"lobby", "other"}));
  EXPECT_EQ(dir->members("lobby"), Users{"u2"});
  EXPECT_TRUE(dir->members("other").empty());
  EXPECT_EQ(dir->join("lobby", "u1", "s1", 10).outcome, Joined::Outcome::closed);  // after its close
  EXPECT_FALSE(dir->leave("lobby", "u2", "s2"));
  EXPECT_TRUE(dir->leave("lobby", "u2", "s2b"));
  EXPECT_TRUE(dir->members("lobby").empty());
  EXPECT_TRUE(dir->close_channels("s-none", "u9").empty());
}

// Sessions processes joining one channel at once never lose a member nor pass its bound.
TEST_P(DirectoryConformance, ConcurrentJoinsKeepEveryMemberAndTheBound) {
  std::vector<std::thread> threads;
  std::mutex mu;
  int joined = 0, full = 0;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto dir = open_directory();
      for (int i = 0; i < 25; ++i) {
        const auto id = std::to_string(t) + "-" + std::to_string(i);
        const auto out = dir->join("hall", "u" + id, "s" + id, 60);
        std::lock_guard lock(mu);
        (out.outcome == Joined::Outcome::joined ? joined : full) += 1;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(joined, 60);
  EXPECT_EQ(full, 40);
  EXPECT_EQ(open_directory()->members("hall").size(), 60u);
}

TEST_P(DirectoryConformance, KnowsWhetherItKeptWhatItHeld) {
  auto dir = open_directory();
  dir->intact();  // the first look may find a fresh store
  EXPECT_TRUE(dir->intact());
}

}  // namespace
}  // namespace arena::sessions::testing
