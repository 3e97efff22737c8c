// The worker role: runs the durable jobs (include/arena/jobs) of this process's database: the
// rating of every finished match (rating.update), and the recurring upkeep (expired refresh
// tokens, pruning finished jobs).
#include <boost/json.hpp>

#include "arena/auth/sqlite_store.hpp"
#include "arena/core/log.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/match/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/storage/sqlite.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

class WorkerRole final : public Component {
 public:
  WorkerRole(jobs::WorkerSettings s, const matchmaking::Settings& mm, Shared& shared)
      : settings_(std::move(s)), shared_(shared) {
    for (const auto& m : matchmaking::configured_modes(mm.modes, mm.builtin_modes))
      models_[m.name] = ratings::model_named(m.rating_model_or_default()).value_or(ratings::Model::weng_lin);
  }
  ~WorkerRole() override { stop(); }

  std::string_view name() const override { return "worker"; }

  void start() override {
    store_ = std::make_unique<jobs::SqliteJobStore>(*shared_.db);
    metrics_ = std::make_unique<jobs::JobMetrics>(shared_.registry);
    worker_ = std::make_unique<jobs::Worker>(*store_, shared_.clock, shared_.timers, *metrics_, settings_);
    auto& clock = shared_.clock;
    worker_->handle("rating.update", [this](jobs::JobContext& ctx) { rate(ctx); });
    // match.ended (from a host of this process or another): its rating job, once per match. The
    // host already enqueued it with the result when they share this database; the key makes a
    // second ask (or a redelivered match.ended) change nothing.
    ended_sub_ = shared_.bus.subscribe(protocol::kMatchEnded, [this](const bus::Message& m) {
      const auto ended = protocol::decode<protocol::MatchEnded>(m.data);
      if (!ended) return;
      try {
        store_->enqueue(match::rating_job(ended->match_id), shared_.clock.now_unix_ms());
      } catch (const std::exception& e) {
        log::get("jobs")->error("msg=\"rating job not enqueued\" match_id={} error=\"{}\"", ended->match_id, e.what());
      }
    });
    worker_->handle("upkeep.refresh_tokens", [this, &clock](jobs::JobContext&) {
      auth::SqliteAuthStore tokens(*shared_.db);
      const int n = tokens.delete_expired(clock.now_unix());
      if (n > 0) log::get("jobs")->info("msg=\"expired refresh tokens deleted\" count={}", n);
    });
    worker_->handle("upkeep.prune_jobs", [this, &clock](jobs::JobContext&) {
      const int n = store_->prune(clock.now_unix_ms() - settings_.retention.count());
      if (n > 0) log::get("jobs")->info("msg=\"finished jobs pruned\" count={}", n);
    });
    jobs::JobSpec upkeep;
    upkeep.max_attempts = 3;
    upkeep.kind = "upkeep.refresh_tokens";
    worker_->every("upkeep.refresh_tokens", "17 * * * *", upkeep);
    upkeep.kind = "upkeep.prune_jobs";
    worker_->every("upkeep.prune_jobs", "23 * * * *", upkeep);
    worker_->start();
    std::set<std::string> boards;
    for (const auto& [mode, model] : models_) boards.insert(mode);
    add_player_routes(shared_.routes, *shared_.db, std::move(boards));
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
    ended_sub_.reset();
    if (worker_) worker_->stop();
    worker_.reset();
  }

  // rating.update: the stored result's players get their new ratings and history rows in the
  // transaction that completes the job (a worker that lost its lease changes nothing), then
  // each online player hears rating.changed.
  void rate(jobs::JobContext& ctx) {
    const auto args = boost::json::parse(ctx.job().args).as_object();
    const std::string match_id(args.at("match_id").as_string());
    match::SqliteMatchStore results(*shared_.db);
    const auto rec = results.load(match_id);
    if (!rec) throw std::runtime_error("no stored result for match " + match_id + " (yet)");
    if (!rec->error.empty()) return;  // a failed match is not rated
    const auto model = models_.count(rec->spec.mode) != 0 ? models_.at(rec->spec.mode) : ratings::Model::weng_lin;
    std::vector<ratings::RatedSeat> seats;
    std::vector<std::string> users;
    for (std::size_t i = 0; i < rec->spec.seats.size(); ++i) {
      const auto& s = rec->spec.seats[i];
      int place = 0;
      for (const auto& p : rec->result.placements)
        if (p.seat == static_cast<int>(i)) place = p.place;
      seats.push_back({s.user_id, s.bot, s.team, place});
      if (!s.bot) users.push_back(s.user_id);
    }
    ratings::SqliteRatingStore store(*shared_.db);
    const auto now = shared_.clock.now_unix_ms();
    const auto changes = ratings::rate_match(rec->spec.mode, model, seats, store.load(users, rec->spec.mode), now);
    bool applied = false;
    ctx.complete_with([&] {
      applied = shared_.db->with(
          [&](storage::Sqlite& c) { return ratings::SqliteRatingStore::apply_in(c, match_id, changes, now); });
    });
    if (!applied) return;
    for (const auto& ch : changes) {
      shared_.router.to_user(ch.after.user_id, "rating.changed",
                             {{"mode", ch.after.mode},
                              {"before", std::round(ch.before * 100) / 100},
                              {"after", std::round(ch.after.display * 100) / 100},
                              {"match_id", match_id},
                              {"outcome", ch.outcome},
                              {"games", ch.after.games},
                              {"rank", store.rank_of(ch.after.mode, ch.after.user_id)}});
      shared_.bus.publish(protocol::kRatingChanged,
                          protocol::encode(protocol::RatingChanged{ch.after.user_id, ch.after.mode, ch.after.display}));
    }
  }

 private:
  jobs::WorkerSettings settings_;
  Shared& shared_;
  std::unique_ptr<jobs::SqliteJobStore> store_;
  std::unique_ptr<jobs::JobMetrics> metrics_;
  std::unique_ptr<jobs::Worker> worker_;
  std::map<std::string, ratings::Model> models_;  // mode -> how it is rated
  std::unique_ptr<bus::Subscription> ended_sub_;
};

}  // namespace

std::unique_ptr<Component> worker_role(jobs::WorkerSettings settings, const matchmaking::Settings& modes,
                                       Shared& shared) {
  return std::make_unique<WorkerRole>(std::move(settings), modes, shared);
}

}  // namespace arena::app
