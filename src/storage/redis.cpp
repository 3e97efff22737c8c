#include "arena/storage/redis.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <charconv>

namespace arena::storage {

namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  return {static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

RedisValue copy(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      v.type = RedisValue::Type::status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::array;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(copy(r->element[i]));
      break;
    default: break;  // nil
  }
  return v;
}

int parse_int(std::string_view text, int lo, int hi, const char* what) {
  int v = 0;
  const auto* end = text.data() + text.size();
  if (text.empty() || std::from_chars(text.data(), end, v).ptr != end || v < lo || v > hi)
    throw std::invalid_argument(std::string("redis URL: bad ") + what);
  return v;
}

}  // namespace

RedisAddress RedisAddress::parse(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) throw std::invalid_argument("expected a redis://host:port URL");
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress a;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto auth = rest.substr(0, at);
    if (!auth.empty() && auth.front() == ':') auth.remove_prefix(1);  // redis://:password@host
    a.password = std::string(auth);
    rest = rest.substr(at + 1);
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto db = rest.substr(slash + 1);
    if (!db.empty()) a.db = parse_int(db, 0, 1'000'000, "database number");
    rest = rest.substr(0, slash);
  }
  if (!rest.empty() && rest.front() == '[') {  // [IPv6 address][:port]
    const auto close = rest.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("redis URL: unclosed [ in the host");
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("redis URL: expected :port after ]");
      a.port = parse_int(after.substr(1), 1, 65535, "port");
    }
    rest = rest.substr(1, close - 1);
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    a.port = parse_int(rest.substr(colon + 1), 1, 65535, "port");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) throw std::invalid_argument("redis URL: no host");
  a.host = std::string(rest);
  return a;
}

std::unique_ptr<Redis> Redis::connect(const RedisAddress& address, std::chrono::milliseconds timeout) {
  redisContext* c = redisConnectWithTimeout(address.host.c_str(), address.port, to_timeval(timeout));
  if (c == nullptr) throw RedisError(RedisError::Kind::connection, "redis: out of memory");
  if (c->err != 0) {
    const std::string why = c->errstr;
    redisFree(c);
    throw RedisError(RedisError::Kind::connection,
                     "redis " + address.host + ":" + std::to_string(address.port) + ": " + why);
  }
  redisSetTimeout(c, to_timeval(timeout));
  std::unique_ptr<Redis> r(new Redis(c));
  if (!address.password.empty()) r->command({"AUTH", address.password});
  if (address.db != 0) r->command({"SELECT", std::to_string(address.db)});
  return r;
}

Redis::~Redis() {
  redisFree(c_);
}

bool Redis::alive() {
  if (!ok_) return false;
  pollfd p{c_->fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return true;  // nothing to read: as it was left
  // Readable while idle (no reply is ever left unread): the server closed or broke it.
  ok_ = false;
  return false;
}

RedisValue Redis::read_reply() {
  void* raw = nullptr;
  if (redisGetReply(c_, &raw) != REDIS_OK || raw == nullptr) {
    ok_ = false;
    throw RedisError(RedisError::Kind::connection, std::string("redis: ") + (c_->err != 0 ? c_->errstr : "no reply"));
  }
  auto* reply = static_cast<redisReply*>(raw);
  const bool error = reply->type == REDIS_REPLY_ERROR;
  RedisValue v = copy(reply);
  freeReplyObject(reply);
  if (error) throw RedisError(RedisError::Kind::reply, "redis: " + v.str);
  return v;
}

RedisValue Redis::command(const std::vector<std::string>& argv) {
  return pipeline({argv}).at(0);
}

std::vector<RedisValue> Redis::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (!ok_) throw RedisError(RedisError::Kind::connection, "redis: the connection broke before");
  for (const auto& argv : commands) {
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& a : argv) {
      args.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), args.data(), lens.data()) != REDIS_OK) {
      ok_ = false;
      throw RedisError(RedisError::Kind::connection, std::string("redis: ") + c_->errstr);
    }
  }
  std::vector<RedisValue> out;
  out.reserve(commands.size());
  std::string first_error;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    try {
      out.push_back(read_reply());
    } catch (const RedisError& e) {
      if (e.kind() == RedisError::Kind::connection) throw;
      if (first_error.empty()) first_error = e.what();  // read the rest: the connection stays in step
      out.emplace_back();
    }
  }
  if (!first_error.empty()) throw RedisError(RedisError::Kind::reply, first_error);
  return out;
}

RedisPool::RedisPool(RedisPoolSettings settings)
    : settings_(std::move(settings)), address_(RedisAddress::parse(settings_.url)) {}

RedisPool::~RedisPool() = default;

RedisPool::Lease::Lease(RedisPool& p) : pool(p) {
  {
    std::unique_lock lock(p.mu_);
    if (!p.cv_.wait_for(lock, p.settings_.wait, [&] { return !p.idle_.empty() || p.open_ < p.settings_.size; }))
      throw RedisError(RedisError::Kind::connection, "redis: no connection free within the wait");
    while (!p.idle_.empty()) {
      conn = std::move(p.idle_.back());
      p.idle_.pop_back();
      if (conn->alive()) return;
      conn.reset();  // closed by a Redis restart while idle: connect anew instead
      --p.open_;
    }
    ++p.open_;
  }
  try {  // connect outside the lock
    conn = Redis::connect(p.address_, p.settings_.timeout);
  } catch (...) {
    std::lock_guard lock(p.mu_);
    --p.open_;
    p.cv_.notify_one();
    throw;
  }
}

RedisPool::Lease::~Lease() {
  std::lock_guard lock(pool.mu_);
  if (conn && conn->ok()) {
    pool.idle_.push_back(std::move(conn));
  } else {
    --pool.open_;  // broken: closed; the next caller connects anew
  }
  pool.cv_.notify_one();
}

bool RedisPool::ping() {
  try {
    return command({"PING"}).str == "PONG";
  } catch (const RedisError&) {
    return false;
  }
}

}  // namespace arena::storage
