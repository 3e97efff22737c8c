#pragma once
// Parties: the pure core of the matchmaker's party ops, with no bus, socket or lock (the
// matchmaker's strand owns it). Each op checks its rules and throws arena::Error with a stable
// code, or changes the parties and records what happened as PartyEvents, in order, for the
// service to turn into pushes and ticket cancels (take_events()). Like the Matcher, it is
// tested with a FakeClock.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/core/rate_limiter.hpp"

namespace arena::matchmaking {

struct Party {
  std::string id;
  std::string leader;
  std::vector<std::string> members;                 // in joining order
  std::map<std::string, core::SystemTime> invites;  // user -> expiry
};

struct PartyLimits {
  int max_party_size = 5;       // members plus open invites
  int invites_per_minute = 20;  // one sender's budget (also the burst)
  int max_open_invites = 20;    // invites one player may hold, from anyone
  std::chrono::milliseconds invite_ttl{60'000};
};

struct PartyEvent {
  enum class Kind {
    updated,  // tell the members: `event` (created, invited, joined, declined, left, kicked, promoted), `user` changed,
              // `reason`
    invited,  // tell `user` they were invited by `from`
    removed,  // tell `user` they are out of the party, with `reason`
    cancel_ticket,  // the ticket of `user` (if any) must go, with `reason`
  };
  Kind kind;
  std::string party_id;
  std::string user;
  std::string event;
  std::string reason;
  std::string from;
};

class Parties {
 public:
  Parties(PartyLimits limits, const core::Clock& clock, std::function<std::string()> new_id);

  const Party& create(const std::string& user);
  const Party& invite(const std::string& leader, const std::string& target);
  const Party& accept(const std::string& user, const std::string& party_id);
  const Party& decline(const std::string& user, const std::string& party_id);
  // Takes `user` out of their party (no-op outside one): `why` is what the others are told
  // (left, kicked, disconnected), `ticket_reason` why the party's ticket is cancelled.
  void leave(const std::string& user, const std::string& why, const std::string& ticket_reason);
  std::string leave_own(const std::string& user);  // party.leave; throws not_in_party; returns its id
  const Party& kick(const std::string& leader, const std::string& target);
  const Party& promote(const std::string& leader, const std::string& target);
  // Drops expired invites (every round).
  void expire();

  const Party* party_of(const std::string& user) const;
  const Party* find(const std::string& party_id) const;
  bool is_member(const std::string& user, const std::string& party_id) const;
  std::size_t size() const { return parties_.size(); }
  const PartyLimits& limits() const { return limits_; }

  std::vector<PartyEvent> take_events();

 private:
  Party& member_party(const std::string& user);
  Party& led_party(const std::string& user);
  Party& invited_party(const std::string& user, const std::string& party_id);
  std::vector<std::pair<std::string, core::SystemTime>>& open_invites(const std::string& target, core::SystemTime now);
  void updated(const Party& p, std::string event, const std::string& who, std::string reason = {});

  PartyLimits limits_;
  const core::Clock& clock_;
  std::function<std::string()> new_id_;
  std::unordered_map<std::string, Party> parties_;
  std::unordered_map<std::string, std::string> party_of_;  // user -> party id
  // Invite spam bounds: each sender's budget, and the invites each target holds (checked lazily
  // against the parties; pruned by expire()).
  core::MemoryRateLimiter invite_budget_;
  std::unordered_map<std::string, std::vector<std::pair<std::string, core::SystemTime>>> inbox_;
  std::vector<PartyEvent> events_;
};

}  // namespace arena::matchmaking
