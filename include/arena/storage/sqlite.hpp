#pragma once
// A thin, safe wrapper over one SQLite connection (WAL mode). One connection serves the whole
// process in embedded mode; `with()` serialises access, and statements are prepared once and
// cached by their SQL text.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace arena::storage {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  bool is_constraint() const;
  // An error that SQLite may answer by rolling back the whole transaction (disk full, I/O,
  // busy, out of memory, corruption): a savepoint cannot contain it.
  bool ends_transaction() const;

 private:
  int code_;
};

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds parameters 1..n in order; resets the statement first.
  template <class... Args>
  Statement& bind(const Args&... args) {
    reset();
    int i = 1;
    (bind_one(i++, args), ...);
    return *this;
  }
  // For statements bound a part at a time (multi-row ones, for_rows()): start() resets and
  // clears the bindings, bind_at() binds one parameter.
  Statement& start() {
    reset();
    return *this;
  }
  template <class T>
  Statement& bind_at(int i, const T& v) {
    bind_one(i, v);
    return *this;
  }
  // Steps once: true when a row is available.
  bool step();
  // Runs to completion (for writes); returns the number of rows changed.
  int exec();

  void reset_if_busy();
  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  double real(int col) const;
  std::string text(int col) const;
  std::optional<std::string> optional_text(int col) const;
  std::optional<std::int64_t> optional_int64(int col) const;

 private:
  void reset();
  void bind_one(int i, std::int64_t v);
  void bind_one(int i, int v) { bind_one(i, static_cast<std::int64_t>(v)); }
  void bind_one(int i, bool v) { bind_one(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  void bind_one(int i, double v);
  void bind_one(int i, std::string_view v);
  void bind_one(int i, const std::string& v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind_one(i, std::string_view(v)); }
  void bind_one(int i, std::nullopt_t);
  void bind_one(int i, const std::optional<std::string>& v);
  void bind_one(int i, const std::optional<std::int64_t>& v);
  void check(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Sqlite {
 public:
  // Opens (creating) the database file, with WAL, foreign keys and a busy timeout.
  static std::unique_ptr<Sqlite> open(const std::filesystem::path& path);
  ~Sqlite();
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  // Runs `fn(Sqlite&)` with exclusive use of the connection.
  // Statements left mid-result are reset when the outermost with() returns, so no read
  // snapshot outlives the call.
  template <class F>
  decltype(auto) with(F&& fn) {
    std::lock_guard lock(mu_);
    struct Depth {
      Sqlite& db;
      explicit Depth(Sqlite& d) : db(d) { ++db.depth_; }
      ~Depth() {
        if (--db.depth_ == 0) db.reset_busy();
      }
    } depth(*this);
    return fn(*this);
  }

  Statement& prepare(std::string_view sql);  // cached; call inside with()
  void exec(std::string_view sql);           // one or more statements, no results
  const std::filesystem::path& path() const { return path_; }
  bool in_transaction() const;  // a transaction is open on the connection (call inside with())

  // For the connection that writes: WAL checkpoints (copying committed pages back into the
  // database file, which SQLite otherwise does inside the commit that crosses 1,000 WAL pages)
  // move to a thread with a connection of its own, woken when a commit leaves `pages` or more
  // in the WAL. Its checkpoints are PASSIVE: they block no writer or reader. Once the WAL holds
  // 8 × `pages`, the writer copies the few frames the thread has not (so that its next write
  // can start the WAL over, which needs every frame copied).
  void checkpoint_in_background(int pages = 1000);

 private:
  class Checkpointer;
  Sqlite(sqlite3* db, std::filesystem::path path);
  void reset_busy();
  int depth_ = 0;
  sqlite3* db_;
  std::filesystem::path path_;
  std::recursive_mutex mu_;
  struct SqlHash {  // looks statements up by a string_view: no copy of the SQL per prepare()
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> cache_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

// One statement for many rows: `head` + `row`, `row`, ... + `tail` over `count` rows, in chunks
// of up to 64 rows (each chunk size's text prepared once), where `row` is the text of one row's
// parameters: "(?, ?, ?)" for a VALUES list, "?" for an IN list. Per chunk, `bind_head(st)` binds
// the head's own parameters (from 1), `bind(st, row_index, first)` one row's from `first` on
// (bind_at), and `each(st)` sees every result row (a SELECT's, or RETURNING's). Call inside
// with(). Chunks run one after another, in the rows' order.
struct RowsSql {
  std::string_view head, row, tail;
  std::string text(std::size_t rows) const;  // the statement for `rows` rows
};
template <class BindHead, class Bind, class Each>
void for_rows(Sqlite& c, const RowsSql& sql, std::size_t count, BindHead&& bind_head, Bind&& bind, Each&& each) {
  const auto params = [](std::string_view t) { return static_cast<int>(std::count(t.begin(), t.end(), '?')); };
  const int first = 1 + params(sql.head), width = params(sql.row);
  std::size_t done = 0;
  while (done < count) {
    std::size_t n = 64;
    while (n > count - done) n /= 2;  // 64, 32, ..., 1: at most seven texts
    auto& st = c.prepare(sql.text(n)).start();
    bind_head(st);
    for (std::size_t i = 0; i < n; ++i) bind(st, done + i, first + static_cast<int>(i) * width);
    while (st.step()) each(st);
    done += n;
  }
}
template <class BindHead, class Bind>
void for_rows(Sqlite& c, const RowsSql& sql, std::size_t count, BindHead&& bind_head, Bind&& bind) {
  for_rows(c, sql, count, std::forward<BindHead>(bind_head), std::forward<Bind>(bind), [](Statement&) {});
}

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed. Use inside Sqlite::with(). Inside a
// transaction that is open already on the connection (a job's effects inside the store's group
// commit), it joins it: no BEGIN, commit() does nothing, and a failure propagates to the outer
// one, which rolls back (as PgPool::transaction joins a transaction of its thread).
class Transaction {
 public:
  explicit Transaction(Sqlite& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Sqlite& db_;
  bool joined_;
  bool done_ = false;
};

// SAVEPOINT ... RELEASE inside a transaction: a part that can be undone alone (ROLLBACK TO when
// not released), leaving the rest of the transaction as it was. Use inside Sqlite::with().
class Savepoint {
 public:
  explicit Savepoint(Sqlite& db);
  ~Savepoint();
  Savepoint(const Savepoint&) = delete;
  Savepoint& operator=(const Savepoint&) = delete;
  void release();

 private:
  Sqlite& db_;
  bool done_ = false;
};

}  // namespace arena::storage
