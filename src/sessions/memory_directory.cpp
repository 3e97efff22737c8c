// Presence and channel membership in this process's memory.
#include <algorithm>
#include <utility>

#include "arena/sessions/directory.hpp"

namespace arena::sessions {

void MemoryDirectory::remember_closed(const std::string& sid) {
  if (!closed_.insert(sid).second) return;
  closed_order_.push_back(sid);
  if (closed_order_.size() > kClosedRemembered) {
    closed_.erase(closed_order_.front());
    closed_order_.pop_front();
  }
}

bool MemoryDirectory::open(const std::string& sid, const std::string& user, const std::string& node) {
  core::Lock lock(mu_);
  if (closed_.contains(sid)) return false;
  nodes_.insert(node);
  auto& list = users_[user];
  if (std::any_of(list.begin(), list.end(), [&](const Where& x) { return x.sid == sid; })) return false;
  list.push_back({sid, node});
  return list.size() == 1;
}

bool MemoryDirectory::close(const std::string& sid, const std::string& user) {
  core::Lock lock(mu_);
  remember_closed(sid);
  auto it = users_.find(user);
  if (it == users_.end()) return false;
  const auto before = it->second.size();
  std::erase_if(it->second, [&](const Where& x) { return x.sid == sid; });
  if (it->second.size() == before || !it->second.empty()) return false;
  users_.erase(it);
  return true;
}

std::vector<Where> MemoryDirectory::lookup(const std::string& user) {
  core::Lock lock(mu_);
  auto it = users_.find(user);
  return it == users_.end() ? std::vector<Where>{} : it->second;
}

std::vector<std::string> MemoryDirectory::nodes() {
  core::Lock lock(mu_);
  return {nodes_.begin(), nodes_.end()};
}

std::vector<SessionRef> MemoryDirectory::claim_node(const std::string& node) {
  core::Lock lock(mu_);
  std::vector<SessionRef> out;
  if (nodes_.erase(node) == 0) return out;
  for (const auto& [user, list] : users_)
    for (const auto& w : list)
      if (w.node == node) out.push_back({user, w.sid});
  return out;
}

Joined MemoryDirectory::join(const std::string& channel, const std::string& user, const std::string& sid,
                             std::size_t max_members) {
  core::Lock lock(mu_);
  Joined out;
  if (closed_.contains(sid)) {
    out.outcome = Joined::Outcome::closed;
    return out;
  }
  auto& users = channels_[channel];
  auto it = users.find(user);
  if (it == users.end()) {
    if (users.size() >= max_members) {
      if (users.empty()) channels_.erase(channel);
      out.outcome = Joined::Outcome::full;
      return out;
    }
    out.first_of_user = true;
    it = users.emplace(user, std::set<std::string>{}).first;
  }
  it->second.insert(sid);
  session_channels_[sid].insert(channel);
  out.members.reserve(users.size());
  for (const auto& [u, sids] : users) out.members.push_back(u);
  return out;
}

bool MemoryDirectory::remove_locked(const std::string& channel, const std::string& user, const std::string& sid) {
  if (auto sc = session_channels_.find(sid); sc != session_channels_.end()) {
    sc->second.erase(channel);
    if (sc->second.empty()) session_channels_.erase(sc);
  }
  auto ch = channels_.find(channel);
  if (ch == channels_.end()) return false;
  auto it = ch->second.find(user);
  if (it == ch->second.end() || it->second.erase(sid) == 0 || !it->second.empty()) return false;
  ch->second.erase(it);
  if (ch->second.empty()) channels_.erase(ch);
  return true;
}

bool MemoryDirectory::leave(const std::string& channel, const std::string& user, const std::string& sid) {
  core::Lock lock(mu_);
  return remove_locked(channel, user, sid);
}

std::vector<std::string> MemoryDirectory::members(const std::string& channel) {
  core::Lock lock(mu_);
  std::vector<std::string> out;
  if (auto it = channels_.find(channel); it != channels_.end())
    for (const auto& [u, s] : it->second) out.push_back(u);
  return out;
}

std::vector<std::string> MemoryDirectory::close_channels(const std::string& sid, const std::string& user) {
  core::Lock lock(mu_);
  remember_closed(sid);
  std::vector<std::string> gone;
  auto sc = session_channels_.find(sid);
  if (sc == session_channels_.end()) return gone;
  const std::set<std::string> chans = sc->second;
  for (const auto& ch : chans)
    if (remove_locked(ch, user, sid)) gone.push_back(ch);
  return gone;
}

bool MemoryDirectory::intact() {
  core::Lock lock(mu_);
  return std::exchange(looked_, true);
}

}  // namespace arena::sessions
