// The rank index: an order-statistic tree per board season (GNU pb_ds, part of libstdc++), so a
// rank is O(log n) instead of a count of the rows above it.
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <tuple>
#include <unordered_map>

#include "arena/leaderboards/store.hpp"

namespace arena::leaderboards {

namespace {

struct Key {
  double k1, k2;
  const std::string* user;  // owned by the set's map
};

struct BoardOrder {  // k1 descending, k2 descending, user id ascending: rank 1 first
  bool operator()(const Key& a, const Key& b) const {
    if (a.k1 != b.k1) return a.k1 > b.k1;
    if (a.k2 != b.k2) return a.k2 > b.k2;
    return *a.user < *b.user;
  }
};

using Tree = __gnu_pbds::tree<Key, __gnu_pbds::null_type, BoardOrder, __gnu_pbds::rb_tree_tag,
                              __gnu_pbds::tree_order_statistics_node_update>;

}  // namespace

struct MemoryRankIndex::Set {
  struct Held {
    SortKey key;
    std::int64_t writes = 0;
  };
  std::unordered_map<std::string, Held> users;
  Tree tree;

  void put(const std::string& user, const SortKey& key, std::int64_t writes) {
    auto [it, fresh] = users.try_emplace(user);
    if (!fresh) {
      if (it->second.writes >= writes) return;  // a report older than what is held
      tree.erase(Key{it->second.key.k1, it->second.key.k2, &it->first});
    }
    it->second = {key, writes};
    tree.insert(Key{key.k1, key.k2, &it->first});
  }
};

MemoryRankIndex::MemoryRankIndex(std::size_t max_entries) : max_entries_(max_entries) {}
MemoryRankIndex::~MemoryRankIndex() = default;

std::optional<std::int64_t> MemoryRankIndex::rank(const std::string& board, const std::string& season,
                                                  const std::string& user, const Counter& count, const Loader& load) {
  std::lock_guard lock(mu_);
  auto it = sets_.find({board, season});
  if (it == sets_.end()) {
    if (too_big_.count({board, season}) != 0) return std::nullopt;
    // Loaded under the lock: a write that commits meanwhile waits here with its report, and
    // applies after the load (the load's snapshot may not have it).
    const auto n = count();
    if (held_ + static_cast<std::size_t>(n) > max_entries_) {
      too_big_.insert({board, season});
      return std::nullopt;
    }
    auto set = std::make_unique<Set>();
    for (const auto& w : load()) set->put(w.user_id, w.key, w.writes);
    held_ += set->users.size();
    it = sets_.emplace(std::make_pair(board, season), std::move(set)).first;
  }
  const Set& s = *it->second;
  auto u = s.users.find(user);
  if (u == s.users.end()) return 0;
  return static_cast<std::int64_t>(s.tree.order_of_key(Key{u->second.key.k1, u->second.key.k2, &u->first})) + 1;
}

void MemoryRankIndex::committed(const std::vector<Written>& writes) {
  std::lock_guard lock(mu_);
  for (const auto& w : writes) {
    auto it = sets_.find({w.board, w.season});
    if (it == sets_.end()) continue;  // not indexed: a later load reads it from the store
    const auto before = it->second->users.size();
    it->second->put(w.user_id, w.key, w.writes);
    held_ += it->second->users.size() - before;
  }
}

void MemoryRankIndex::drop(const std::string& board, const std::string& season) {
  std::lock_guard lock(mu_);
  too_big_.erase({board, season});
  auto it = sets_.find({board, season});
  if (it == sets_.end()) return;
  held_ -= it->second->users.size();
  sets_.erase(it);
}

std::size_t MemoryRankIndex::entries() const {
  std::lock_guard lock(mu_);
  return held_;
}

}  // namespace arena::leaderboards
