#include "arena/matchmaking/parties.hpp"

#include <algorithm>
#include <utility>

#include "arena/core/error.hpp"

namespace arena::matchmaking {

using Kind = PartyEvent::Kind;

Parties::Parties(PartyLimits limits, const core::Clock& clock, std::function<std::string()> new_id)
    : limits_(limits), clock_(clock), new_id_(std::move(new_id)), invite_budget_(clock) {}

std::vector<PartyEvent> Parties::take_events() {
  return std::exchange(events_, {});
}

const Party* Parties::party_of(const std::string& user) const {
  auto it = party_of_.find(user);
  return it == party_of_.end() ? nullptr : &parties_.at(it->second);
}

const Party* Parties::find(const std::string& party_id) const {
  auto it = parties_.find(party_id);
  return it == parties_.end() ? nullptr : &it->second;
}

bool Parties::is_member(const std::string& user, const std::string& party_id) const {
  auto it = party_of_.find(user);
  return it != party_of_.end() && it->second == party_id;
}

Party& Parties::member_party(const std::string& user) {
  auto it = party_of_.find(user);
  if (it == party_of_.end()) throw Error(Code::not_in_party, "you are not in a party");
  return parties_.at(it->second);
}

Party& Parties::led_party(const std::string& user) {
  Party& p = member_party(user);
  if (p.leader != user) throw Error(Code::not_party_leader, "only the party leader can do this");
  return p;
}

void Parties::updated(const Party& p, std::string event, const std::string& who, std::string reason) {
  events_.push_back({Kind::updated, p.id, who, std::move(event), std::move(reason), {}});
}

const Party& Parties::create(const std::string& user) {
  if (party_of_.count(user) != 0) throw Error(Code::already_in_party, "leave your party first");
  events_.push_back({Kind::cancel_ticket, {}, user, {}, "joined_party", {}});
  const std::string id = new_id_();
  Party& p = parties_.emplace(id, Party{id, user, {user}, {}}).first->second;
  party_of_[user] = id;
  updated(p, "created", user);
  return p;
}

const Party& Parties::invite(const std::string& leader, const std::string& target) {
  if (target == leader) throw Error(Code::invalid_field, "user_id may not be yourself");
  Party& p = led_party(leader);
  if (std::find(p.members.begin(), p.members.end(), target) != p.members.end())
    throw Error(Code::already_member, "that player is already in the party");
  const bool renewal = p.invites.count(target) != 0;
  if (static_cast<int>(p.members.size() + p.invites.size()) >= limits_.max_party_size && !renewal)
    throw Error(Code::party_full, "the party is full (members and open invites)");
  const double cap = limits_.invites_per_minute;
  if (const int wait = invite_budget_.acquire(leader, {cap, cap}); wait > 0)
    throw Error(Code::too_many_invites, "you are sending invites too fast").with_retry_after(wait);
  const auto now = clock_.now();
  auto& held = open_invites(target, now);
  if (!renewal && static_cast<int>(held.size()) >= limits_.max_open_invites)
    throw Error(Code::too_many_invites, "that player holds too many open invites; try again later");
  p.invites[target] = now + limits_.invite_ttl;
  if (!renewal) held.emplace_back(p.id, now + limits_.invite_ttl);
  events_.push_back({Kind::invited, p.id, target, {}, {}, leader});
  updated(p, "invited", target);
  return p;
}

std::vector<std::pair<std::string, core::SystemTime>>& Parties::open_invites(const std::string& target,
                                                                             core::SystemTime now) {
  auto& held = inbox_[target];
  std::erase_if(held, [&](const auto& e) {
    if (e.second <= now) return true;
    auto it = parties_.find(e.first);
    return it == parties_.end() || it->second.invites.count(target) == 0;
  });
  return held;
}

Party& Parties::invited_party(const std::string& user, const std::string& party_id) {
  auto it = parties_.find(party_id);
  if (it == parties_.end()) throw Error(Code::no_such_party, "that party does not exist any more");
  auto inv = it->second.invites.find(user);
  if (inv == it->second.invites.end() || inv->second <= clock_.now())
    throw Error(Code::not_invited, "you have no open invite to that party");
  return it->second;
}

const Party& Parties::accept(const std::string& user, const std::string& party_id) {
  Party& p = invited_party(user, party_id);
  if (party_of_.count(user) != 0) throw Error(Code::already_in_party, "leave your party first");
  if (static_cast<int>(p.members.size()) >= limits_.max_party_size) throw Error(Code::party_full, "the party is full");
  p.invites.erase(user);
  events_.push_back({Kind::cancel_ticket, {}, user, {}, "joined_party", {}});
  events_.push_back({Kind::cancel_ticket, {}, p.leader, {}, "party_changed", {}});  // no longer every member
  p.members.push_back(user);
  party_of_[user] = p.id;
  updated(p, "joined", user);
  return p;
}

const Party& Parties::decline(const std::string& user, const std::string& party_id) {
  Party& p = invited_party(user, party_id);
  p.invites.erase(user);
  updated(p, "declined", user);
  return p;
}

void Parties::leave(const std::string& user, const std::string& why, const std::string& ticket_reason) {
  auto it = party_of_.find(user);
  if (it == party_of_.end()) return;
  const std::string id = it->second;
  Party& p = parties_.at(id);
  events_.push_back({Kind::cancel_ticket, {}, p.leader, {}, ticket_reason, {}});
  p.members.erase(std::remove(p.members.begin(), p.members.end(), user), p.members.end());
  party_of_.erase(it);
  events_.push_back({Kind::removed, id, user, {}, why, {}});
  if (p.members.empty()) {
    parties_.erase(id);
    return;
  }
  if (p.leader == user) p.leader = p.members.front();
  updated(p, why == "kicked" ? "kicked" : "left", user, why);
}

std::string Parties::leave_own(const std::string& user) {
  std::string id = member_party(user).id;
  leave(user, "left", "party_member_left");
  return id;
}

const Party& Parties::kick(const std::string& leader, const std::string& target) {
  if (target == leader) throw Error(Code::invalid_field, "user_id may not be yourself");
  Party& p = led_party(leader);
  if (std::find(p.members.begin(), p.members.end(), target) == p.members.end())
    throw Error(Code::not_member, "that player is not in your party");
  leave(target, "kicked", "party_member_kicked");
  return p;  // the leader is still in it
}

const Party& Parties::promote(const std::string& leader, const std::string& target) {
  if (target == leader) throw Error(Code::invalid_field, "user_id may not be yourself");
  Party& p = led_party(leader);
  if (std::find(p.members.begin(), p.members.end(), target) == p.members.end())
    throw Error(Code::not_member, "that player is not in your party");
  p.leader = target;
  updated(p, "promoted", target);
  return p;
}

void Parties::expire() {
  const auto now = clock_.now();
  for (auto& [id, p] : parties_) std::erase_if(p.invites, [&](const auto& inv) { return inv.second <= now; });
  for (auto it = inbox_.begin(); it != inbox_.end();) {
    std::erase_if(it->second, [&](const auto& inv) { return inv.second <= now; });
    it = it->second.empty() ? inbox_.erase(it) : std::next(it);
  }
}

}  // namespace arena::matchmaking
