#pragma once
// The matching core: pure code over a Clock, no sockets, no bus. Tickets (a solo player or a
// whole party) wait in pools per mode; every tick() forms matches oldest ticket first, within
// each ticket's current rating window and ping limit, in the region that minimises the worst
// ping, with teams balanced by rating. Not thread-safe: the service serialises calls.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/matchmaking/mode.hpp"

namespace arena::matchmaking {

using Property = std::variant<std::string, double>;

struct TicketPlayer {
  std::string user_id;
  double rating = 1500;
};

struct TicketRequest {
  std::string mode;
  std::vector<TicketPlayer> players;  // one for a solo player; a party's members, leader first
  std::map<std::string, int> pings;   // region -> measured ping (ms)
  std::map<std::string, Property> properties;
  std::string party_id;  // empty for a solo player
};

enum class TicketState { queued, searching, found, cancelled, expired };
std::string_view to_string(TicketState s);

// What to tell the players of a ticket.
struct StatusEvent {
  std::string ticket_id;
  std::vector<std::string> users;
  std::string mode;
  std::string party_id;
  TicketState state = TicketState::queued;
  std::string reason;    // cancelled, expired
  std::string match_id;  // found
  double window = 0;     // queued, searching: the current rating window
  int ping_limit = 0;    // queued, searching: the highest ping accepted now
};

struct MatchPlayer {
  std::string user_id;
  double rating = 0;
  std::string ticket_id;
  std::string party_id;
  int ping = 0;  // to the match's region
};

struct FormedMatch {
  std::string match_id;
  std::string mode;
  std::string region;
  std::string game;
  int seats = 0;      // seats in the match: players + open_seats
  int team_size = 0;  // players per team; 0: free-for-all (every player, and every bot, on a team of one)
  int tick_rate = 0;
  std::vector<std::vector<MatchPlayer>> teams;  // free-for-all: one player per team
  bool bots_fill = false;                       // seats are left for bots to fill
  int open_seats = 0;
  double rating_spread = 0;  // highest minus lowest player rating
  double win_gap = 0;        // |P(strongest team beats weakest) - P(weakest beats strongest)|, 0..1
  int worst_ping = 0;
  std::vector<double> waits_s;  // per ticket
};

struct PoolStats {
  std::string mode;
  std::string region;  // the tickets' best region
  std::size_t tickets = 0;
  std::size_t players = 0;
  double oldest_wait_s = 0;
};

class Matcher {
 public:
  Matcher(std::vector<ModeConfig> modes, const core::Clock& clock, std::function<std::string()> new_id = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Queues a ticket and returns its id. Throws Error: unknown_mode, invalid_field,
  // party_too_big, no_region (no region of the mode within its ping limit), already_queued.
  std::string enqueue(TicketRequest req);
  // False when the ticket is not waiting any more (matched, expired, cancelled, unknown).
  bool cancel(const std::string& ticket_id, std::string_view reason);
  std::optional<std::string> ticket_of(std::string_view user_id) const;

  // One whole round: every mode, every waiting ticket as an anchor, oldest first.
  void tick();
  // Part of a round: at most `max_anchors` anchors, then it returns false and the next call
  // goes on from there (tickets queued or cancelled in between are seen or skipped, as in a
  // whole round). True when the round is complete; the next call starts a new one. The owner
  // can answer other requests between slices, so a round of 100k tickets never holds them up.
  bool tick_slice(std::size_t max_anchors);
  std::vector<StatusEvent> take_events();
  std::vector<FormedMatch> take_matches();

  const ModeConfig* mode(std::string_view name) const;
  const std::vector<ModeConfig>& modes() const { return modes_; }
  std::vector<PoolStats> pools() const;
  std::size_t waiting() const;
  // A ticket that waits gets a `searching` status this often (with its widened window).
  std::chrono::milliseconds searching_every{std::chrono::seconds(5)};

 private:
  struct Impl;
  std::vector<ModeConfig> modes_;
  std::unique_ptr<Impl> impl_;
};

// Predicted probability that a side rated `a` beats one rated `b` (Elo logistic, 400 scale).
double win_probability(double a, double b);

}  // namespace arena::matchmaking
