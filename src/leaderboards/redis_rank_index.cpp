#include "arena/leaderboards/redis_rank_index.hpp"

#include <bit>
#include <cstdio>
#include <map>

#include "arena/storage/redis.hpp"

namespace arena::leaderboards {

namespace {

std::string key(std::string_view kind, const std::string& board, const std::string& season) {
  return "arena:lb:" + std::string(kind) + ":" + board + ":" + season;
}

// A double as 16 hex digits that sort (as bytes) in descending order of the value.
std::string descending(double v) {
  if (v == 0) v = 0;  // -0 sorts with 0, as the board compares
  auto u = std::bit_cast<std::uint64_t>(v);
  u = (u >> 63) != 0 ? ~u : u | (std::uint64_t{1} << 63);  // ascending order as unsigned
  u = ~u;                                                  // descending
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(u));
  return out;
}

// KEYS z, h; ARGV user, writes, member. The write replaces the user's member unless it is older.
constexpr const char* kPut = R"(
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then
  local sep = string.find(old, ' ', 1, true)
  if tonumber(string.sub(old, 1, sep - 1)) >= tonumber(ARGV[2]) then return 0 end
  redis.call('ZREM', KEYS[1], string.sub(old, sep + 1))
end
redis.call('ZADD', KEYS[1], 0, ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
return 1
)";

// KEYS ready, z, h; ARGV user. -1: not ready; 0: not on the board; else the rank.
constexpr const char* kRank = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local held = redis.call('HGET', KEYS[3], ARGV[1])
if not held then return 0 end
local sep = string.find(held, ' ', 1, true)
return redis.call('ZRANK', KEYS[2], string.sub(held, sep + 1)) + 1
)";

std::vector<std::string> put(const Written& w) {
  return {"EVAL",
          kPut,
          "2",
          key("z", w.board, w.season),
          key("h", w.board, w.season),
          w.user_id,
          std::to_string(w.writes),
          RedisRankIndex::member(w.key, w.user_id)};
}

}  // namespace

std::string RedisRankIndex::member(const SortKey& key, const std::string& user) {
  return descending(key.k1) + descending(key.k2) + user;
}

RedisRankIndex::RedisRankIndex(storage::RedisPool& redis, std::size_t max_season_entries,
                               std::function<void(const storage::RedisError&)> on_error)
    : redis_(redis), max_season_entries_(max_season_entries), on_error_(std::move(on_error)) {}

void RedisRankIndex::forget_stale() {
  std::set<std::pair<std::string, std::string>> stale;
  {
    std::lock_guard lock(mu_);
    stale.swap(stale_);
  }
  if (stale.empty()) return;
  std::vector<std::vector<std::string>> dels;
  dels.reserve(stale.size());
  for (const auto& [board, season] : stale) dels.push_back({"DEL", key("ready", board, season)});
  try {
    redis_.with([&](storage::Redis& r) { return r.pipeline(dels); });
  } catch (const storage::RedisError&) {
    std::lock_guard lock(mu_);
    stale_.merge(stale);
    throw;
  }
}

std::optional<std::int64_t> RedisRankIndex::rank(const std::string& board, const std::string& season,
                                                 const std::string& user, const Counter& count, const Loader& load) {
  try {
    forget_stale();
    const std::vector<std::string> ask{
        "EVAL", kRank, "3", key("ready", board, season), key("z", board, season), key("h", board, season), user};
    auto r = redis_.command(ask);
    if (r.integer >= 0) return r.integer;
    // Not loaded: one process loads it (the others count meanwhile). The load's writes and the
    // writes reported meanwhile meet in the versioned put: the newest of each entry stays.
    if (redis_.command({"SET", key("loading", board, season), "1", "NX", "PX", "60000"}).type ==
        storage::RedisValue::Type::nil)
      return std::nullopt;
    if (count() > static_cast<std::int64_t>(max_season_entries_)) return std::nullopt;  // the mark expires
    const auto entries = load();
    std::vector<std::vector<std::string>> batch;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      batch.push_back(put(entries[i]));
      if (batch.size() == 1000 || i + 1 == entries.size()) {
        redis_.with([&](storage::Redis& c) { return c.pipeline(batch); });
        batch.clear();
      }
    }
    redis_.with([&](storage::Redis& c) {
      return c.pipeline({{"SET", key("ready", board, season), "1"}, {"DEL", key("loading", board, season)}});
    });
    r = redis_.command(ask);
    return r.integer >= 0 ? std::optional<std::int64_t>(r.integer) : std::nullopt;
  } catch (const storage::RedisError& e) {
    if (on_error_) on_error_(e);
    return std::nullopt;
  }
}

void RedisRankIndex::committed(const std::vector<Written>& writes) {
  if (writes.empty()) return;
  std::vector<std::vector<std::string>> batch;
  batch.reserve(writes.size());
  for (const auto& w : writes) batch.push_back(put(w));
  try {
    forget_stale();
    redis_.with([&](storage::Redis& c) { return c.pipeline(batch); });
  } catch (const storage::RedisError& e) {
    if (on_error_) on_error_(e);
    std::lock_guard lock(mu_);  // Redis may have missed these: their seasons load again
    for (const auto& w : writes) stale_.insert({w.board, w.season});
  }
}

void RedisRankIndex::drop(const std::string& board, const std::string& season) {
  try {
    redis_.with([&](storage::Redis& c) {
      return c.pipeline({{"DEL", key("ready", board, season), key("z", board, season), key("h", board, season)}});
    });
  } catch (const storage::RedisError& e) {
    if (on_error_) on_error_(e);
  }
}

}  // namespace arena::leaderboards
