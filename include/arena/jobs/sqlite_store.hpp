#pragma once
// The job store on the process's SQLite database (embedded mode). Writes run in BEGIN
// IMMEDIATE transactions on the one connection, so a claim is atomic without row locks.
#include "arena/jobs/jobs.hpp"

namespace arena::storage {
class Sqlite;
}

namespace arena::jobs {

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(storage::Sqlite& db) : db_(db) {}

  // Enqueues inside a transaction the caller holds (inside its Sqlite::with()), so the job and
  // the write that causes it commit together. The id, or nullopt when the key is taken.
  static std::optional<std::int64_t> enqueue_in(storage::Sqlite& c, const JobSpec& spec, std::int64_t now);

  std::optional<std::int64_t> enqueue(const JobSpec& spec, std::int64_t now) override;
  std::vector<Lease> claim(const std::string& queue, const std::string& worker, int limit, std::int64_t now,
                           std::int64_t lease_ms) override;
  std::vector<std::int64_t> heartbeat_all(const std::vector<Lease>& leases, std::int64_t now,
                                          std::int64_t lease_ms) override;
  void complete(const Lease& lease, std::int64_t now, const std::function<void()>& effects = {}) override;
  std::vector<CompletionResult> complete_all(const std::vector<Completion>& batch, std::int64_t now) override;
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

  storage::Sqlite& db() { return db_; }

 private:
  // complete_all() of a group with parts of batches: every batch applied at once, and the leases
  // checked and the rows completed in one statement each. Throws ApartAgain (rolled back) when a
  // batch could not be applied.
  void complete_together(const std::vector<Completion>& batch, std::int64_t now, std::vector<CompletionResult>& out);
  storage::Sqlite& db_;
};

}  // namespace arena::jobs
