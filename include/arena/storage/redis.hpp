#pragma once
// Redis through hiredis (Debian's libhiredis-dev): cluster mode's shared, fast-changing state
// (rate-limit buckets today). `Redis` is one connection with timeouts; `RedisPool` lends
// connections to one caller at a time, makes new ones lazily and drops broken ones, so calls
// after a Redis restart work again without anyone reconnecting by hand. Calls block: make them
// on storage or service threads, never on an I/O thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace arena::storage {

class RedisError : public std::runtime_error {
 public:
  enum class Kind {
    connection,  // cannot connect, the connection broke, or a timeout: Redis is not serving us
    reply,       // Redis answered with an error (a bad command, a script error)
  };
  RedisError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// A reply, owned (hiredis's is copied out at once).
struct RedisValue {
  enum class Type { nil, integer, string, status, array };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  // string and status replies
  std::vector<RedisValue> elements;
};

// redis://[:password@]host[:port][/db] (port 6379, db 0 when not given).
struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string password;
  int db = 0;
  // Throws std::invalid_argument naming what is wrong.
  static RedisAddress parse(std::string_view url);
};

class Redis {
 public:
  // Connects (AUTH and SELECT when the address says so); throws RedisError(connection).
  static std::unique_ptr<Redis> connect(const RedisAddress& address, std::chrono::milliseconds timeout);
  ~Redis();
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  // One command; an error reply throws RedisError(reply), a broken connection RedisError(connection)
  // and leaves this connection unusable.
  RedisValue command(const std::vector<std::string>& argv);
  // Several commands in one round trip; their replies in order (error replies as RedisValue
  // status strings would hide: any error reply throws after all replies are read).
  std::vector<RedisValue> pipeline(const std::vector<std::vector<std::string>>& commands);
  bool ok() const { return ok_; }
  bool alive();  // not closed by the server meanwhile (looks without blocking)

 private:
  explicit Redis(redisContext* c) : c_(c) {}
  RedisValue read_reply();
  redisContext* c_;
  bool ok_ = true;
};

struct RedisPoolSettings {
  std::string url;
  int size = 8;                            // connections at most
  std::chrono::milliseconds timeout{500};  // connect and each command
  std::chrono::milliseconds wait{1000};    // for a free connection, then RedisError(connection)
};

class RedisPool {
 public:
  explicit RedisPool(RedisPoolSettings settings);  // connects lazily; throws std::invalid_argument on a bad URL
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  template <class F>
  decltype(auto) with(F&& fn) {
    Lease lease(*this);
    return fn(*lease.conn);
  }
  RedisValue command(const std::vector<std::string>& argv) {
    return with([&](Redis& r) { return r.command(argv); });
  }
  bool ping();  // true when Redis answers now
  const RedisAddress& address() const { return address_; }

 private:
  struct Lease {
    explicit Lease(RedisPool& p);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    RedisPool& pool;
    std::unique_ptr<Redis> conn;
  };
  RedisPoolSettings settings_;
  RedisAddress address_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Redis>> idle_;
  int open_ = 0;
};

}  // namespace arena::storage
