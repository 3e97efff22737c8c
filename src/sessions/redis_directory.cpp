// Presence and channel membership in Redis: each operation one Lua script (atomic), so any number
// of sessions processes share them. Keys (arena:s:...): p:<user> hash sid -> node; n:<node> set of
// "sid<TAB>user"; nodes, the set of nodes with sessions; x:<sid> a closed session (an hour);
// c:<channel> hash user -> "sid,sid"; sc:<sid> set of its channels; epoch, the marker whose loss
// says Redis restarted empty.
#include <algorithm>

#include "arena/sessions/directory.hpp"
#include "arena/storage/redis.hpp"

namespace arena::sessions {

namespace {

constexpr const char* kPrefix = "arena:s:";

std::string key(std::string_view kind, std::string_view name) {
  return std::string(kPrefix) + std::string(kind) + std::string(name);
}

// Removes sid from the user's entry of a channel hash; 1 when the user has no session left there.
constexpr const char* kLeaveFn = R"(
local function leave(ch, user, sid)
  local v = redis.call('HGET', ch, user)
  if not v then return 0 end
  local rest = {}
  local found = false
  for s in string.gmatch(v, '[^,]+') do
    if s == sid then found = true else rest[#rest + 1] = s end
  end
  if not found then return 0 end
  if #rest == 0 then
    redis.call('HDEL', ch, user)
    return 1
  end
  redis.call('HSET', ch, user, table.concat(rest, ','))
  return 0
end
)";

// KEYS p:<user>, n:<node>, x:<sid>, nodes; ARGV sid, node, user
constexpr const char* kOpen = R"(
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
local new = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1] .. '\t' .. ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
if new == 1 and redis.call('HLEN', KEYS[1]) == 1 then return 1 end
return 0
)";

// KEYS p:<user>, x:<sid>; ARGV sid, user, prefix
constexpr const char* kClose = R"(
redis.call('SET', KEYS[2], '1', 'EX', 3600)
local node = redis.call('HGET', KEYS[1], ARGV[1])
if not node then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', ARGV[3] .. 'n:' .. node, ARGV[1] .. '\t' .. ARGV[2])
if redis.call('HLEN', KEYS[1]) == 0 then return 1 end
return 0
)";

// KEYS nodes, n:<node>; ARGV node
constexpr const char* kClaim = R"(
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then return {} end
local out = redis.call('SMEMBERS', KEYS[2])
redis.call('DEL', KEYS[2])
return out
)";

// KEYS c:<channel>, x:<sid>, sc:<sid>; ARGV user, sid, max, channel
constexpr const char* kJoin = R"(
if redis.call('EXISTS', KEYS[2]) == 1 then return {-1} end
local v = redis.call('HGET', KEYS[1], ARGV[1])
local first = 0
if not v then
  if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return {-2} end
  first = 1
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
else
  local found = false
  for s in string.gmatch(v, '[^,]+') do if s == ARGV[2] then found = true end end
  if not found then redis.call('HSET', KEYS[1], ARGV[1], v .. ',' .. ARGV[2]) end
end
redis.call('SADD', KEYS[3], ARGV[4])
return {first, redis.call('HKEYS', KEYS[1])}
)";

// KEYS c:<channel>, sc:<sid>; ARGV user, sid, channel
constexpr const char* kLeave = R"(
redis.call('SREM', KEYS[2], ARGV[3])
return leave(KEYS[1], ARGV[1], ARGV[2])
)";

// KEYS sc:<sid>, x:<sid>; ARGV user, sid, prefix
constexpr const char* kCloseChannels = R"(
redis.call('SET', KEYS[2], '1', 'EX', 3600)
local gone = {}
for _, ch in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if leave(ARGV[3] .. 'c:' .. ch, ARGV[1], ARGV[2]) == 1 then gone[#gone + 1] = ch end
end
redis.call('DEL', KEYS[1])
return gone
)";

// Sorted, as the memory directory keeps them.
std::vector<std::string> strings(const storage::RedisValue& v) {
  std::vector<std::string> out;
  out.reserve(v.elements.size());
  for (const auto& e : v.elements) out.push_back(e.str);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool RedisDirectory::open(const std::string& sid, const std::string& user, const std::string& node) {
  return redis_
             .command({"EVAL", kOpen, "4", key("p:", user), key("n:", node), key("x:", sid), key("nodes", ""), sid,
                       node, user})
             .integer == 1;
}

bool RedisDirectory::close(const std::string& sid, const std::string& user) {
  return redis_.command({"EVAL", kClose, "2", key("p:", user), key("x:", sid), sid, user, kPrefix}).integer == 1;
}

std::vector<Where> RedisDirectory::lookup(const std::string& user) {
  const auto r = redis_.command({"HGETALL", key("p:", user)});
  std::vector<Where> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) out.push_back({r.elements[i].str, r.elements[i + 1].str});
  return out;
}

std::vector<std::string> RedisDirectory::nodes() {
  return strings(redis_.command({"SMEMBERS", key("nodes", "")}));
}

std::vector<SessionRef> RedisDirectory::claim_node(const std::string& node) {
  const auto r = redis_.command({"EVAL", kClaim, "2", key("nodes", ""), key("n:", node), node});
  std::vector<SessionRef> out;
  for (const auto& e : r.elements) {
    const auto tab = e.str.find('\t');
    if (tab != std::string::npos) out.push_back({e.str.substr(tab + 1), e.str.substr(0, tab)});
  }
  return out;
}

Joined RedisDirectory::join(const std::string& channel, const std::string& user, const std::string& sid,
                            std::size_t max_members) {
  const auto r = redis_.command({"EVAL", std::string(kLeaveFn) + kJoin, "3", key("c:", channel), key("x:", sid),
                                 key("sc:", sid), user, sid, std::to_string(max_members), channel});
  Joined out;
  const auto code = r.elements.empty() ? -1 : r.elements[0].integer;
  if (code == -1) out.outcome = Joined::Outcome::closed;
  if (code == -2) out.outcome = Joined::Outcome::full;
  if (code < 0) return out;
  out.first_of_user = code == 1;
  if (r.elements.size() > 1) out.members = strings(r.elements[1]);
  return out;
}

bool RedisDirectory::leave(const std::string& channel, const std::string& user, const std::string& sid) {
  return redis_
             .command(
                 {"EVAL", std::string(kLeaveFn) + kLeave, "2", key("c:", channel), key("sc:", sid), user, sid, channel})
             .integer == 1;
}

std::vector<std::string> RedisDirectory::members(const std::string& channel) {
  return strings(redis_.command({"HKEYS", key("c:", channel)}));
}

std::vector<std::string> RedisDirectory::close_channels(const std::string& sid, const std::string& user) {
  return strings(redis_.command(
      {"EVAL", std::string(kLeaveFn) + kCloseChannels, "2", key("sc:", sid), key("x:", sid), user, sid, kPrefix}));
}

bool RedisDirectory::intact() {
  // Set once; a Redis that restarted empty has lost it (and everything else of ours).
  return redis_.command({"SET", key("epoch", ""), "1", "NX"}).type == storage::RedisValue::Type::nil;
}

}  // namespace arena::sessions
