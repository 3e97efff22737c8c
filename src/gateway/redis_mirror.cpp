// The session mirror in Redis: one Lua script per session per batch (fenced by the owning node),
// sent as EVALSHA in one pipeline.
#include <charconv>
#include <mutex>

#include "arena/gateway/mirror.hpp"
#include "arena/storage/redis.hpp"

namespace arena::gateway {
namespace {

// KEYS m:<sid>, m:<sid>:l. ARGV node, limit, ttl ms, user ('' unless new), created, start seq,
// close ('1'), channels ('' unchanged, else '=' then the list), last seq, entries...
// 1: applied; 0: another node took the session; 2: the mirror is gone (Redis lost it, or it
// expired): nothing applied, the writer makes it again.
constexpr const char* kWrite = R"lua(
if ARGV[4] ~= '' then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'user', ARGV[4], 'node', ARGV[1], 'created', ARGV[5], 'seq', ARGV[6], 'ch', '')
else
  local node = redis.call('HGET', KEYS[1], 'node')
  if not node then return 2 end
  if node ~= ARGV[1] then return 0 end
end
if ARGV[7] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
if #ARGV >= 10 then
  redis.call('RPUSH', KEYS[2], unpack(ARGV, 10))
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
  redis.call('HSET', KEYS[1], 'seq', ARGV[9])
end
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'ch', string.sub(ARGV[8], 2)) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
)lua";

// KEYS m:<sid>, m:<sid>:l. ARGV user, node, liveness key prefix, tombstone ttl ms. What is left is
// a tombstone (moved, the taker as node) that tells the old node its session went.
constexpr const char* kTake = R"lua(
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local m = {}
for i = 1, #h, 2 do m[h[i]] = h[i + 1] end
if m['user'] ~= ARGV[1] or m['moved'] then return false end
if m['node'] ~= ARGV[2] and redis.call('EXISTS', ARGV[3] .. m['node']) == 0 then return false end
local l = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'moved', '1', 'node', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {m['node'], m['created'], m['seq'], m['ch'], l}
)lua";

constexpr std::size_t kEntriesPerCall = 1000;  // Lua's unpack() has a stack limit

std::uint64_t to_u64(std::string_view s) {
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string key(std::string_view sid) {
  return "arena:m:" + std::string(sid);
}

std::string encode_channels(const std::vector<MirrorChannel>& chans) {
  std::string out = "=";
  for (const auto& c : chans) {
    if (out.size() > 1) out += '\n';
    out += c.name;
    out += '\t';
    out += std::to_string(c.joined_ms);
  }
  return out;
}

std::vector<MirrorChannel> decode_channels(std::string_view s) {
  std::vector<MirrorChannel> out;
  while (!s.empty()) {
    const auto nl = s.find('\n');
    const auto line = s.substr(0, nl);
    const auto tab = line.find('\t');
    if (tab != std::string_view::npos)
      out.push_back({std::string(line.substr(0, tab)), static_cast<std::int64_t>(to_u64(line.substr(tab + 1)))});
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

class RedisSessionMirror final : public SessionMirror {
 public:
  RedisSessionMirror(storage::RedisPool& redis, std::chrono::milliseconds node_ttl,
                     std::chrono::milliseconds session_ttl)
      : redis_(redis), node_ttl_(std::to_string(node_ttl.count())), session_ttl_(std::to_string(session_ttl.count())) {}

  Written write(const std::string& node, const std::vector<MirrorWrite>& writes, std::size_t limit) override {
    std::vector<std::vector<std::string>> cmds;
    std::vector<std::size_t> of;  // the write each command is for
    for (std::size_t w = 0; w < writes.size(); ++w) {
      const auto& x = writes[w];
      std::size_t at = 0;
      do {  // one call, or several for a long batch of pushes (only the first may create)
        const std::size_t n = std::min(kEntriesPerCall, x.entries.size() - at);
        std::vector<std::string> c{"EVALSHA", "", "2", key(x.sid), key(x.sid) + ":l", node, std::to_string(limit),
                                   session_ttl_};
        const bool first = at == 0;
        c.push_back(first ? x.user : std::string());
        c.push_back(std::to_string(x.created_ms));
        c.push_back(std::to_string(x.seq));
        const bool last = at + n == x.entries.size();
        c.push_back(last && x.close ? "1" : "0");
        c.push_back(last && x.channels ? encode_channels(*x.channels) : std::string());
        c.push_back(n > 0 ? std::to_string(x.entries[at + n - 1].seq) : "0");
        for (std::size_t i = at; i < at + n; ++i) {
          const auto& e = x.entries[i];
          c.push_back(std::to_string(e.seq) + '\t' + e.id + '\t' + e.body);
        }
        cmds.push_back(std::move(c));
        of.push_back(w);
        at += n;
      } while (at < x.entries.size());
    }
    if (cmds.empty()) return {};
    const auto replies = run(kWrite, write_sha_, cmds);
    Written out;
    for (std::size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].type != storage::RedisValue::Type::integer || replies[i].integer == 1) continue;
      auto& list = replies[i].integer == 0 ? out.taken : out.lost;
      if (list.empty() || list.back() != writes[of[i]].sid) list.push_back(writes[of[i]].sid);
    }
    return out;
  }

  void keep_alive(const std::string& node, const std::vector<std::string>& sids) override {
    std::vector<std::vector<std::string>> cmds{{"SET", "arena:m:node:" + node, "1", "PX", node_ttl_}};
    for (const auto& sid : sids) {
      cmds.push_back({"PEXPIRE", key(sid), session_ttl_});
      cmds.push_back({"PEXPIRE", key(sid) + ":l", session_ttl_});
    }
    redis_.with([&](storage::Redis& r) { return r.pipeline(cmds); });
  }

  std::optional<MirroredSession> take(const std::string& sid, const std::string& user,
                                      const std::string& node) override {
    const auto replies =
        run(kTake, take_sha_, {{"EVALSHA", "", "2", key(sid), key(sid) + ":l", user, node, "arena:m:node:", node_ttl_}});
    const auto& r = replies.at(0);
    if (r.type != storage::RedisValue::Type::array || r.elements.size() != 5) return std::nullopt;
    MirroredSession m;
    m.user = user;
    m.node = r.elements[0].str;
    m.created_ms = static_cast<std::int64_t>(to_u64(r.elements[1].str));
    m.seq = to_u64(r.elements[2].str);
    m.channels = decode_channels(r.elements[3].str);
    for (const auto& e : r.elements[4].elements) {
      const std::string_view s = e.str;
      const auto t1 = s.find('\t');
      const auto t2 = t1 == std::string_view::npos ? t1 : s.find('\t', t1 + 1);
      if (t2 == std::string_view::npos) continue;
      m.entries.push_back({to_u64(s.substr(0, t1)), std::string(s.substr(t1 + 1, t2 - t1 - 1)),
                           std::string(s.substr(t2 + 1))});
    }
    return m;
  }

 private:
  // EVALSHA; when Redis does not know the script (started since, or never told), SCRIPT LOAD and
  // once more. A NOSCRIPT fails every call of the pipeline, so none ran and all may go again.
  std::vector<storage::RedisValue> run(const char* script, std::string& sha, std::vector<std::vector<std::string>> cmds) {
    return redis_.with([&](storage::Redis& r) {
      for (int attempt = 0;; ++attempt) {
        std::string known;
        {
          std::lock_guard lock(sha_mu_);
          known = sha;
        }
        if (known.empty()) {
          known = r.command({"SCRIPT", "LOAD", script}).str;
          std::lock_guard lock(sha_mu_);
          sha = known;
        }
        for (auto& c : cmds) c[1] = known;
        try {
          return r.pipeline(cmds);
        } catch (const storage::RedisError& e) {
          if (attempt > 0 || e.kind() != storage::RedisError::Kind::reply ||
              std::string_view(e.what()).find("NOSCRIPT") == std::string_view::npos)
            throw;
          std::lock_guard lock(sha_mu_);
          sha.clear();
        }
      }
    });
  }

  storage::RedisPool& redis_;
  const std::string node_ttl_;
  const std::string session_ttl_;
  std::mutex sha_mu_;
  std::string write_sha_;  // the scripts' SHA1s, known to Redis (empty: load first)
  std::string take_sha_;
};

}  // namespace

std::unique_ptr<SessionMirror> redis_session_mirror(storage::RedisPool& redis, std::chrono::milliseconds node_ttl,
                                                    std::chrono::milliseconds session_ttl) {
  return std::make_unique<RedisSessionMirror>(redis, node_ttl, session_ttl);
}

}  // namespace arena::gateway
