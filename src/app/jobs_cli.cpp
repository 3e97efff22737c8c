// Operators' commands on the database: `arena jobs` (the job queue) and `arena events tail` (the
// game events as they are written): in this data dir's SQLite, or in the cluster's PostgreSQL
// when the setting 'database' names it.
#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <iostream>
#include <thread>

#include "arena/app/app.hpp"
#include "arena/events/store.hpp"
#include "arena/jobs/postgres_store.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::app {
namespace json = boost::json;

namespace {

std::string when(const std::optional<std::int64_t>& ms) {
  return ms ? std::to_string(*ms) : std::string("-");
}

void print_row(const jobs::Job& j) {
  std::cout << j.id << "\t" << jobs::name(j.state) << "\t" << j.queue << "\t" << j.kind << "\t" << j.attempt << "/"
            << j.max_attempts << "\t" << j.run_at << "\t" << (j.last_error.empty() ? "-" : j.last_error.substr(0, 80))
            << "\n";
}

// The settings' database, brought up to date: one of the two is set.
struct Database {
  std::unique_ptr<storage::Sqlite> db;
  std::unique_ptr<storage::PgPool> pool;
};

Database open_database(const config::Settings& settings) {
  Database d;
  if (!settings.database.empty()) {
    storage::migrate_up(settings.database, storage::postgres_migrations(), core::SystemClock().now_unix());
    d.pool = std::make_unique<storage::PgPool>(storage::PgPoolSettings{.url = settings.database, .size = 1});
  } else {
    d.db = storage::Sqlite::open(std::filesystem::path(settings.data_dir) / "arena.db");
    storage::migrate_up(*d.db, storage::sqlite_migrations(), core::SystemClock().now_unix());
  }
  return d;
}

// The store of the open database: `OnPg` over the pool, else `OnSqlite` over the file.
template <class Store, class OnPg, class OnSqlite>
std::unique_ptr<Store> store_of(const Database& d) {
  if (d.pool) return std::make_unique<OnPg>(*d.pool);
  return std::make_unique<OnSqlite>(*d.db);
}

std::atomic<bool> interrupted{false};

}  // namespace

int events_tail(const config::Settings& settings, const EventsTail& cmd) {
  const auto d = open_database(settings);
  const auto store = store_of<events::EventStore, events::PgEventStore, events::SqliteEventStore>(d);
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  const core::SystemClock clock;
  const auto end = cmd.seconds > 0 ? clock.now_unix_ms() + cmd.seconds * 1000LL : INT64_MAX;
  // From --since (unix ms), else from now; then after the last id printed (ids order by time).
  events::Query q{.type = cmd.type, .since_ms = cmd.since.value_or(clock.now_unix_ms()), .limit = 1000};
  while (!interrupted) {
    const auto rows = store->query(q);
    for (const auto& e : rows) std::cout << events::encode(e) << "\n";
    std::cout.flush();
    if (!rows.empty()) q.after_id = rows.back().id;
    if (static_cast<int>(rows.size()) == q.limit) continue;  // more waiting: no pause
    if (clock.now_unix_ms() >= end) break;
    for (int slept = 0; slept < cmd.interval_ms && !interrupted; slept += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

int jobs_command(const config::Settings& settings, const JobsCommand& cmd) {
  const auto d = open_database(settings);
  const auto owned = store_of<jobs::JobStore, jobs::PostgresJobStore, jobs::SqliteJobStore>(d);
  jobs::JobStore& store = *owned;
  const auto now = core::SystemClock().now_unix_ms();
  auto state = [&]() -> std::optional<jobs::State> {
    if (cmd.state.empty()) return std::nullopt;
    auto s = jobs::state_named(cmd.state);
    if (!s) throw std::invalid_argument("--state: one of available, running, retryable, completed, dead, cancelled");
    return s;
  };
  if (cmd.action == "list") {
    const auto rows =
        store.list({.state = state(), .queue = cmd.queue, .kind = cmd.kind, .after_id = cmd.after, .limit = cmd.limit});
    std::cout << "id\tstate\tqueue\tkind\tattempt\trun_at_ms\tlast_error\n";
    for (const auto& j : rows) print_row(j);
    for (const auto& [s, n] : store.counts())
      std::cout << (s == jobs::State::available ? "# all jobs: " : ", ") << name(s) << " " << n;
    std::cout << "\n";
    return 0;
  }
  if (cmd.action == "purge") {
    const auto s = state();
    if (!s) throw std::invalid_argument("purge needs --state dead, cancelled or completed");
    std::cout << "purged " << store.purge(*s) << " " << name(*s) << " job(s)\n";
    return 0;
  }
  if (cmd.id <= 0) throw std::invalid_argument(cmd.action + " needs a job id");
  if (cmd.action == "show") {
    const auto j = store.get(cmd.id);
    if (!j) {
      std::cerr << "arena: no job " << cmd.id << "\n";
      return 2;
    }
    json::object o{{"id", j->id},
                   {"kind", j->kind},
                   {"queue", j->queue},
                   {"state", jobs::name(j->state)},
                   {"priority", j->priority},
                   {"attempt", j->attempt},
                   {"max_attempts", j->max_attempts},
                   {"run_at", j->run_at},
                   {"created_at", j->created_at},
                   {"started_at", when(j->started_at)},
                   {"finished_at", when(j->finished_at)},
                   {"lease_until", when(j->lease_until)},
                   {"epoch", j->epoch},
                   {"worker", j->worker},
                   {"last_error", j->last_error},
                   {"idempotency_key", j->idempotency_key}};
    boost::system::error_code ec;
    const auto args = json::parse(j->args, ec);
    o["args"] = ec ? json::value(j->args) : args;
    std::cout << json::serialize(o) << "\n";
    return 0;
  }
  if (cmd.action == "retry") {
    if (!store.retry(cmd.id, now)) {
      std::cerr << "arena: job " << cmd.id
                << " is not dead, cancelled or retryable, or another job holds its idempotency key\n";
      return 2;
    }
    std::cout << "job " << cmd.id << " runs again\n";
    return 0;
  }
  if (cmd.action == "cancel") {
    if (!store.cancel(cmd.id, now)) {
      std::cerr << "arena: job " << cmd.id << " has already finished (or does not exist)\n";
      return 2;
    }
    std::cout << "job " << cmd.id << " cancelled\n";
    return 0;
  }
  throw std::invalid_argument("unknown jobs action " + cmd.action);
}

}  // namespace arena::app
