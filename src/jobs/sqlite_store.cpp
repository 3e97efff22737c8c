#include "arena/jobs/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "arena/storage/sqlite.hpp"

namespace arena::jobs {

namespace {

constexpr std::array<std::string_view, 6> kStateNames{"available", "running", "retryable",
                                                      "completed", "dead",    "cancelled"};

constexpr const char* kColumns =
    "id, kind, queue, args, priority, state, attempt, max_attempts, run_at, created_at, started_at, finished_at, "
    "lease_until, epoch, worker, last_error, idempotency_key";

Job read_job(storage::Statement& st) {
  Job j;
  j.id = st.int64(0);
  j.kind = st.text(1);
  j.queue = st.text(2);
  j.args = st.text(3);
  j.priority = static_cast<int>(st.int64(4));
  j.state = state_named(st.text(5)).value_or(State::available);
  j.attempt = static_cast<int>(st.int64(6));
  j.max_attempts = static_cast<int>(st.int64(7));
  j.run_at = st.int64(8);
  j.created_at = st.int64(9);
  j.started_at = st.optional_int64(10);
  j.finished_at = st.optional_int64(11);
  j.lease_until = st.optional_int64(12);
  j.epoch = st.int64(13);
  j.worker = st.optional_text(14).value_or("");
  j.last_error = st.optional_text(15).value_or("");
  j.idempotency_key = st.optional_text(16).value_or("");
  return j;
}

std::optional<std::string> key_of(const JobSpec& spec) {
  if (spec.idempotency_key.empty()) return std::nullopt;
  return spec.idempotency_key;
}

}  // namespace

std::string_view name(State s) {
  return kStateNames[static_cast<std::size_t>(s)];
}

std::optional<State> state_named(std::string_view s) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == s) return static_cast<State>(i);
  return std::nullopt;
}

void check_spec(const JobSpec& spec) {
  if (spec.kind.empty() || spec.queue.empty() || spec.max_attempts < 1)
    throw std::invalid_argument("a job needs a kind, a queue and max_attempts >= 1");
}

void JobStore::heartbeat(const Lease& lease, std::int64_t now, std::int64_t lease_ms) {
  if (!heartbeat_all({lease}, now, lease_ms).empty())
    throw LeaseLost("job " + std::to_string(lease.job.id) + ": the lease is no longer held");
}

std::int64_t Backoff::ceiling(int attempt) const {
  std::int64_t d = base_ms;
  for (int i = 1; i < attempt && d < cap_ms; ++i) d *= 2;
  return std::min(d, cap_ms);
}

std::optional<std::int64_t> SqliteJobStore::enqueue_in(storage::Sqlite& c, const JobSpec& spec, std::int64_t now) {
  check_spec(spec);
  // ?8 twice: the key a job is enqueued with is also the key it holds (migration 0010).
  auto& st = c.prepare(
      "INSERT INTO jobs (kind, queue, args, priority, state, max_attempts, run_at, created_at, idempotency_key, "
      "held_key) VALUES (?, ?, ?, ?, 'available', ?, ?, ?, ?8, ?8) "
      "ON CONFLICT (held_key) WHERE held_key IS NOT NULL DO NOTHING RETURNING id");
  st.bind(spec.kind, spec.queue, spec.args, spec.priority, spec.max_attempts, spec.run_at > 0 ? spec.run_at : now, now,
          key_of(spec));
  if (!st.step()) return std::nullopt;
  const auto id = st.int64(0);
  st.reset_if_busy();
  return id;
}

std::optional<std::int64_t> SqliteJobStore::enqueue(const JobSpec& spec, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) { return enqueue_in(c, spec, now); });
}

std::vector<Lease> SqliteJobStore::claim(const std::string& queue, const std::string& worker, int limit,
                                         std::int64_t now, std::int64_t lease_ms) {
  std::vector<Lease> out;
  if (limit <= 0) return out;
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare(std::string("UPDATE jobs SET state = 'running', attempt = attempt + 1, epoch = epoch + 1, "
                                     "worker = ?, started_at = ?, lease_until = ? WHERE id IN (SELECT id FROM jobs "
                                     "WHERE queue = ? AND state IN ('available', 'retryable') AND run_at <= ? "
                                     "ORDER BY priority, run_at, id LIMIT ?) RETURNING ") +
                         kColumns);
    st.bind(worker, now, now + lease_ms, queue, now, limit);
    while (st.step()) {
      Job j = read_job(st);
      out.push_back({j, j.epoch});
    }
    tx.commit();
  });
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) {
    return std::tie(a.job.priority, a.job.run_at, a.job.id) < std::tie(b.job.priority, b.job.run_at, b.job.id);
  });
  return out;
}

std::vector<std::int64_t> SqliteJobStore::heartbeat_all(const std::vector<Lease>& leases, std::int64_t now,
                                                        std::int64_t lease_ms) {
  std::vector<std::int64_t> lost;
  if (leases.empty()) return lost;
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare("UPDATE jobs SET lease_until = ? WHERE id = ? AND epoch = ? AND state = 'running'");
    for (const auto& l : leases)
      if (st.bind(now + lease_ms, l.job.id, l.epoch).exec() == 0) lost.push_back(l.job.id);
    tx.commit();
  });
  return lost;
}

namespace {

// The completed row, counted only with the lease's epoch while the job runs: 1, or 0 when lost.
int mark_completed(storage::Sqlite& c, const Lease& lease, std::int64_t now) {
  return c
      .prepare(
          "UPDATE jobs SET state = 'completed', finished_at = ?, lease_until = NULL, last_error = NULL "
          "WHERE id = ? AND epoch = ? AND state = 'running'")
      .bind(now, lease.job.id, lease.epoch)
      .exec();
}

// Runs one job's own effects in a savepoint: false, with `out` saying why, when they threw (and
// were undone). An error that ends the transaction propagates.
bool effects_alone(storage::Sqlite& c, const Completion& job, CompletionResult& out) {
  if (!job.effects) return true;
  storage::Savepoint part(c);
  try {
    job.effects();
    part.release();
    return true;
  } catch (const storage::SqliteError& e) {
    if (e.ends_transaction()) throw;  // the transaction itself failed: none complete
    out = {Completed::effects_failed, e.what()};
  } catch (const std::exception& e) {
    out = {Completed::effects_failed, e.what()};
  }
  return false;
}

// A batch's apply() threw: the group's transaction is rolled back and done again, job by job.
struct ApartAgain {};

bool in_a_batch(const Completion& job) {
  return job.batch != nullptr && job.part;
}

}  // namespace

void SqliteJobStore::complete(const Lease& lease, std::int64_t now, const std::function<void()>& effects) {
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    if (mark_completed(c, lease, now) == 0)
      throw LeaseLost("job " + std::to_string(lease.job.id) + ": completion refused, the lease was lost");
    if (effects) effects();
    tx.commit();
  });
}

std::vector<CompletionResult> SqliteJobStore::complete_all(const std::vector<Completion>& batch, std::int64_t now) {
  std::vector<CompletionResult> out(batch.size());
  if (batch.empty()) return out;
  if (std::any_of(batch.begin(), batch.end(), in_a_batch)) {
    try {
      complete_together(batch, now, out);
      return out;
    } catch (const ApartAgain&) {
      out.assign(batch.size(), {});
    }
  }
  db_.with([&](storage::Sqlite& c) {  // each job in a savepoint of its own
    storage::Transaction tx(c);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      storage::Savepoint part(c);
      if (mark_completed(c, batch[i].lease, now) == 0) {
        out[i].outcome = Completed::lease_lost;
        continue;  // rolled back to the savepoint
      }
      if (effects_alone(c, batch[i], out[i])) part.release();
    }
    tx.commit();
  });
  return out;
}

void SqliteJobStore::complete_together(const std::vector<Completion>& batch, std::int64_t now,
                                       std::vector<CompletionResult>& out) {
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    // Which leases still hold, in one statement (nothing else writes while this transaction does).
    std::unordered_map<std::int64_t, std::int64_t> epochs;  // id -> epoch, of running jobs
    storage::for_rows(
        c, {"SELECT id, epoch FROM jobs WHERE state = 'running' AND id IN (", "?", ")"}, batch.size(),
        [](storage::Statement&) {},
        [&](storage::Statement& st, std::size_t i, int p) { st.bind_at(p, batch[i].lease.job.id); },
        [&](storage::Statement& st) { epochs[st.int64(0)] = st.int64(1); });
    std::map<EffectsBatch*, std::vector<std::shared_ptr<void>>> parts;  // of each batch, in order
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto held = epochs.find(batch[i].lease.job.id);
      if (held == epochs.end() || held->second != batch[i].lease.epoch)
        out[i].outcome = Completed::lease_lost;
      else if (in_a_batch(batch[i]))
        parts[batch[i].batch].push_back(batch[i].part);
      else
        effects_alone(c, batch[i], out[i]);
    }
    for (const auto& [effects, its] : parts) {
      try {
        effects->apply(its);
      } catch (const storage::SqliteError& e) {
        if (e.ends_transaction()) throw;
        throw ApartAgain{};
      } catch (const std::exception&) {
        throw ApartAgain{};
      }
    }
    // The completed rows, in one statement: still running (an effect may have cancelled a job of
    // the group; then the whole group fails rather than completing it or keeping its effects).
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (out[i].outcome == Completed::yes) ids.push_back(batch[i].lease.job.id);
    std::size_t marked = 0;
    storage::for_rows(
        c,
        {"UPDATE jobs SET state = 'completed', finished_at = ?, lease_until = NULL, last_error = NULL "
         "WHERE state = 'running' AND id IN (",
         "?", ") RETURNING id"},
        ids.size(), [&](storage::Statement& st) { st.bind_at(1, now); },
        [&](storage::Statement& st, std::size_t i, int p) { st.bind_at(p, ids[i]); },
        [&](storage::Statement&) { ++marked; });
    if (marked != ids.size()) throw std::logic_error("a job of the group stopped running during its group commit");
    tx.commit();
  });
}

State SqliteJobStore::fail(const Lease& lease, const std::string& error, std::int64_t now, std::int64_t delay_ms) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    auto& st = c.prepare(
        "UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'retryable' END, "
        "run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE ? END, "
        "finished_at = CASE WHEN attempt >= max_attempts THEN ? ELSE NULL END, lease_until = NULL, last_error = ?, "
        "held_key = CASE WHEN attempt >= max_attempts THEN NULL ELSE held_key END "
        "WHERE id = ? AND epoch = ? AND state = 'running' RETURNING state");
    st.bind(now + delay_ms, now, error.substr(0, 2000), lease.job.id, lease.epoch);
    if (!st.step()) throw LeaseLost("job " + std::to_string(lease.job.id) + ": failure refused, the lease was lost");
    const State s = state_named(st.text(0)).value_or(State::retryable);
    st.reset_if_busy();
    tx.commit();
    return s;
  });
}

std::vector<Job> SqliteJobStore::rescue(std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    std::vector<Job> out;
    storage::Transaction tx(c);
    auto& st = c.prepare(std::string("UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE "
                                     "'retryable' END, finished_at = CASE WHEN attempt >= max_attempts THEN ? ELSE "
                                     "NULL END, run_at = ?, lease_until = NULL, last_error = 'lease expired: the "
                                     "worker stopped heartbeating', held_key = CASE WHEN attempt >= max_attempts "
                                     "THEN NULL ELSE held_key END WHERE state = 'running' AND lease_until < ? "
                                     "RETURNING ") +
                         kColumns);
    st.bind(now, now, now);
    while (st.step()) out.push_back(read_job(st));
    tx.commit();
    return out;
  });
}

std::optional<Job> SqliteJobStore::get(std::int64_t id) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Job> {
    auto& st = c.prepare(std::string("SELECT ") + kColumns + " FROM jobs WHERE id = ?").bind(id);
    if (!st.step()) return std::nullopt;
    return read_job(st);
  });
}

std::vector<Job> SqliteJobStore::list(const Filter& f) {
  return db_.with([&](storage::Sqlite& c) {
    std::vector<Job> out;
    auto& st = c.prepare(std::string("SELECT ") + kColumns +
                         " FROM jobs WHERE (? IS NULL OR state = ?) AND (? = '' OR queue = ?) AND (? = '' OR kind = ?) "
                         "AND id > ? ORDER BY id LIMIT ?");
    const std::optional<std::string> state =
        f.state ? std::optional<std::string>(std::string(name(*f.state))) : std::nullopt;
    st.bind(state, state, f.queue, f.queue, f.kind, f.kind, f.after_id, std::clamp(f.limit, 1, 10'000));
    while (st.step()) out.push_back(read_job(st));
    return out;
  });
}

bool SqliteJobStore::retry(std::int64_t id, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    return c.prepare(
                "UPDATE jobs SET state = 'available', attempt = 0, run_at = ?, finished_at = NULL, lease_until = NULL, "
                "held_key = idempotency_key WHERE id = ? AND state IN ('dead', 'cancelled', 'retryable') "
                "AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.held_key = jobs.idempotency_key AND k.id <> jobs.id)")
               .bind(now, id)
               .exec() == 1;
  });
}

bool SqliteJobStore::cancel(std::int64_t id, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    return c.prepare(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_until = NULL, held_key = NULL "
                "WHERE id = ? AND state IN ('available', 'retryable', 'running')")
               .bind(now, id)
               .exec() == 1;
  });
}

int SqliteJobStore::purge(State state) {
  if (state != State::dead && state != State::cancelled && state != State::completed)
    throw std::invalid_argument("only dead, cancelled or completed jobs are purged");
  return db_.with([&](storage::Sqlite& c) {
    return c.prepare("DELETE FROM jobs WHERE state = ?").bind(std::string(name(state))).exec();
  });
}

int SqliteJobStore::prune(std::int64_t before) {
  return db_.with([&](storage::Sqlite& c) {
    return c.prepare("DELETE FROM jobs WHERE state IN ('completed', 'cancelled') AND finished_at < ?")
        .bind(before)
        .exec();
  });
}

std::vector<std::pair<State, std::int64_t>> SqliteJobStore::counts() {
  std::vector<std::pair<State, std::int64_t>> out;
  for (std::size_t i = 0; i < kStateNames.size(); ++i) out.emplace_back(static_cast<State>(i), 0);
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT state, count(*) FROM jobs GROUP BY state");
    while (st.step())
      if (auto s = state_named(st.text(0))) out[static_cast<std::size_t>(*s)].second = st.int64(1);
  });
  return out;
}

std::optional<std::int64_t> SqliteJobStore::schedule_last_run(const std::string& schedule) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<std::int64_t> {
    auto& st = c.prepare("SELECT last_run_at FROM job_schedules WHERE name = ?").bind(schedule);
    if (!st.step()) return std::nullopt;
    return st.int64(0);
  });
}

void SqliteJobStore::enqueue_scheduled(const std::string& schedule, std::int64_t run_time, const JobSpec& spec,
                                       std::int64_t now) {
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    JobSpec s = spec;
    s.idempotency_key = "cron:" + schedule + ":" + std::to_string(run_time);  // once per run, whoever enqueues it
    enqueue_in(c, s, now);
    c.prepare(
         "INSERT INTO job_schedules (name, last_run_at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
         "last_run_at = max(last_run_at, excluded.last_run_at)")
        .bind(schedule, run_time)
        .exec();
    tx.commit();
  });
}

}  // namespace arena::jobs
