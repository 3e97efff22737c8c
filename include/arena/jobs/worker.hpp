#pragma once
// A worker runs jobs: it claims ready jobs of its queues (up to each queue's concurrency), runs
// their handlers on its threads, keeps their leases alive with heartbeats, completes them in
// group commits (with the handler's effects in the same transaction when it asks), retries failures with backoff
// and full jitter, rescues the jobs of workers that stopped heartbeating, and enqueues the runs
// of recurring schedules. Polling and heartbeats are runtime::Timers on the injected clock, so
// tests step a FakeClock.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/jobs/jobs.hpp"
#include "arena/jobs/settings.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/runtime/timers.hpp"

namespace arena::jobs {

// What a handler gets. Return to complete the job; throw to fail this attempt.
//
// The job completes after the handler returns, in a group commit: the completions of the jobs
// that finished meanwhile go in one transaction, each with its effects in a savepoint of its own.
class JobContext {
 public:
  explicit JobContext(const Lease& lease) : lease_(lease) {}
  const Job& job() const { return lease_.job; }
  // The job completes with `effects` in the same transaction: both or neither. `then` runs after
  // that commit, and only when the job did complete (not when its lease was lost, the job was
  // cancelled, or the effects threw: then nothing of them happened, and a thrown effect fails
  // the attempt like a throwing handler). Effects run on the worker's committing thread, inside
  // the store's transaction: keep them to the store's own writes. `locks` names what the effects
  // read and change that other jobs' effects may too (Completion::locks).
  void complete_with(std::function<void()> effects, std::function<void()> then = {},
                     std::vector<std::string> locks = {}) {
    effects_ = std::move(effects);
    then_ = std::move(then);
    locks_ = std::move(locks);
  }
  // Also after complete_with(): the same effects as `part` of `batch`, which a store may apply
  // together with the other parts of the batch in its group commit (EffectsBatch).
  void in_batch(EffectsBatch& batch, std::shared_ptr<void> part) {
    batch_ = &batch;
    part_ = std::move(part);
  }
  // The completion as the store gets it.
  Completion completion() { return {lease_, std::move(effects_), std::move(locks_), batch_, std::move(part_)}; }
  std::function<void()>& then() { return then_; }

 private:
  const Lease& lease_;
  std::function<void()> effects_, then_;
  std::vector<std::string> locks_;
  EffectsBatch* batch_ = nullptr;
  std::shared_ptr<void> part_;
};

using Handler = std::function<void(JobContext&)>;

// The job metrics, registered once per registry (several workers in one process share them).
struct JobMetrics {
  explicit JobMetrics(metrics::Registry& r);
  metrics::Family<metrics::Counter>& total;            // arena_jobs_total{queue,kind,outcome}
  metrics::Family<metrics::Histogram>& duration;       // arena_job_duration_seconds{queue,kind}
  metrics::Family<metrics::Histogram>& latency;        // arena_job_queue_latency_seconds{queue}
  metrics::Family<metrics::Gauge>& by_state;           // arena_jobs{state}
  metrics::Family<metrics::Histogram>& group_seconds;  // arena_job_group_commit_seconds
  metrics::Family<metrics::Histogram>& group_size;     // arena_job_group_commit_jobs
};

class Worker {
 public:
  Worker(JobStore& store, const core::Clock& clock, runtime::Timers& timers, JobMetrics& metrics,
         WorkerSettings settings);
  ~Worker();  // stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(): the handler of a kind (a job of a kind without one fails: "no handler").
  void handle(const std::string& kind, Handler handler);
  // Before start(): a recurring job, enqueued at every time `cron` matches (throws
  // std::invalid_argument for a bad expression). Each run is enqueued once, by whichever worker
  // gets there first; a run missed while no worker ran is enqueued once when one starts.
  void every(const std::string& name, const std::string& cron, JobSpec spec);
  // Before start(): told of each job that went dead (its last attempt failed, or its worker died
  // on its last attempt) with the error, on a worker thread: it must only queue.
  void on_dead(std::function<void(const Job& job, const std::string& error)> hook);

  void start();
  // Stops claiming; waits up to `timeout` for running jobs. True when none is left.
  bool drain(std::chrono::milliseconds timeout);
  // Stops the timers and the threads (a running handler finishes; its lease then expires).
  void stop();
  // Jobs this worker runs now (claimed and not yet committed or failed).
  int in_flight() const;
  // Looks for ready jobs now rather than at the next poll (after an enqueue this process made).
  void wake();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace arena::jobs
