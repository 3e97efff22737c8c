#include "arena/storage/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

namespace arena::storage {

bool PgError::is_unavailable() const {
  // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now;
  // 53300: too many connections.
  return kind_ != Kind::query || sqlstate_.rfind("08", 0) == 0 || sqlstate_ == "57P01" || sqlstate_ == "57P02" ||
         sqlstate_ == "57P03" || sqlstate_ == "53300";
}

PgResult::~PgResult() {
  PQclear(r_);
}

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const {
  return PQntuples(r_);
}

int PgResult::affected() const {
  const char* n = PQcmdTuples(r_);
  int out = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

bool PgResult::is_null(int row, int col) const {
  return PQgetisnull(r_, row, col) != 0;
}

std::string_view PgResult::view(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

std::string PgResult::text(int row, int col) const {
  return std::string(view(row, col));
}

std::int64_t PgResult::int64(int row, int col) const {
  const auto v = view(row, col);
  std::int64_t out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double PgResult::real(int row, int col) const {
  const auto v = view(row, col);
  double out = 0;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

bool PgResult::boolean(int row, int col) const {
  const auto v = view(row, col);
  return !v.empty() && v[0] == 't';
}

std::optional<std::string> PgResult::optional_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::optional<std::int64_t> PgResult::optional_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

void PgParams::add(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
  values_.emplace_back(std::string(buf, r.ptr));
}

std::unique_ptr<Pg> Pg::connect(const std::string& url, std::chrono::seconds timeout) {
  const std::string t = std::to_string(std::max<std::int64_t>(1, timeout.count()));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), t.c_str(), "arena", nullptr};
  pg_conn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) throw PgError(PgError::Kind::connection, "08001", "postgres: out of memory connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(c);
    throw PgError(PgError::Kind::connection, "08001", "postgres: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // notices are not errors (errors come as results)
  return std::unique_ptr<Pg>(new Pg(c));
}

bool Pg::alive() {
  // An idle connection has nothing to read. A server that shut down or restarted has sent it a
  // FATAL message and closed it: readable (or hung up). Such a connection is not lent. (A
  // healthy one with something unasked-for to read is dropped too: a reconnect, no harm.)
  if (PQstatus(c_) != CONNECTION_OK) return false;
  pollfd p{PQsocket(c_), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

Pg::~Pg() {
  PQfinish(c_);
}

bool Pg::ok() const {
  return PQstatus(c_) == CONNECTION_OK;
}

bool Pg::idle() const {
  return PQtransactionStatus(c_) == PQTRANS_IDLE;
}

void Pg::fail(pg_result* r, std::string_view what) {
  const char* field = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = field != nullptr ? field : "";
  std::string msg = r != nullptr ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(c_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  PQclear(r);
  const bool broken = PQstatus(c_) != CONNECTION_OK;
  throw PgError(broken ? PgError::Kind::connection : PgError::Kind::query,
                !state.empty() ? state : (broken ? "08006" : ""), "postgres: " + std::string(what) + ": " + msg);
}

PgResult Pg::run(std::string_view sql, const PgParams& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    pg_result* r = PQprepare(c_, name.c_str(), std::string(sql).c_str(), 0, nullptr);
    if (r == nullptr || PQresultStatus(r) != PGRES_COMMAND_OK) fail(r, "prepare");
    PQclear(r);
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  const auto& vals = params.values();
  std::vector<const char*> ptrs(vals.size());
  for (std::size_t i = 0; i < vals.size(); ++i) ptrs[i] = vals[i] ? vals[i]->c_str() : nullptr;
  pg_result* r = PQexecPrepared(c_, it->second.c_str(), static_cast<int>(ptrs.size()), ptrs.data(), nullptr, nullptr,
                                /*text results*/ 0);
  const auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, "query");
  return PgResult(r);
}

void Pg::exec(std::string_view sql) {
  pg_result* r = PQexec(c_, std::string(sql).c_str());
  const auto status = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r, "exec");
  PQclear(r);
}

PgPool::PgPool(PgPoolSettings settings) : settings_(std::move(settings)) {
  settings_.size = std::max(1, settings_.size);
  settings_.attempts = std::max(1, settings_.attempts);
}

PgPool::~PgPool() = default;

int PgPool::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

std::unique_ptr<Pg> PgPool::take() {
  const auto deadline = std::chrono::steady_clock::now() + settings_.wait;
  for (;;) {
    std::unique_ptr<Pg> c;
    {
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < settings_.size; }))
        throw PgError(PgError::Kind::unavailable, "53300",
                      "postgres: no free connection within " + std::to_string(settings_.wait.count()) +
                          " ms (pool of " + std::to_string(settings_.size) + ")");
      if (idle_.empty()) {
        ++open_;  // a slot for the connection made below, outside the lock
      } else {
        c = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (c) {
      if (c->alive()) return c;
      {  // closed by the server while idle (a restart): dropped, never lent
        std::lock_guard lock(mu_);
        --open_;
      }
      cv_.notify_one();
      continue;
    }
    try {
      return Pg::connect(settings_.url, settings_.connect_timeout);
    } catch (...) {
      {
        std::lock_guard lock(mu_);
        --open_;
      }
      cv_.notify_one();
      throw;
    }
  }
}

void PgPool::give_back(std::unique_ptr<Pg> c) {
  if (c && c->ok() && !c->idle()) {  // left inside a transaction (a caller threw): end it here
    try {
      c->exec("ROLLBACK");
    } catch (...) {
    }
    if (!c->idle()) c.reset();
  }
  {
    std::lock_guard lock(mu_);
    if (c && c->ok()) {
      idle_.push_back(std::move(c));
    } else {
      --open_;  // a broken connection is closed; the next take() makes a new one
    }
  }
  cv_.notify_one();
}

namespace {
// The connections this thread holds, by pool: a nested with() or transaction() lends the same.
thread_local std::vector<std::pair<const PgPool*, Pg*>> tl_held;
}  // namespace

bool PgPool::held_here() const {
  return std::any_of(tl_held.begin(), tl_held.end(), [this](const auto& h) { return h.first == this; });
}

PgPool::Lease::Lease(PgPool& p) : pool(p) {
  for (const auto& [held_pool, held] : tl_held)
    if (held_pool == &p) {
      conn = held, joined = true;
      return;
    }
  owned = p.take();
  conn = owned.get();
  tl_held.emplace_back(&p, conn);
}

PgPool::Lease::~Lease() {
  if (joined) return;
  std::erase_if(tl_held, [&](const auto& h) { return h.second == conn; });
  pool.give_back(std::move(owned));
}

void PgPool::Lease::commit() {
  try {
    conn->exec("COMMIT");
  } catch (const PgError& e) {
    if (e.kind() == PgError::Kind::connection)  // sent or not, we cannot know whether it committed
      throw PgError(PgError::Kind::connection, "08007", std::string(e.what()) + " (during COMMIT: outcome unknown)");
    throw;
  }
}

void PgPool::Lease::rollback() noexcept {
  try {
    if (conn->ok()) conn->exec("ROLLBACK");
  } catch (...) {  // the connection is then broken and is closed when it comes back
  }
}

void PgPool::count(const PgError& e) const {
  if (!settings_.on_error) return;
  settings_.on_error(e.kind() == PgError::Kind::connection ? "connection"
                     : e.is_unavailable()                  ? "unavailable"
                     : e.is_retryable()                    ? "conflict"
                                                           : "query");
}

bool PgPool::retry_after(const PgError& e, int attempt) {
  if (attempt >= settings_.attempts) return false;
  if (e.sqlstate() == "08007") return false;  // a COMMIT with an unknown outcome is never repeated
  if (!e.is_retryable() && e.kind() != PgError::Kind::connection) return false;
  thread_local std::minstd_rand rng(std::random_device{}());
  const auto base = settings_.retry_backoff.count() << (attempt - 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(base / 2 + static_cast<std::int64_t>(rng() % (base + 1))));
  return true;
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char ch : v) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

void lock_names(Pg& c, const std::vector<std::string>& names) {
  if (names.empty()) return;
  // Sorted in a subquery, locked in that order by the outer one.
  c.query(
      "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(n, 0) AS h FROM unnest($1::text[]) AS n "
      "ORDER BY h) AS ordered",
      text_array(names));
}

bool is_postgres_url(std::string_view s) {
  return s.rfind("postgres://", 0) == 0 || s.rfind("postgresql://", 0) == 0;
}

}  // namespace arena::storage
