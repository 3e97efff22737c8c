#include "arena/storage/sqlite.hpp"

#include <sqlite3.h>

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <thread>

namespace arena::storage {

bool SqliteError::is_constraint() const {
  return (code_ & 0xff) == SQLITE_CONSTRAINT;
}

bool SqliteError::ends_transaction() const {
  switch (code_ & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_NOMEM:
    case SQLITE_CORRUPT: return true;
    default: return false;
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::check(int rc) const {
  if (rc != SQLITE_OK) throw SqliteError(rc, std::string("sqlite: ") + sqlite3_errmsg(db_));
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind_one(int i, std::int64_t v) {
  check(sqlite3_bind_int64(stmt_, i, v));
}
void Statement::bind_one(int i, double v) {
  check(sqlite3_bind_double(stmt_, i, v));
}
void Statement::bind_one(int i, std::string_view v) {
  check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
}
void Statement::bind_one(int i, std::nullopt_t) {
  check(sqlite3_bind_null(stmt_, i));
}
void Statement::bind_one(int i, const std::optional<std::string>& v) {
  if (v) {
    bind_one(i, std::string_view(*v));
  } else {
    bind_one(i, std::nullopt);
  }
}
void Statement::bind_one(int i, const std::optional<std::int64_t>& v) {
  if (v) {
    bind_one(i, *v);
  } else {
    bind_one(i, std::nullopt);
  }
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = std::string("sqlite: ") + sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw SqliteError(sqlite3_extended_errcode(db_), msg);
}

int Statement::exec() {
  while (step()) {
  }
  return sqlite3_changes(db_);
}

void Statement::reset_if_busy() {
  if (sqlite3_stmt_busy(stmt_) != 0) sqlite3_reset(stmt_);
}

void Sqlite::reset_busy() {
  for (auto& [sql, st] : cache_) st->reset_if_busy();
}

bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
double Statement::real(int col) const {
  return sqlite3_column_double(stmt_, col);
}
std::int64_t Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col));
}
std::optional<std::string> Statement::optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
std::optional<std::int64_t> Statement::optional_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return int64(col);
}

std::unique_ptr<Sqlite> Sqlite::open(const std::filesystem::path& path) {
  // Before SQLite's first use in the process: no memory statistics. They cost a global mutex on
  // every allocation, which every connection's threads then contend for (~10 % of a write-heavy
  // transaction). A later call (SQLite already initialised) is refused, harmlessly.
  static const int no_memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)no_memstatus;
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw SqliteError(rc, "cannot open " + path.string() + ": " + msg);
  }
  std::unique_ptr<Sqlite> out(new Sqlite(db, path));
  sqlite3_busy_timeout(db, 5000);
  out->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
      "PRAGMA mmap_size=268435456; PRAGMA cache_size=-65536;");
  return out;
}

class Sqlite::Checkpointer {
 public:
  Checkpointer(const std::filesystem::path& path, int pages) : pages_(pages) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw SqliteError(rc, "cannot open " + path.string() + " to checkpoint: " + msg);
    }
    sqlite3_busy_timeout(db_, 0);  // PASSIVE takes no lock that it waits for
    // (A checkpoint on a connection that has not read the database yet fails as "not in WAL
    // mode": run() reads it first.)
    thread_ = std::thread([this] { run(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
    sqlite3_close_v2(db_);
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // SQLite's WAL hook: called on the writer's thread after each commit, with the WAL's size.
  // The WAL only starts over when a write begins with every frame copied back, which a writer
  // that never pauses does not give the checkpointer's thread time for. So once the WAL holds
  // 8 × `pages`, the writer copies what is left itself (the thread has copied the rest), and
  // its next write starts the WAL over. (4 × made rating jobs 10 % slower; 16 × gained nothing.)
  static int on_commit(void* self, sqlite3* writer, const char* schema, int wal_pages) {
    auto& c = *static_cast<Checkpointer*>(self);
    if (wal_pages >= 8 * c.pages_) {
      sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (wal_pages >= c.pages_) {
      {
        std::lock_guard lock(c.mu_);
        c.due_ = true;
      }
      c.cv_.notify_one();
    }
    return SQLITE_OK;
  }

 private:
  void run() {
    pthread_setname_np(pthread_self(), "sqlite-ckpt");
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || due_; });
      if (stopping_) return;
      due_ = false;
      lock.unlock();
      if (!opened_) opened_ = sqlite3_exec(db_, "PRAGMA journal_mode", nullptr, nullptr, nullptr) == SQLITE_OK;
      // PASSIVE copies what is committed without blocking anyone (SQLite's own RESTART would
      // wait for a moment with no writer, which a busy writer never leaves). SQLITE_BUSY and
      // I/O errors alike: the next commit asks again.
      int frames = 0;
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, nullptr);
      if (frames < 0) opened_ = false;  // it failed: read the database again next time
      lock.lock();
    }
  }

  const int pages_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stopping_ = false;
  bool opened_ = false;  // this connection has read the database (and knows it is in WAL mode)
  std::thread thread_;
};

Sqlite::Sqlite(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}

void Sqlite::checkpoint_in_background(int pages) {
  std::lock_guard lock(mu_);
  if (checkpointer_) return;
  checkpointer_ = std::make_unique<Checkpointer>(path_, std::max(1, pages));
  sqlite3_wal_hook(db_, &Checkpointer::on_commit, checkpointer_.get());  // replaces the autocheckpoint
}

Sqlite::~Sqlite() {
  if (checkpointer_) sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
  cache_.clear();
  sqlite3_close_v2(db_);
}

Statement& Sqlite::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return *it->second;
  sqlite3_stmt* stmt = nullptr;
  // The text is read here and copied into the cache below, within the call: a caller's temporary
  // (a multi-row statement's text, storage::for_rows) outlives it. cppcheck 2.10 thinks otherwise.
  const auto size = static_cast<int>(sql.size());
  // cppcheck-suppress [danglingTemporaryLifetime, invalidLifetime]
  const int rc = sqlite3_prepare_v3(db_, sql.data(), size, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw SqliteError(rc, std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
  auto& slot = cache_[std::string(sql)];
  slot = std::make_unique<Statement>(db_, stmt);
  return *slot;
}

void Sqlite::exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, "sqlite: " + msg);
  }
}

bool Sqlite::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

std::string RowsSql::text(std::size_t n) const {
  std::string sql;
  sql.reserve(head.size() + n * (row.size() + 2) + tail.size());
  sql += head;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) sql += ", ";
    sql += row;
  }
  sql += tail;
  return sql;
}

Transaction::Transaction(Sqlite& db) : db_(db), joined_(db.in_transaction()) {
  if (!joined_) db_.prepare("BEGIN IMMEDIATE").exec();
}

Transaction::~Transaction() {
  if (!done_ && !joined_) {
    try {
      db_.prepare("ROLLBACK").exec();
    } catch (...) {  // nothing sensible to do in a destructor; the connection reports it next use
    }
  }
}

void Transaction::commit() {
  if (!joined_) db_.prepare("COMMIT").exec();
  done_ = true;
}

Savepoint::Savepoint(Sqlite& db) : db_(db) {
  db_.prepare("SAVEPOINT part").exec();
}

Savepoint::~Savepoint() {
  if (!done_) {
    try {
      db_.prepare("ROLLBACK TO part").exec();
      db_.prepare("RELEASE part").exec();
    } catch (...) {  // as in ~Transaction
    }
  }
}

void Savepoint::release() {
  db_.prepare("RELEASE part").exec();
  done_ = true;
}

}  // namespace arena::storage
