#include "four_game.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "arena/testing/http_client.hpp"

namespace arena::testing {

void duel_of_four(config::Settings& s) {
  using namespace std::chrono_literals;
  s.matchmaking.interval = 20ms;
  s.matchmaking.modes["duel4"] = {{"game", "four"},    {"regions", "eu"},         {"bots_after_s", "0"},
                                  {"tick_rate", "20"}, {"rating_window", "1000"}, {"rating_window_max", "1000"}};
  s.jobs.poll = 20ms;
}

namespace json = boost::json;
using namespace std::chrono_literals;

std::optional<json::value> match_ended(Player& p, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::deque<json::value> overtaking;
  std::optional<json::value> ended;
  for (int i = 0; i < 1000 && !ended; ++i) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto f = p.next(left);
    if (!f) break;
    const auto op = f->as_object().at("op").as_string();
    if (op == "match.ended") {
      ended = std::move(f);
    } else if (op == "rating.changed") {
      overtaking.push_back(std::move(*f));
    }
  }
  p.backlog.insert(p.backlog.begin(), overtaking.begin(), overtaking.end());
  return ended;
}

std::optional<FourMatch> start_four(Player& a, Player& b, const std::string& mode) {
  a.request("mm.enqueue", {{"mode", mode}, {"regions", {{"eu", 20}}}}, 1);
  b.request("mm.enqueue", {{"mode", mode}, {"regions", {{"eu", 20}}}}, 1);
  auto aa = a.next("match.assigned");
  auto ab = b.next("match.assigned");
  EXPECT_TRUE(aa && ab);
  if (!aa || !ab) return std::nullopt;
  FourMatch m;
  m.id = str(*aa, {"d", "match_id"});
  m.players[0] = &a;
  m.players[1] = &b;
  m.seat[0] = static_cast<int>(aa->at("d").at("seat").as_int64());
  m.seat[1] = static_cast<int>(ab->at("d").at("seat").as_int64());
  if (auto snap = a.next("match.snapshot"))
    m.to_move = static_cast<int>(snap->at("d").at("state").at("to_move").as_int64());
  (void)b.next("match.snapshot");
  return m;
}

bool play_moves(FourMatch& m, int moves) {
  Player& a = *m.players[0];
  for (int move = 0; move < moves && !m.won; ++move) {
    const int who = m.seat[0] == m.to_move ? 0 : 1;
    auto reply =
        m.players[who]->request("match.input", {{"match_id", m.id}, {"d", {{"column", m.seat[who]}}}}, 10 + move);
    if (str(reply, {"op"}) != "match.input") {
      ADD_FAILURE() << "move " << move << ": " << reply;
      return false;
    }
    auto delta = a.next("match.delta", 5s);
    if (!delta) {
      ADD_FAILURE() << "no delta after move " << move;
      return false;
    }
    const auto& d = delta->at("d").at("d").as_object();
    if (d.contains("winner")) {
      m.won = true;  // the deciding move, announced with its tick
    } else {
      m.to_move = static_cast<int>(d.at("to_move").as_int64());
    }
  }
  return true;
}

json::value play_four(Player& a, Player& b, const std::string& mode) {
  auto m = start_four(a, b, mode);
  if (!m) return nullptr;
  play_moves(*m, 20);
  auto ended = match_ended(a);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(match_ended(b));
  return ended ? *ended : json::value(nullptr);
}

int pieces(const json::value& state) {
  int n = 0;
  for (const auto& row : state.at("rows").as_array())
    for (const char c : std::string(row.as_string())) n += c != '.' ? 1 : 0;
  return n;
}

void wait_checkpointed(std::uint16_t port) {
  const double rounds = metric(port, "host_checkpoints_total");
  for (int i = 0; i < 100 && metric(port, "host_checkpoints_total") < rounds + 2; ++i)
    std::this_thread::sleep_for(50ms);  // a round every host.checkpoint_interval (200 ms in the tests)
}

namespace {

// The first mode of a player's profile; null when the request failed or they have none.
json::value first_mode(std::uint16_t port, const std::string& user, bool& failed) {
  const auto r = HttpClient(port).get("/v1/players/" + user);
  failed = r.status != 200;
  if (failed) return nullptr;
  const auto body = r.json();
  const auto& modes = body.at("modes").as_array();
  return modes.empty() ? json::value(nullptr) : modes[0];
}

}  // namespace

std::int64_t rated_games(std::uint16_t port, const std::string& user) {
  bool failed = false;
  const auto m = first_mode(port, user, failed);
  return failed ? -1 : m.is_null() ? 0 : m.at("games").as_int64();
}

std::int64_t board_rank(std::uint16_t port, const std::string& user) {
  bool failed = false;
  const auto m = first_mode(port, user, failed);
  return failed ? -1 : (m.is_null() || !m.at("rank").is_int64()) ? 0 : m.at("rank").as_int64();
}

}  // namespace arena::testing
