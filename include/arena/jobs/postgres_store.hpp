#pragma once
// The job store on PostgreSQL (cluster mode): the same contract as SqliteJobStore, checked by
// the same conformance suite (src/jobs/store_conformance.cpp), for any number of worker
// processes. Claims lock rows with FOR UPDATE SKIP LOCKED, so workers never wait for each other
// or take one job twice; the fencing epoch refuses a completion from a worker whose lease moved
// on. Every enqueue sends NOTIFY arena_jobs (delivered at its commit) with the job's queue.
#include "arena/jobs/jobs.hpp"

namespace arena::storage {
class Pg;
class PgPool;
}  // namespace arena::storage

namespace arena::jobs {

class PostgresJobStore final : public JobStore {
 public:
  explicit PostgresJobStore(storage::PgPool& pool) : pool_(pool) {}

  // Enqueues inside a transaction the caller holds on `c`, so the job and the write that causes
  // it commit together. The id, or nullopt when the key is taken.
  static std::optional<std::int64_t> enqueue_in(storage::Pg& c, const JobSpec& spec, std::int64_t now);

  std::optional<std::int64_t> enqueue(const JobSpec& spec, std::int64_t now) override;
  std::vector<Lease> claim(const std::string& queue, const std::string& worker, int limit, std::int64_t now,
                           std::int64_t lease_ms) override;
  std::vector<std::int64_t> heartbeat_all(const std::vector<Lease>& leases, std::int64_t now,
                                          std::int64_t lease_ms) override;
  void complete(const Lease& lease, std::int64_t now, const std::function<void()>& effects = {}) override;
  std::vector<CompletionResult> complete_all(const std::vector<Completion>& batch, std::int64_t now) override;
  // PostgreSQL takes several writers: small groups commit side by side. Groups that touch the
  // same things wait for each other on their locks (Completion::locks), never deadlock.
  CommitPlan commit_plan() const override { return {4, 32}; }
  State fail(const Lease& lease, const std::string& error, std::int64_t now, std::int64_t delay_ms) override;
  std::vector<Job> rescue(std::int64_t now) override;
  std::optional<Job> get(std::int64_t id) override;
  std::vector<Job> list(const Filter& filter) override;
  bool retry(std::int64_t id, std::int64_t now) override;
  bool cancel(std::int64_t id, std::int64_t now) override;
  int purge(State state) override;
  int prune(std::int64_t before) override;
  std::vector<std::pair<State, std::int64_t>> counts() override;
  std::optional<std::int64_t> schedule_last_run(const std::string& name) override;
  void enqueue_scheduled(const std::string& name, std::int64_t run_time, const JobSpec& spec,
                         std::int64_t now) override;

 private:
  storage::PgPool& pool_;
};

}  // namespace arena::jobs
