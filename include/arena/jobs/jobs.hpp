#pragma once
// The durable job queue: what a job is, and the store every back end implements (SQLite here;
// PostgreSQL with the cluster issue). Times are unix milliseconds, passed in by the caller, so
// every rule below is tested on a fake clock.
//
// - Enqueue: kind, JSON args, queue, priority (lower first), run_at, max_attempts and an
//   optional idempotency key: while a job with the key is pending, running or completed, a
//   second enqueue with it does nothing. A dead or cancelled job frees its key.
// - Claim: the next ready jobs of a queue, each with a lease until now + lease and a fencing
//   epoch (one more than the job's last claim). A heartbeat extends the lease; completion and
//   failure count only with the epoch of the claim they come from, while the job still runs:
//   a worker whose lease expired and whose job was rescued (and maybe claimed again) is refused.
// - Rescue: a running job whose lease expired (its worker stopped heartbeating: died, stalled)
//   becomes retryable at once, or dead when it has used its attempts.
// - Failure: retryable after a backoff with full jitter (uniform in 0..min(cap, base * 2^attempt)),
//   or dead after max_attempts. Dead jobs stay, listable, until an operator retries or purges them.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace arena::jobs {

enum class State { available, running, retryable, completed, dead, cancelled };
std::string_view name(State s);
std::optional<State> state_named(std::string_view s);

struct JobSpec {
  std::string kind;
  std::string args = "{}";  // a JSON object
  std::string queue = "default";
  int priority = 0;
  std::int64_t run_at = 0;  // 0: now
  int max_attempts = 20;
  std::string idempotency_key;  // empty: none
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::string queue;
  std::string args;
  int priority = 0;
  State state = State::available;
  int attempt = 0;
  int max_attempts = 0;
  std::int64_t run_at = 0;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> started_at;
  std::optional<std::int64_t> finished_at;
  std::optional<std::int64_t> lease_until;
  std::int64_t epoch = 0;
  std::string worker;
  std::string last_error;
  std::string idempotency_key;
};

// A claimed job: the job as claimed, and the epoch its completion must carry.
struct Lease {
  Job job;
  std::int64_t epoch = 0;
};

// The lease is no longer this worker's: it expired and the job was rescued, claimed again,
// cancelled or finished. Nothing the worker does with it counts.
class LeaseLost : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Effects that can be applied for several jobs at once, with fewer and larger statements than
// each job's own. A handler completes with its own effects and, beside them, a part of a batch
// (JobContext::complete_with); a store that can hands the parts of one batch in a group commit
// to apply() together, and any other store runs each job's own effects.
class EffectsBatch {
 public:
  virtual ~EffectsBatch() = default;
  // Applies every part (made by this batch's owner; in the group's order), inside the store's
  // transaction, as the parts' own effects run one after another would. Throws when that cannot
  // be done for all of them: the store undoes what it did and runs each job's own effects,
  // each alone (so one job's failing effects fail that job only).
  virtual void apply(const std::vector<std::shared_ptr<void>>& parts) = 0;
};

// One job of a group commit: its lease and what must happen with its completion (may be empty).
struct Completion {
  Lease lease;
  std::function<void()> effects;
  // What the effects read and change that other jobs' effects may too (e.g. a player's rating in
  // a mode). A store whose group commits run side by side locks every name of a group, in one
  // order, before any effects run: two groups wait for each other instead of deadlocking.
  std::vector<std::string> locks;
  // The same effects as a part of a batch (both or neither set): a store may apply the parts of
  // one batch together instead of each job's `effects` (EffectsBatch).
  EffectsBatch* batch = nullptr;
  std::shared_ptr<void> part;
};

// What became of one completion of a group commit.
enum class Completed {
  yes,             // completed, with its effects
  lease_lost,      // refused: the lease was lost (nothing of it happened)
  effects_failed,  // its effects threw (nothing of it happened; `error` says why)
};
struct CompletionResult {
  Completed outcome = Completed::yes;
  std::string error;
};

struct Backoff {
  std::int64_t base_ms = 1000;
  std::int64_t cap_ms = 3'600'000;
  // The ceiling of the delay before attempt `attempt` + 1 (attempt >= 1): min(cap, base * 2^(attempt-1)).
  std::int64_t ceiling(int attempt) const;
};

struct Filter {
  std::optional<State> state;
  std::string queue;  // empty: any
  std::string kind;   // empty: any
  std::int64_t after_id = 0;
  int limit = 100;
};

// Throws std::invalid_argument unless the spec names a kind and a queue and allows an attempt.
void check_spec(const JobSpec& spec);

class JobStore {
 public:
  virtual ~JobStore() = default;
  // The id of the new job, or nullopt when its idempotency key is taken.
  virtual std::optional<std::int64_t> enqueue(const JobSpec& spec, std::int64_t now) = 0;
  // Up to `limit` ready jobs of `queue` (run_at <= now), best first, leased to `worker`.
  virtual std::vector<Lease> claim(const std::string& queue, const std::string& worker, int limit, std::int64_t now,
                                   std::int64_t lease_ms) = 0;
  // Extends every lease of `leases` in one transaction (a worker's heartbeat round: one commit,
  // however many jobs it runs). Returns the ids of those no longer held (lost: expired and claimed
  // again, or the job cancelled).
  virtual std::vector<std::int64_t> heartbeat_all(const std::vector<Lease>& leases, std::int64_t now,
                                                  std::int64_t lease_ms) = 0;
  // One lease; throws LeaseLost.
  void heartbeat(const Lease& lease, std::int64_t now, std::int64_t lease_ms);
  // Completes the job. `effects` (may be empty) run in the same transaction: they happen only
  // together with the completion. Throws LeaseLost (the effects are rolled back).
  virtual void complete(const Lease& lease, std::int64_t now, const std::function<void()>& effects = {}) = 0;
  // Group commit: completes every job of `batch` in one transaction, each job (its row and its
  // effects) as if in a savepoint of its own, so a lost lease or effects that throw undo that job
  // alone. The parts of one EffectsBatch may be applied together (SQLite does), before the other
  // effects. One result per completion, in order. Throws only when the transaction itself fails;
  // then none of them completed.
  virtual std::vector<CompletionResult> complete_all(const std::vector<Completion>& batch, std::int64_t now) = 0;
  // How a worker should group its completions for this store: how many complete_all() calls run
  // at once (each its own transaction), and the most completions one takes.
  struct CommitPlan {
    int parallel = 1;
    // SQLite (the default plan): a group of ~1,000 rating jobs holds the one writing connection
    // ~30 ms and completes ~20k jobs/s; 512 held ~18 ms for ~17k/s (docs/performance.md).
    std::size_t max_group = 1024;
  };
  virtual CommitPlan commit_plan() const { return {}; }
  // The attempt failed: retryable at now + `delay_ms`, or dead when it was the last. Returns the
  // new state. Throws LeaseLost.
  virtual State fail(const Lease& lease, const std::string& error, std::int64_t now, std::int64_t delay_ms) = 0;
  // Running jobs whose lease expired: retryable now (or dead). Returns them, in their new state.
  virtual std::vector<Job> rescue(std::int64_t now) = 0;
  virtual std::optional<Job> get(std::int64_t id) = 0;
  virtual std::vector<Job> list(const Filter& filter) = 0;
  // An operator's: a dead, cancelled or retryable job runs again now (attempts start over).
  // False when the job is not in one of those states.
  virtual bool retry(std::int64_t id, std::int64_t now) = 0;
  // A job that has not finished is cancelled (a running one's completion will be refused).
  virtual bool cancel(std::int64_t id, std::int64_t now) = 0;
  // Deletes every job in `state` (dead, cancelled, completed); returns how many.
  virtual int purge(State state) = 0;
  // Deletes completed and cancelled jobs that finished before `before`; returns how many.
  virtual int prune(std::int64_t before) = 0;
  // Jobs per state (every state present, zeros included).
  virtual std::vector<std::pair<State, std::int64_t>> counts() = 0;
  // Recurring schedules: the cron time last enqueued for `name` (nullopt: never).
  virtual std::optional<std::int64_t> schedule_last_run(const std::string& name) = 0;
  // Enqueues `spec` as the run of `name` at `run_time` and remembers it, in one transaction; a
  // run already enqueued (by this or another worker) is not enqueued again.
  virtual void enqueue_scheduled(const std::string& name, std::int64_t run_time, const JobSpec& spec,
                                 std::int64_t now) = 0;
};

}  // namespace arena::jobs
