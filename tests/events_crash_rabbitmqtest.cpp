// The events role killed mid-stream, as real processes over a real RabbitMQ node: an auth process
// publishes a login event per guest login; the events process is SIGKILLed while logins go on and
// started again on the same data dir. Every event the publisher had confirmed is in the table
// once: what the dead consumer held unacked came again, and rows already committed were not
// written twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <optional>
#include <set>

#include "arena/auth/jwt.hpp"
#include "arena/testing/arena_process.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/rabbitmq_server.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::ArenaProcess;
using testing::HttpClient;

const std::string kAdmin(40, 'a');
const std::string kKeys = auth::KeyRing::generate_entry("k1");

std::vector<std::string> serve(const std::string& node, const std::string& roles, const testing::TempDir& dir,
                               const std::string& broker) {
  return testing::node_args(
      node, roles, dir.path().string(), kKeys,
      {"--events-broker", broker, "--events-batch-size", "40", "--events-batch-timeout", "50ms", "--admin-api-key",
       kAdmin, "--auth-argon2-memlimit", "8KiB", "--auth-argon2-opslimit", "1"});
}

TEST(EventsCrash, AnEventsRoleKilledMidStreamLosesAndDoublesNothing) {
  testing::RabbitMqServer rabbit;
  testing::TempDir dir;
  ArenaProcess auth(ARENA_BIN, serve("auth-1", "auth", dir, rabbit.url()));
  std::optional<ArenaProcess> events(std::in_place, ARENA_BIN, serve("events-1", "events", dir, rabbit.url()));
  HttpClient http(auth.port());
  std::set<std::string> users;
  const auto logins = [&](int n) {
    for (int i = 0; i < n; ++i) {
      auto r = http.post_json("/v1/auth/guest", "");
      ASSERT_EQ(r.status, 200) << r.body;
      users.insert(std::string(r.json().at("user_id").as_string()));
    }
  };
  logins(150);
  ::kill(events->pid(), SIGKILL);  // while it works through them
  events.reset();
  logins(100);  // published meanwhile: they wait in the queue
  events.emplace(ARENA_BIN, serve("events-1", "events", dir, rabbit.url()));
  logins(50);
  EXPECT_EQ(auth.stop(), 0);  // its publisher sends what is left, confirmed, before it exits
  HttpClient admin(events->port());
  std::set<std::string> ids, seen;
  std::size_t rows = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = admin.get("/v1/admin/events?type=auth.login&limit=1000", kAdmin);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    const auto& list = body.at("events").as_array();
    rows = list.size();
    ids.clear();
    seen.clear();
    for (const auto& e : list) {
      ids.insert(std::string(e.at("id").as_string()));
      seen.insert(std::string(e.at("user_id").as_string()));
    }
    if (rows >= 300) break;
    std::this_thread::sleep_for(100ms);  // written in batches: ask again
  }
  EXPECT_EQ(rows, 300u);
  EXPECT_EQ(ids.size(), rows);  // no event twice
  EXPECT_EQ(seen, users);       // every login's event
  EXPECT_EQ(events->stop(), 0);
}

}  // namespace
}  // namespace arena
