#pragma once
// PostgreSQL through libpq: one connection (`Pg`) with statements prepared once per connection
// and cached by their SQL text, and a bounded pool (`PgPool`) that lends connections, replaces
// broken ones, and runs transactions with a bounded retry budget for serialization failures,
// deadlocks and connections dropped before the commit was sent. Every call blocks: call it from
// the storage pool or a role's own thread, never from an I/O thread.
//
// Parameters are `$1, $2, ...` in the SQL; values are sent as text (int64, int, bool, double,
// strings, optional strings and integers, nullopt), results read back as text and converted.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "arena/core/error.hpp"

struct pg_conn;
struct pg_result;

namespace arena::storage {

class PgError : public std::runtime_error {
 public:
  enum class Kind {
    query,        // the statement failed (see sqlstate)
    connection,   // the connection is broken or could not be made
    unavailable,  // no connection within the pool's wait
  };
  PgError(Kind kind, std::string sqlstate, const std::string& what)
      : std::runtime_error(what), kind_(kind), sqlstate_(std::move(sqlstate)) {}
  Kind kind() const { return kind_; }
  const std::string& sqlstate() const { return sqlstate_; }
  bool is_unique_violation() const { return sqlstate_ == "23505"; }
  // Serialization failure or deadlock: the transaction may simply be run again.
  bool is_retryable() const { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }
  // The server cannot serve now (connection lost, shutting down, too many connections, ...).
  bool is_unavailable() const;

 private:
  Kind kind_;
  std::string sqlstate_;
};

// What callers past the store see when PostgreSQL cannot serve (down, restarting, the pool busy
// past its wait): the engine's `storage_unavailable` (HTTP 503, Retry-After 1), with the driver's
// text kept for the log.
class StorageUnavailable : public Error {
 public:
  explicit StorageUnavailable(std::string detail)
      : Error(Code::storage_unavailable, "the database is unavailable; retry shortly"), detail_(std::move(detail)) {
    with_retry_after(1);
  }
  const std::string& detail() const { return detail_; }

 private:
  std::string detail_;
};

// One result set. Columns are read by index; values arrive as text and are converted.
class PgResult {
 public:
  explicit PgResult(pg_result* r) : r_(r) {}
  ~PgResult();
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int affected() const;  // rows changed by INSERT/UPDATE/DELETE
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  std::string_view view(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  double real(int row, int col) const;
  bool boolean(int row, int col) const;
  std::optional<std::string> optional_text(int row, int col) const;
  std::optional<std::int64_t> optional_int64(int row, int col) const;

 private:
  pg_result* r_;
};

// Values bound to $1..$n, as text (or NULL).
class PgParams {
 public:
  template <class... Args>
  explicit PgParams(const Args&... args) {
    values_.reserve(sizeof...(args));
    (add(args), ...);
  }
  const std::vector<std::optional<std::string>>& values() const { return values_; }
  // One more value (for statements whose parameters are counted at run time).
  template <class T>
  void push(const T& v) {
    add(v);
  }

 private:
  void add(std::int64_t v) { values_.emplace_back(std::to_string(v)); }
  void add(int v) { add(static_cast<std::int64_t>(v)); }
  void add(bool v) { values_.emplace_back(v ? "t" : "f"); }
  void add(double v);
  void add(std::string_view v) { values_.emplace_back(std::string(v)); }
  void add(const std::string& v) { values_.emplace_back(v); }
  void add(const char* v) { values_.emplace_back(std::string(v)); }
  void add(std::nullopt_t) { values_.emplace_back(std::nullopt); }
  void add(const std::optional<std::string>& v) { values_.push_back(v); }
  void add(const std::optional<std::int64_t>& v) {
    if (v) {
      add(*v);
    } else {
      add(std::nullopt);
    }
  }
  std::vector<std::optional<std::string>> values_;
};

class Pg {
 public:
  // Connects (a postgres:// URL or a libpq keyword string); throws PgError(connection).
  static std::unique_ptr<Pg> connect(const std::string& url, std::chrono::seconds timeout = std::chrono::seconds(5));
  ~Pg();
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  // Runs `sql` (prepared on this connection the first time) with `args` as $1..$n.
  template <class... Args>
  PgResult query(std::string_view sql, const Args&... args) {
    return run(sql, PgParams(args...));
  }
  PgResult run(std::string_view sql, const PgParams& params);
  // One or more statements without parameters or results (DDL, BEGIN, COMMIT).
  void exec(std::string_view sql);
  bool ok() const;    // the connection is usable
  bool idle() const;  // usable and outside a transaction
  bool alive();       // not closed by the server meanwhile (reads without blocking)

 private:
  explicit Pg(pg_conn* c) : c_(c) {}
  [[noreturn]] void fail(pg_result* r, std::string_view what);
  pg_conn* c_;
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, SqlHash, std::equal_to<>> prepared_;  // sql -> name
};

struct PgPoolSettings {
  std::string url;
  int size = 8;                                 // connections at most
  std::chrono::milliseconds wait{2000};         // for a free connection, then `unavailable`
  int attempts = 3;                             // a transaction's tries (retryable failures)
  std::chrono::milliseconds retry_backoff{10};  // doubled per retry, with jitter
  std::chrono::seconds connect_timeout{5};
  // Told of every failure a call of the pool meets, retried or not, by kind: "connection" (lost or
  // refused), "unavailable" (the server cannot serve, or no free connection within `wait`),
  // "conflict" (serialization failure or deadlock) or "query" (any other failed statement).
  std::function<void(std::string_view kind)> on_error;
};

class PgPool {
 public:
  explicit PgPool(PgPoolSettings settings);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;
  // This thread holds a connection of this pool: a call now joins it (and its transaction).
  bool held_here() const;

  // Lends a connection to `fn` (connecting one when none is free and the pool is not full). A
  // connection that broke is closed when it comes back. No retry: for single statements whose
  // failure the caller reports. Called again on a thread that holds a connection of this pool
  // (inside `fn`, or a job's effects inside the store's transaction), it lends the same one: the
  // inner call joins the outer's transaction, as a nested Sqlite::with() does.
  // Throws StorageUnavailable when PostgreSQL cannot serve, PgError for a failed statement.
  template <class F>
  decltype(auto) with(F&& fn) {
    if (held_here()) {  // joined: errors go to the outer call as they are (it retries or converts)
      Lease lease(*this);
      return fn(*lease.conn);
    }
    try {
      Lease lease(*this);
      return fn(*lease.conn);
    } catch (const PgError& e) {
      count(e);
      if (e.is_unavailable()) throw StorageUnavailable(e.what());
      throw;
    }
  }

  // BEGIN; fn(conn); COMMIT, run again (after a short, growing, jittered pause) when it fails
  // with a serialization failure, a deadlock, or a connection lost before COMMIT was sent, up to
  // `attempts` tries. Inside another transaction of this pool on this thread, `fn` joins it (no
  // BEGIN, no retry: the outer one commits, retries or rolls back). A connection lost during COMMIT is not retried: the
  // outcome is unknown. Past the budget: StorageUnavailable when PostgreSQL cannot serve, else the PgError. `fn` must
  // do nothing outside the database that it cannot do twice.
  template <class F>
  std::invoke_result_t<F&, Pg&> transaction(F&& fn) {
    if (held_here()) {  // inside this thread's transaction: part of it, its errors the outer's
      Lease lease(*this);
      return fn(*lease.conn);
    }
    for (int attempt = 1;; ++attempt) {
      try {
        Lease lease(*this);
        lease.conn->exec("BEGIN");
        if constexpr (std::is_void_v<std::invoke_result_t<F&, Pg&>>) {
          try {
            fn(*lease.conn);
          } catch (...) {
            lease.rollback();
            throw;
          }
          lease.commit();
          return;
        } else {
          std::optional<std::invoke_result_t<F&, Pg&>> out;
          try {
            out.emplace(fn(*lease.conn));
          } catch (...) {
            lease.rollback();
            throw;
          }
          lease.commit();
          return std::move(*out);
        }
      } catch (const PgError& e) {
        count(e);
        if (retry_after(e, attempt)) continue;
        if (e.is_unavailable()) throw StorageUnavailable(e.what());
        throw;
      }
    }
  }

  int size() const { return settings_.size; }
  const std::string& url() const { return settings_.url; }
  // Connections open now (lent or idle).
  int open() const;

 private:
  struct Lease {
    explicit Lease(PgPool& p);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    void commit();
    void rollback() noexcept;
    PgPool& pool;
    std::unique_ptr<Pg> owned;  // empty when joined
    Pg* conn = nullptr;
    bool joined = false;  // this thread already held a connection of the pool: that one
  };
  bool retry_after(const PgError& e, int attempt);
  void count(const PgError& e) const;  // settings_.on_error
  std::unique_ptr<Pg> take();
  void give_back(std::unique_ptr<Pg> c);

  PgPoolSettings settings_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Pg>> idle_;
  int open_ = 0;
};

// A text[] literal of `values` ({"a","b\"c"}), for one array parameter instead of one per value.
std::string text_array(const std::vector<std::string>& values);

// Inside a transaction on `c`: a transaction-scoped advisory lock per name, held until it ends,
// taken in one global order (by the name's 64-bit hash) whoever asks, so that two transactions
// that each lock several names wait for each other but never deadlock over them. Locks already
// held by this transaction are taken again at no cost.
void lock_names(Pg& c, const std::vector<std::string>& names);

// "postgres://..." or "postgresql://...": the database setting names PostgreSQL.
bool is_postgres_url(std::string_view s);

}  // namespace arena::storage
