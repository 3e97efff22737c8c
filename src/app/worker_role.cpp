// The worker role: runs the durable jobs (include/arena/jobs) of this process's database (SQLite,
// or PostgreSQL shared by every worker of a cluster): what every finished match changes
// (rating.update: ratings, history, boards), and the recurring upkeep (expired refresh tokens,
// pruning finished jobs, closing seasons); serves the player and board routes.
#include <boost/json.hpp>

#include "arena/auth/postgres_store.hpp"
#include "arena/auth/sqlite_store.hpp"
#include "arena/config/loader.hpp"
#include "arena/core/log.hpp"
#include "arena/jobs/postgres_store.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/jobs/worker.hpp"
#include "arena/leaderboards/redis_rank_index.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/protocol/messages.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/runtime/strand.hpp"
#include "arena/storage/pg_listener.hpp"
#include "arena/storage/sqlite.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

// The worker's stores, on this process's database.
struct WorkerStores {
  std::unique_ptr<storage::Sqlite> reader;  // SQLite: reads beside the group commits (WAL)
  std::unique_ptr<jobs::JobStore> jobs;
  std::unique_ptr<match::MatchStore> matches;
  std::unique_ptr<ratings::RatingStore> ratings;
  std::unique_ptr<leaderboards::BoardStore> boards;
  std::unique_ptr<auth::AccountStore> accounts;
  std::unique_ptr<auth::TokenStore> tokens;

  WorkerStores(Shared& shared, leaderboards::RankIndex* index) {
    if (shared.pg != nullptr) {
      auto& pool = *shared.pg;
      jobs = std::make_unique<jobs::PostgresJobStore>(pool);
      matches = std::make_unique<match::PostgresMatchStore>(pool);
      ratings = std::make_unique<ratings::PostgresRatingStore>(pool);
      boards = std::make_unique<leaderboards::PostgresBoardStore>(pool, index);
      accounts = std::make_unique<auth::PostgresAuthStore>(pool);
      tokens = std::make_unique<auth::PostgresAuthStore>(pool);
      return;
    }
    if (shared.db == nullptr) throw std::logic_error("the worker role needs storage");
    auto& db = *shared.db;
    reader = storage::Sqlite::open(db.path());
    jobs = std::make_unique<jobs::SqliteJobStore>(db);
    matches = std::make_unique<match::SqliteMatchStore>(db, reader.get());
    ratings = std::make_unique<ratings::SqliteRatingStore>(db);
    boards = std::make_unique<leaderboards::SqliteBoardStore>(db, index, reader.get());
    accounts = std::make_unique<auth::SqliteAuthStore>(db);
    tokens = std::make_unique<auth::SqliteAuthStore>(db);
  }
};

class WorkerRole final : public Component {
 public:
  WorkerRole(jobs::WorkerSettings s, const matchmaking::Settings& mm, leaderboards::Settings boards,
             const config::GraphqlSettings& graphql, std::size_t json_max_depth,
             std::chrono::milliseconds events_retention, Shared& shared)
      : settings_(std::move(s)),
        board_settings_(std::move(boards)),
        graphql_(graphql),
        modes_(matchmaking::configured_modes(mm.modes, mm.builtin_modes)),
        json_max_depth_(json_max_depth),
        events_retention_(events_retention),
        shared_(shared) {
    std::vector<leaderboards::ModeInfo> modes;
    std::map<std::string, std::string> game_of;
    for (const auto& m : modes_) {
      models_[m.name] = ratings::model_named(m.rating_model_or_default()).value_or(ratings::Model::weng_lin);
      modes.push_back({m.name, m.regions});
      game_of[m.name] = m.game;
    }
    try {
      boards_ = leaderboards::configured_boards(board_settings_.boards, modes);
    } catch (const std::invalid_argument& e) {
      throw config::ConfigError(e.what());
    }
    // A board fed by a mode takes a stat its game declares (GameInfo::score_stats).
    const auto games = match::builtin_games();
    for (const auto& b : boards_) {
      if (b.rating || b.mode.empty()) continue;
      const auto* game = games.find(game_of[b.mode]);
      if (game == nullptr) continue;  // the matchmaker names the unknown game at start-up
      for (const auto& stat : {b.stat, b.subscore_stat}) {
        if (stat.empty() || std::count(game->score_stats.begin(), game->score_stats.end(), stat) != 0) continue;
        std::string known;
        for (const auto& name : game->score_stats) known += (known.empty() ? "" : ", ") + name;
        throw config::ConfigError(
            "setting 'leaderboards.boards." + b.id + "." + (stat == b.stat ? "stat" : "subscore") + "': the game " +
            game->name + " has no score stat '" + stat + "' (it has: " + (known.empty() ? "none" : known) + ")");
      }
    }
  }
  ~WorkerRole() override { stop(); }

  std::string_view name() const override { return "worker"; }

  void start() override {
    // In memory the rank index knows the writes of this process only: right when this worker is
    // the one writer (SQLite). With PostgreSQL any worker process writes: the index is in Redis,
    // which every worker tells, or without Redis ranks are counted by PostgreSQL.
    const auto entries = static_cast<std::size_t>(board_settings_.rank_index_entries);
    if (shared_.pg == nullptr) {
      index_ = std::make_unique<leaderboards::MemoryRankIndex>(entries);
    } else if (shared_.redis != nullptr) {
      auto& errors = shared_.redis_errors->with({"rank_index"});
      index_ = std::make_unique<leaderboards::RedisRankIndex>(*shared_.redis, entries,
                                                              [&errors](const storage::RedisError&) { errors.inc(); });
    }
    stores_ = std::make_unique<WorkerStores>(shared_, index_.get());
    store_ = stores_->jobs.get();
    board_store_ = stores_->boards.get();
    metrics_ = std::make_unique<jobs::JobMetrics>(shared_.registry);
    worker_ = std::make_unique<jobs::Worker>(*store_, shared_.clock, shared_.timers, *metrics_, settings_);
    // The index hears of the writes from the announcer strand, after the commit: the committer
    // never waits for the index, which a load may hold for seconds.
    after_match_ = std::make_unique<postmatch::AfterMatch>(
        postmatch::Stores{*stores_->matches, *stores_->ratings, *stores_->boards}, shared_.clock, models_, boards_);
    auto& clock = shared_.clock;
    // Announcements run on their own strand, in commit order: a rank lookup (which may load a
    // big board's index) or a push never holds up the next group commit.
    announcer_ = std::make_unique<runtime::Strand>("ratings-announce");
    worker_->handle("rating.update", [this](jobs::JobContext& ctx) {
      after_match_->handle(ctx, [this](const postmatch::Applied& a) { announcer_->post([this, a] { announce(a); }); });
    });
    // Load the rank index of each rating board's current season now, off the commit path.
    if (index_)
      announcer_->post([this] {
        for (const auto& b : boards_)
          if (b.rating)
            board_store_->rank_of({b.id, leaderboards::season_at(b, shared_.clock.now_unix_ms()).id, ""}, "");
      });
    // match.ended (from a host of this process or another): its rating job, once per match. The
    // host already enqueued it with the result when they share this database; the key makes a
    // second ask (or a redelivered match.ended) change nothing.
    ended_sub_ = shared_.bus.subscribe(protocol::kMatchEnded, [this](const bus::Message& m) {
      const auto ended = protocol::decode<protocol::MatchEnded>(m.data);
      if (!ended) return;
      try {
        store_->enqueue(match::rating_job(ended->match_id), shared_.clock.now_unix_ms());
        worker_->wake();  // no wait for the next poll
      } catch (const std::exception& e) {
        log::get("jobs")->error("msg=\"rating job not enqueued\" match_id={} error=\"{}\"", ended->match_id, e.what());
      }
    });
    worker_->handle("upkeep.refresh_tokens", [this, &clock](jobs::JobContext&) {
      const int n = stores_->tokens->delete_expired(clock.now_unix());
      if (n > 0) log::get("jobs")->info("msg=\"expired refresh tokens deleted\" count={}", n);
    });
    worker_->handle("upkeep.prune_jobs", [this, &clock](jobs::JobContext&) {
      const int n = store_->prune(clock.now_unix_ms() - settings_.retention.count());
      if (n > 0) log::get("jobs")->info("msg=\"finished jobs pruned\" count={}", n);
    });
    // A board's season ends at each time its schedule matches: the job marks the seasons that
    // ended closed (their entries stay queryable) and frees their rank index.
    worker_->handle("leaderboards.close_season", [this, &clock](jobs::JobContext& ctx) {
      const auto args = boost::json::parse(ctx.job().args).as_object();
      const std::string board(args.at("board").as_string());
      for (const auto& season : board_store_->close_seasons(board, clock.now_unix_ms()))
        log::get("jobs")->info("msg=\"season closed\" board={} season={}", board, season);
    });
    jobs::JobSpec upkeep;
    upkeep.max_attempts = 3;
    upkeep.kind = "upkeep.refresh_tokens";
    worker_->every("upkeep.refresh_tokens", "17 * * * *", upkeep);
    upkeep.kind = "upkeep.prune_jobs";
    worker_->every("upkeep.prune_jobs", "23 * * * *", upkeep);
    for (const auto& b : boards_) {
      if (!b.season) continue;
      jobs::JobSpec close;
      close.kind = "leaderboards.close_season";
      close.max_attempts = 10;
      close.args = boost::json::serialize(boost::json::object{{"board", b.id}});
      worker_->every("leaderboards.close_season:" + b.id, b.season->text(), close);
    }
    event_store_ = open_event_store(shared_);
    add_event_jobs(*worker_, *event_store_, clock, events_retention_, shared_.events);
    if (auto* events = shared_.events)
      worker_->on_dead([events](const jobs::Job& job, const std::string& error) {
        events->emit("job.dead", {},
                     {{"job_id", job.id},
                      {"kind", job.kind},
                      {"queue", job.queue},
                      {"attempts", job.attempt},
                      {"error", error.substr(0, 512)}});
      });
    worker_->start();
    // On PostgreSQL, a job enqueued by any process (a host storing a result) wakes this worker at
    // once; a gap in listening wakes it too, and the poll covers the rest.
    if (shared_.pg != nullptr)
      listener_ = std::make_unique<storage::PgListener>(shared_.pg->url(), "arena_jobs",
                                                        [w = worker_.get()](const std::string&) { w->wake(); });
    board_services_ = std::make_unique<BoardServices>(
        BoardServices{*stores_->accounts, *stores_->ratings, *stores_->matches, *board_store_, shared_.clock,
                      *after_match_, board_settings_.server_key, core::JsonLimits{json_max_depth_}, modes_});
    add_player_routes(shared_.routes, *board_services_);
    add_board_routes(shared_.routes, *board_services_);
    add_graphql_routes(shared_.routes, *board_services_, shared_.verifier, shared_.bus, graphql_);
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
    listener_.reset();  // it wakes the worker
    if (worker_) worker_->stop();
    worker_.reset();
    // After the worker. Announcements still queued are dropped: the changes are committed, REST
    // shows them, and the matchmaker loads a player's ratings with each new session.
    if (announcer_) announcer_->stop();
  }

  // After a match's changes committed: each online player hears rating.changed (with their rank
  // on the mode's board this season), and the matchmakers' rating caches hear it on the bus.
  void announce(const postmatch::Applied& a) {
    if (index_) index_->committed(a.writes);
    const auto* board = after_match_->board(a.mode);
    const auto season = board != nullptr ? leaderboards::season_at(*board, shared_.clock.now_unix_ms()).id : "";
    for (const auto& ch : a.ratings) {
      const auto rank = board != nullptr ? board_store_->rank_of({board->id, season, ""}, ch.after.user_id) : 0;
      shared_.router.to_user(ch.after.user_id, "rating.changed",
                             {{"mode", ch.after.mode},
                              {"before", std::round(ch.before * 100) / 100},
                              {"after", std::round(ch.after.display * 100) / 100},
                              {"match_id", a.match_id},
                              {"outcome", ch.outcome},
                              {"games", ch.after.games},
                              {"rank", rank}});
      if (shared_.events != nullptr)
        shared_.events->emit("rating.changed", {.user_id = ch.after.user_id, .match_id = a.match_id, .mode = a.mode},
                             {{"before", ch.before},
                              {"after", ch.after.display},
                              {"outcome", ch.outcome},
                              {"games", ch.after.games},
                              {"rank", rank}});
      shared_.bus.publish(protocol::kRatingChanged,
                          protocol::encode(protocol::RatingChanged{ch.after.user_id, ch.after.mode, ch.after.display}));
    }
  }

 private:
  jobs::WorkerSettings settings_;
  leaderboards::Settings board_settings_;
  config::GraphqlSettings graphql_;
  std::vector<matchmaking::ModeConfig> modes_;
  std::size_t json_max_depth_;
  std::chrono::milliseconds events_retention_;
  std::unique_ptr<events::EventStore> event_store_;
  Shared& shared_;
  std::vector<leaderboards::Board> boards_;
  std::unique_ptr<leaderboards::RankIndex> index_;
  std::unique_ptr<WorkerStores> stores_;
  jobs::JobStore* store_ = nullptr;
  leaderboards::BoardStore* board_store_ = nullptr;
  std::unique_ptr<postmatch::AfterMatch> after_match_;
  std::unique_ptr<BoardServices> board_services_;
  std::unique_ptr<runtime::Strand> announcer_;
  std::unique_ptr<jobs::JobMetrics> metrics_;
  std::unique_ptr<jobs::Worker> worker_;
  std::unique_ptr<storage::PgListener> listener_;
  std::map<std::string, ratings::Model> models_;  // mode -> how it is rated
  std::unique_ptr<bus::Subscription> ended_sub_;
};

}  // namespace

std::unique_ptr<Component> worker_role(jobs::WorkerSettings settings, const matchmaking::Settings& modes,
                                       leaderboards::Settings boards, const config::GraphqlSettings& graphql,
                                       std::size_t json_max_depth, std::chrono::milliseconds events_retention,
                                       Shared& shared) {
  return std::make_unique<WorkerRole>(std::move(settings), modes, std::move(boards), graphql, json_max_depth,
                                      events_retention, shared);
}

}  // namespace arena::app
