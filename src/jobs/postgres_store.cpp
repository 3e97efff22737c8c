#include "arena/jobs/postgres_store.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "arena/storage/postgres.hpp"

namespace arena::jobs {
namespace {

constexpr std::array<State, 6> kStates{State::available, State::running, State::retryable,
                                       State::completed, State::dead,    State::cancelled};

#define ARENA_JOB_COLUMNS                                                                                        \
  "id, kind, queue, args, priority, state, attempt, max_attempts, run_at, created_at, started_at, finished_at, " \
  "lease_until, epoch, worker, last_error, idempotency_key"

Job read_job(const storage::PgResult& r, int row) {
  Job j;
  j.id = r.int64(row, 0);
  j.kind = r.text(row, 1);
  j.queue = r.text(row, 2);
  j.args = r.text(row, 3);
  j.priority = static_cast<int>(r.int64(row, 4));
  j.state = state_named(r.view(row, 5)).value_or(State::available);
  j.attempt = static_cast<int>(r.int64(row, 6));
  j.max_attempts = static_cast<int>(r.int64(row, 7));
  j.run_at = r.int64(row, 8);
  j.created_at = r.int64(row, 9);
  j.started_at = r.optional_int64(row, 10);
  j.finished_at = r.optional_int64(row, 11);
  j.lease_until = r.optional_int64(row, 12);
  j.epoch = r.int64(row, 13);
  j.worker = r.optional_text(row, 14).value_or("");
  j.last_error = r.optional_text(row, 15).value_or("");
  j.idempotency_key = r.optional_text(row, 16).value_or("");
  return j;
}

std::vector<Job> read_jobs(const storage::PgResult& r) {
  std::vector<Job> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_job(r, i));
  return out;
}

std::optional<std::string> key_of(const JobSpec& spec) {
  if (spec.idempotency_key.empty()) return std::nullopt;
  return spec.idempotency_key;
}

// The completed row, counted only with the lease's epoch while the job runs: 1, or 0 when lost.
int mark_completed(storage::Pg& c, const Lease& lease, std::int64_t now) {
  return c
      .query(
          "UPDATE jobs SET state = 'completed', finished_at = $1, lease_until = NULL, last_error = NULL "
          "WHERE id = $2 AND epoch = $3 AND state = 'running'",
          now, lease.job.id, lease.epoch)
      .affected();
}

}  // namespace

std::optional<std::int64_t> PostgresJobStore::enqueue_in(storage::Pg& c, const JobSpec& spec, std::int64_t now) {
  check_spec(spec);
  // The insert and its NOTIFY (sent when the transaction commits) in one round trip.
  auto r = c.query(
      "WITH j AS (INSERT INTO jobs (kind, queue, args, priority, state, max_attempts, run_at, created_at, "
      "idempotency_key) VALUES ($1, $2, $3, $4, 'available', $5, $6, $7, $8) "
      "ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL AND state NOT IN ('dead', 'cancelled') "
      "DO NOTHING RETURNING id, queue) SELECT id, pg_notify('arena_jobs', queue) FROM j",
      spec.kind, spec.queue, spec.args, spec.priority, spec.max_attempts, spec.run_at > 0 ? spec.run_at : now, now,
      key_of(spec));
  if (r.rows() == 0) return std::nullopt;
  return r.int64(0, 0);
}

std::optional<std::int64_t> PostgresJobStore::enqueue(const JobSpec& spec, std::int64_t now) {
  return pool_.with([&](storage::Pg& c) { return enqueue_in(c, spec, now); });
}

std::vector<Lease> PostgresJobStore::claim(const std::string& queue, const std::string& worker, int limit,
                                           std::int64_t now, std::int64_t lease_ms) {
  std::vector<Lease> out;
  if (limit <= 0) return out;
  // One statement: rows another worker is claiming right now are skipped, not waited for.
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query(
        "UPDATE jobs SET state = 'running', attempt = attempt + 1, epoch = epoch + 1, worker = $1, started_at = $2, "
        "lease_until = $3 WHERE id IN (SELECT id FROM jobs WHERE queue = $4 AND state IN ('available', 'retryable') "
        "AND run_at <= $2 ORDER BY priority, run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) RETURNING " ARENA_JOB_COLUMNS,
        worker, now, now + lease_ms, queue, limit);
  });
  for (auto& j : read_jobs(r)) out.push_back({j, j.epoch});
  std::sort(out.begin(), out.end(), [](const Lease& a, const Lease& b) {
    return std::tie(a.job.priority, a.job.run_at, a.job.id) < std::tie(b.job.priority, b.job.run_at, b.job.id);
  });
  return out;
}

std::vector<std::int64_t> PostgresJobStore::heartbeat_all(const std::vector<Lease>& leases, std::int64_t now,
                                                          std::int64_t lease_ms) {
  if (leases.empty()) return {};
  std::vector<std::string> ids, epochs;
  for (const auto& l : leases) {
    ids.push_back(std::to_string(l.job.id));
    epochs.push_back(std::to_string(l.epoch));
  }
  std::set<std::int64_t> held;
  pool_.with([&](storage::Pg& c) {
    auto r = c.query(
        "UPDATE jobs SET lease_until = $1 FROM unnest($2::text[]::bigint[], $3::text[]::bigint[]) AS l(id, epoch) "
        "WHERE jobs.id = l.id AND jobs.epoch = l.epoch AND jobs.state = 'running' RETURNING jobs.id",
        now + lease_ms, storage::text_array(ids), storage::text_array(epochs));
    for (int i = 0; i < r.rows(); ++i) held.insert(r.int64(i, 0));
  });
  std::vector<std::int64_t> lost;
  for (const auto& l : leases)
    if (held.count(l.job.id) == 0) lost.push_back(l.job.id);
  return lost;
}

void PostgresJobStore::complete(const Lease& lease, std::int64_t now, const std::function<void()>& effects) {
  pool_.transaction([&](storage::Pg& c) {
    if (mark_completed(c, lease, now) == 0)
      throw LeaseLost("job " + std::to_string(lease.job.id) + ": completion refused, the lease was lost");
    if (effects) effects();  // their pool_.with() calls join this transaction
  });
}

std::vector<CompletionResult> PostgresJobStore::complete_all(const std::vector<Completion>& batch, std::int64_t now) {
  std::vector<CompletionResult> out(batch.size());
  if (batch.empty()) return out;
  // First try: the whole group in one transaction without savepoints (each costs round trips).
  // A job whose effects throw aborts the transaction: the group is then done again with a
  // savepoint per job, so only that job is undone. A lost lease needs no undo: its row update
  // changed nothing and its effects do not run.
  struct EffectsFailed {};
  // Every lock the group's effects name, taken first in one order (see Completion::locks).
  std::vector<std::string> locks;
  for (const auto& b : batch) locks.insert(locks.end(), b.locks.begin(), b.locks.end());
  try {
    pool_.transaction([&](storage::Pg& c) {
      out.assign(batch.size(), CompletionResult{});
      storage::lock_names(c, locks);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (mark_completed(c, batch[i].lease, now) == 0) {
          out[i].outcome = Completed::lease_lost;
          continue;
        }
        try {
          if (batch[i].effects) batch[i].effects();
        } catch (const storage::PgError& e) {
          if (e.kind() != storage::PgError::Kind::query || e.is_retryable()) throw;  // the transaction's fault
          throw EffectsFailed{};
        } catch (const storage::StorageUnavailable&) {
          throw;
        } catch (const std::exception&) {
          throw EffectsFailed{};
        }
      }
    });
    return out;
  } catch (const EffectsFailed&) {
  }
  pool_.transaction([&](storage::Pg& c) {
    out.assign(batch.size(), CompletionResult{});
    storage::lock_names(c, locks);  // outside the savepoints: held to the end
    for (std::size_t i = 0; i < batch.size(); ++i) {
      c.exec("SAVEPOINT part");
      if (mark_completed(c, batch[i].lease, now) == 0) {
        out[i].outcome = Completed::lease_lost;
        c.exec("RELEASE SAVEPOINT part");
        continue;
      }
      try {
        if (batch[i].effects) batch[i].effects();
        c.exec("RELEASE SAVEPOINT part");
      } catch (const storage::PgError& e) {
        if (e.kind() != storage::PgError::Kind::query || e.is_retryable()) throw;
        c.exec("ROLLBACK TO SAVEPOINT part");
        out[i] = {Completed::effects_failed, e.what()};
      } catch (const storage::StorageUnavailable&) {
        throw;
      } catch (const std::exception& e) {
        c.exec("ROLLBACK TO SAVEPOINT part");
        out[i] = {Completed::effects_failed, e.what()};
      }
    }
  });
  return out;
}

State PostgresJobStore::fail(const Lease& lease, const std::string& error, std::int64_t now, std::int64_t delay_ms) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query(
        "UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'retryable' END, "
        "run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE $1::bigint END, "
        "finished_at = CASE WHEN attempt >= max_attempts THEN $2::bigint ELSE NULL END, lease_until = NULL, last_error "
        "= $3 "
        "WHERE id = $4 AND epoch = $5 AND state = 'running' RETURNING state",
        now + delay_ms, now, error.substr(0, 2000), lease.job.id, lease.epoch);
  });
  if (r.rows() == 0) throw LeaseLost("job " + std::to_string(lease.job.id) + ": failure refused, the lease was lost");
  return state_named(r.view(0, 0)).value_or(State::retryable);
}

std::vector<Job> PostgresJobStore::rescue(std::int64_t now) {
  return pool_.with([&](storage::Pg& c) {
    return read_jobs(c.query(
        "UPDATE jobs SET state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'retryable' END, "
        "finished_at = CASE WHEN attempt >= max_attempts THEN $1 ELSE NULL END, run_at = $1, lease_until = NULL, "
        "last_error = 'lease expired: the worker stopped heartbeating' WHERE state = 'running' AND lease_until < $1 "
        "RETURNING " ARENA_JOB_COLUMNS,
        now));
  });
}

std::optional<Job> PostgresJobStore::get(std::int64_t id) {
  return pool_.with([&](storage::Pg& c) -> std::optional<Job> {
    auto r = c.query("SELECT " ARENA_JOB_COLUMNS " FROM jobs WHERE id = $1", id);
    if (r.rows() == 0) return std::nullopt;
    return read_job(r, 0);
  });
}

std::vector<Job> PostgresJobStore::list(const Filter& f) {
  const std::optional<std::string> state =
      f.state ? std::optional<std::string>(std::string(name(*f.state))) : std::nullopt;
  return pool_.with([&](storage::Pg& c) {
    return read_jobs(c.query("SELECT " ARENA_JOB_COLUMNS
                             " FROM jobs WHERE ($1::text IS NULL OR state = $1::text) AND ($2 = '' OR queue = $2) "
                             "AND ($3 = '' OR kind = $3) AND id > $4 ORDER BY id LIMIT $5",
                             state, f.queue, f.kind, f.after_id, std::clamp(f.limit, 1, 10'000)));
  });
}

bool PostgresJobStore::retry(std::int64_t id, std::int64_t now) {
  return pool_.with([&](storage::Pg& c) {
    return c.query(
                "WITH j AS (UPDATE jobs SET state = 'available', attempt = 0, run_at = $1, finished_at = NULL, "
                "lease_until = NULL WHERE id = $2 AND state IN ('dead', 'cancelled', 'retryable') AND NOT EXISTS "
                "(SELECT 1 FROM jobs k WHERE k.idempotency_key = jobs.idempotency_key AND k.id <> jobs.id "
                "AND k.state NOT IN ('dead', 'cancelled')) RETURNING queue) "
                "SELECT pg_notify('arena_jobs', queue) FROM j",
                now, id)
               .rows() == 1;
  });
}

bool PostgresJobStore::cancel(std::int64_t id, std::int64_t now) {
  return pool_.with([&](storage::Pg& c) {
    return c.query(
                "UPDATE jobs SET state = 'cancelled', finished_at = $1, lease_until = NULL "
                "WHERE id = $2 AND state IN ('available', 'retryable', 'running')",
                now, id)
               .affected() == 1;
  });
}

int PostgresJobStore::purge(State state) {
  if (state != State::dead && state != State::cancelled && state != State::completed)
    throw std::invalid_argument("only dead, cancelled or completed jobs are purged");
  return pool_.with(
      [&](storage::Pg& c) { return c.query("DELETE FROM jobs WHERE state = $1", name(state)).affected(); });
}

int PostgresJobStore::prune(std::int64_t before) {
  return pool_.with([&](storage::Pg& c) {
    return c.query("DELETE FROM jobs WHERE state IN ('completed', 'cancelled') AND finished_at < $1", before)
        .affected();
  });
}

std::vector<std::pair<State, std::int64_t>> PostgresJobStore::counts() {
  std::vector<std::pair<State, std::int64_t>> out;
  out.reserve(kStates.size());
  for (auto s : kStates) out.emplace_back(s, 0);
  const auto r = pool_.with([](storage::Pg& c) { return c.query("SELECT state, count(*) FROM jobs GROUP BY state"); });
  for (int i = 0; i < r.rows(); ++i)
    if (auto s = state_named(r.view(i, 0))) out[static_cast<std::size_t>(*s)].second = r.int64(i, 1);
  return out;
}

std::optional<std::int64_t> PostgresJobStore::schedule_last_run(const std::string& schedule) {
  return pool_.with([&](storage::Pg& c) -> std::optional<std::int64_t> {
    auto r = c.query("SELECT last_run_at FROM job_schedules WHERE name = $1", schedule);
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
  });
}

void PostgresJobStore::enqueue_scheduled(const std::string& schedule, std::int64_t run_time, const JobSpec& spec,
                                         std::int64_t now) {
  pool_.transaction([&](storage::Pg& c) {
    JobSpec s = spec;
    s.idempotency_key = "cron:" + schedule + ":" + std::to_string(run_time);  // once per run, whoever enqueues it
    enqueue_in(c, s, now);
    c.query(
        "INSERT INTO job_schedules (name, last_run_at) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET "
        "last_run_at = GREATEST(job_schedules.last_run_at, excluded.last_run_at)",
        schedule, run_time);
  });
}

}  // namespace arena::jobs
