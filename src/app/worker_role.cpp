// The worker role: runs the durable jobs (include/arena/jobs) of this process's database, and
// the recurring upkeep: expired refresh tokens, pruning finished jobs.
#include "arena/auth/sqlite_store.hpp"
#include "arena/core/log.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/jobs/worker.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

std::int64_t now_ms(const core::Clock& c) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(c.now().time_since_epoch()).count();
}

class WorkerRole final : public Component {
 public:
  WorkerRole(jobs::WorkerSettings s, Shared& shared) : settings_(std::move(s)), shared_(shared) {}
  ~WorkerRole() override { stop(); }

  std::string_view name() const override { return "worker"; }

  void start() override {
    store_ = std::make_unique<jobs::SqliteJobStore>(*shared_.db);
    metrics_ = std::make_unique<jobs::JobMetrics>(shared_.registry);
    worker_ = std::make_unique<jobs::Worker>(*store_, shared_.clock, shared_.timers, *metrics_, settings_);
    auto& clock = shared_.clock;
    worker_->handle("upkeep.refresh_tokens", [this, &clock](jobs::JobContext&) {
      auth::SqliteAuthStore tokens(*shared_.db);
      const int n = tokens.delete_expired(clock.now_unix());
      if (n > 0) log::get("jobs")->info("msg=\"expired refresh tokens deleted\" count={}", n);
    });
    worker_->handle("upkeep.prune_jobs", [this, &clock](jobs::JobContext&) {
      const int n = store_->prune(now_ms(clock) - settings_.retention.count());
      if (n > 0) log::get("jobs")->info("msg=\"finished jobs pruned\" count={}", n);
    });
    jobs::JobSpec upkeep;
    upkeep.max_attempts = 3;
    upkeep.kind = "upkeep.refresh_tokens";
    worker_->every("upkeep.refresh_tokens", "17 * * * *", upkeep);
    upkeep.kind = "upkeep.prune_jobs";
    worker_->every("upkeep.prune_jobs", "23 * * * *", upkeep);
    worker_->start();
  }

  bool drain(std::chrono::milliseconds timeout) override { return !worker_ || worker_->drain(timeout); }

  void check(std::map<std::string, bool>& checks) override {
    try {
      (void)store_->counts();
      checks["jobs"] = true;
    } catch (const std::exception&) {
      checks["jobs"] = false;
    }
  }

  void stop() override {
    if (worker_) worker_->stop();
    worker_.reset();
  }

 private:
  jobs::WorkerSettings settings_;
  Shared& shared_;
  std::unique_ptr<jobs::SqliteJobStore> store_;
  std::unique_ptr<jobs::JobMetrics> metrics_;
  std::unique_ptr<jobs::Worker> worker_;
};

}  // namespace

std::unique_ptr<Component> worker_role(jobs::WorkerSettings settings, Shared& shared) {
  return std::make_unique<WorkerRole>(std::move(settings), shared);
}

}  // namespace arena::app
