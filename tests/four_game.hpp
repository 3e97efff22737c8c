#pragma once
// Playing whole games of four over the WebSocket protocol, for integration tests.
#include <boost/json.hpp>

#include <chrono>
#include <optional>

#include "arena/config/settings.hpp"
#include "arena/testing/player.hpp"

namespace arena::testing {

// Settings for duels of four between two players (mode duel4, region eu, no bots, 20 Hz) with a
// rating window wide enough for a winner and a loser (~300 apart after one game) at once, and
// matchmaking rounds and job polls fast.
void duel_of_four(config::Settings& s);

// A game of four in progress between two players.
struct FourMatch {
  std::string id;
  Player* players[2] = {nullptr, nullptr};
  int seat[2] = {0, 0};
  int to_move = -1;
  bool won = false;  // the deciding move was made
};

// Queues a and b in `mode` (region eu) and waits for their match: null on failure (reported).
std::optional<FourMatch> start_four(Player& a, Player& b, const std::string& mode = "duel4");
// Plays up to `moves` moves, each player dropping in its seat's column (seat 0 in column 0, seat 1
// in column 1), until one wins. False on a failure (reported).
bool play_moves(FourMatch& m, int moves);

// Plays one game of four between a and b (queued in `mode`, region eu): seat 0 drops in column
// 0, seat 1 in column 1, so whoever moves first gets four in a row. Returns match.ended as a saw
// it (null on failure, with the failure reported).
boost::json::value play_four(Player& a, Player& b, const std::string& mode = "duel4");

// The player's match.ended. A rating.changed that overtook it stays for the test's next look: the
// worker may rate the match (woken by the bus's match.ended) before the host's push of
// match.ended reaches the player.
std::optional<boost::json::value> match_ended(Player& p, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Pieces on the board of a four snapshot's state.
int pieces(const boost::json::value& state);

// Waits (bounded: 5 s) until the host at `port` has written two more checkpoint rounds: one of
// them began after everything done before the call.
void wait_checkpointed(std::uint16_t port);

// A player's rated games and board rank in their first mode, as GET /v1/players/{id} at `port`
// says (-1: the request failed; 0: none yet).
std::int64_t rated_games(std::uint16_t port, const std::string& user);
std::int64_t board_rank(std::uint16_t port, const std::string& user);

}  // namespace arena::testing
