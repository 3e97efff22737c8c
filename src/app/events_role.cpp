// The events role: takes game events off the stream in batches and writes them into analytics
// storage (SQLite, or PostgreSQL shared by the cluster), dead-lettering what it cannot; serves
// the operators' routes over that table (/v1/admin/events, /v1/admin/events/dead) behind
// `admin.api_key`.
#include <boost/json.hpp>

#include "arena/core/encoding.hpp"
#include "arena/core/log.hpp"
#include "arena/events/store.hpp"
#include "arena/match/host.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"
#include "rest_params.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

json::object to_json(const events::Event& e) {
  json::object o{{"id", e.id}, {"type", e.type}, {"time", e.time_ms}, {"node", e.node}};
  auto opt = [&o](const char* key, const std::string& v) {
    o[key] = v.empty() ? json::value(nullptr) : json::value(v);
  };
  opt("user_id", e.user_id);
  opt("match_id", e.match_id);
  opt("mode", e.mode);
  opt("region", e.region);
  o["data"] = json::parse(e.data);
  return o;
}

std::optional<std::int64_t> time_param(const Request& req, std::string_view name) {
  const auto v = req.query_param(name);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  const auto* end = v->data() + v->size();
  if (std::from_chars(v->data(), end, n).ptr != end || n < 0)
    throw Error(Code::invalid_field, std::string(name) + " is a unix time in milliseconds");
  return n;
}

std::string text_param(const Request& req, std::string_view name) {
  const auto v = req.query_param(name);
  if (!v) return {};
  if (v->empty() || v->size() > 128) throw Error(Code::invalid_field, std::string(name) + " is 1..128 characters");
  return *v;
}

class EventsRole final : public Component {
 public:
  EventsRole(const events::Settings& s, std::string admin_key, Shared& shared)
      : settings_(s), admin_key_(std::move(admin_key)), shared_(shared) {}

  std::string_view name() const override { return "events"; }

  void start() override {
    if (shared_.event_stream == nullptr || shared_.event_types == nullptr)
      throw std::logic_error("the events role needs the process's event stream");
    store_ = open_event_store(shared_);
    consumer_ =
        std::make_unique<events::Consumer>(*shared_.event_stream, *store_, *shared_.event_types,
                                           events::pipeline_settings(settings_), shared_.clock, shared_.registry);
    consumer_->start();
    add_routes();
  }

  // Last of the roles: what the others emitted while draining is published, then written.
  bool drain(std::chrono::milliseconds timeout) override {
    bool clean = shared_.event_publisher == nullptr || shared_.event_publisher->stop(timeout);
    shared_.event_stream->close();
    return consumer_->drain(timeout) && clean;
  }

  void stop() override {
    if (consumer_) consumer_->stop();
  }

 private:
  // The admin key, compared in time that does not depend on where it differs. A player's own
  // access token is refused with 403 (it is valid, just not for this).
  void authorize(const Request& req) const {
    if (admin_key_.empty()) throw Error(Code::admin_off, "the admin routes are off (set admin.api_key)");
    const auto token = req.bearer_token();
    if (same_key(token, admin_key_)) return;
    bool player = false;
    try {
      shared_.verifier.verify(token);
      player = true;
    } catch (const Error&) {
    }
    if (player) throw Error(Code::admin_only, "this route is for operators (admin.api_key), not players");
    throw Error(Code::unauthorized, "admin routes need Authorization: Bearer <admin.api_key>");
  }

  void add_routes() {
    shared_.routes.add(Method::get, "/v1/admin/events",
                       [this](Request& req) {
                         authorize(req);
                         events::Query q;
                         q.type = text_param(req, "type");
                         q.user_id = text_param(req, "user_id");
                         q.match_id = text_param(req, "match_id");
                         q.since_ms = time_param(req, "since");
                         q.until_ms = time_param(req, "until");
                         q.after_id = text_param(req, "cursor");
                         q.limit = page_limit(req, 100, 1000);
                         const auto rows = store_->query(q);
                         json::array out;
                         for (const auto& e : rows) out.push_back(to_json(e));
                         json::object body{{"events", std::move(out)}};
                         body["next_cursor"] = static_cast<int>(rows.size()) == q.limit ? json::value(rows.back().id)
                                                                                        : json::value(nullptr);
                         return Response::json(200, json::serialize(body));
                       },
                       {.runs_on = http::RunsOn::storage});
    shared_.routes.add(
        Method::get, "/v1/admin/stats/hourly",
        [this](Request& req) {
          authorize(req);
          const std::string metric = text_param(req, "metric");
          if (!metric.empty() && !events::known_hourly_metric(metric))
            throw Error(Code::invalid_field,
                        "metric is one of events, logins, matches, queue_wait_median_s, early_leavers");
          const auto since =
              time_param(req, "since")
                  .value_or(shared_.clock.now_unix_ms() / events::kHourMs * events::kHourMs - 24 * events::kHourMs);
          json::array out;
          for (const auto& s : store_->hourly(metric, since, page_limit(req, 1000, 10000)))
            out.push_back(json::object{{"hour", s.hour_ms}, {"metric", s.metric}, {"key", s.key}, {"value", s.value}});
          return Response::json(200, json::serialize(json::object{{"stats", std::move(out)}}));
        },
        {.runs_on = http::RunsOn::storage});
    shared_.routes.add(Method::get, "/v1/admin/events/dead",
                       [this](Request& req) {
                         authorize(req);
                         json::array out;
                         // The body may be any bytes: base64url, as it came.
                         for (const auto& d : store_->dead_letters(page_limit(req, 100, 1000)))
                           out.push_back(json::object{{"time", d.time_ms},
                                                      {"reason", d.reason},
                                                      {"detail", d.detail},
                                                      {"body_base64url", core::base64url_encode(d.body)}});
                         return Response::json(200, json::serialize(json::object{{"dead_letters", std::move(out)}}));
                       },
                       {.runs_on = http::RunsOn::storage});
  }

  events::Settings settings_;
  std::string admin_key_;
  Shared& shared_;
  std::unique_ptr<events::EventStore> store_;
  std::unique_ptr<events::Consumer> consumer_;
};

}  // namespace

std::unique_ptr<events::EventStore> open_event_store(Shared& shared) {
  if (shared.pg != nullptr) return std::make_unique<events::PgEventStore>(*shared.pg);
  if (shared.db != nullptr) return std::make_unique<events::SqliteEventStore>(*shared.db);
  throw std::logic_error("game events need storage");
}

void add_event_jobs(jobs::Worker& worker, events::EventStore& store, const core::Clock& clock,
                    std::chrono::milliseconds retention, events::Emitter* emitter) {
  // The hours that ended since the last run, and the two before again (late events: a consumer
  // that was behind); at most two days back.
  worker.handle("events.rollup", [&store, &clock](jobs::JobContext&) {
    constexpr auto hour = events::kHourMs;
    const std::int64_t current = clock.now_unix_ms() / hour * hour;
    const auto last = store.last_rolled_hour();
    const std::int64_t from = std::max(last ? *last - hour : current - 48 * hour, current - 48 * hour);
    for (std::int64_t h = from; h < current; h += hour) store.roll_up(h);
  });
  worker.handle("events.prune", [&store, &clock, retention](jobs::JobContext&) {
    if (retention.count() == 0) return;
    const std::int64_t before = clock.now_unix_ms() - retention.count();
    constexpr int kStep = 10'000;  // rows per transaction: writers wait at most one step
    int total = 0;
    for (int n = kStep; n > 0 && total < 100 * kStep;) {  // bounded: the next run goes on
      n = store.prune(before, kStep);
      total += n;
    }
    if (total > 0) log::get("jobs")->info("msg=\"old game events deleted\" rows={}", total);
  });
  // A process that died between a durable write and its event's publish: the results and rating
  // changes of the last day (older than 10 minutes: the first publish is surely through) whose
  // events the table lacks are emitted again, at their own time, marked republished.
  const bool republish = emitter != nullptr && emitter->on();  // off: the table gets nothing from here
  if (republish)
    worker.handle("events.republish", [&store, &clock, emitter](jobs::JobContext&) {
      const std::int64_t until = clock.now_unix_ms() - std::int64_t{10} * 60'000;
      const std::int64_t since = until - 24 * events::kHourMs;
      int n = 0;
      for (const auto& m : store.match_ends_missing(since, until, 1000)) {
        try {
          const auto rec = match::record_from_json(json::parse(m.record));
          auto data = match::ended_event_data(rec);
          data["republished"] = true;
          n += emitter->emit(
              "match.ended",
              {.match_id = m.match_id, .mode = m.mode, .region = rec.spec.region, .time_ms = m.ended_at_ms},
              std::move(data));
        } catch (const std::exception& e) {
          log::get("jobs")->error(
              "msg=\"a stored result does not read; its match.ended is not re-published\" "
              "match_id={} error=\"{}\"",
              m.match_id, e.what());
        }
      }
      for (const auto& r : store.rating_changes_missing(since, until, 5000))
        n += emitter->emit("rating.changed",
                           {.user_id = r.user_id, .match_id = r.match_id, .mode = r.mode, .time_ms = r.at_ms},
                           {{"before", r.before}, {"after", r.after}, {"outcome", r.outcome}, {"republished", true}});
      if (n > 0) log::get("jobs")->warn("msg=\"game events re-published from durable writes\" events={}", n);
    });
  jobs::JobSpec spec;
  spec.max_attempts = 3;
  if (republish) {
    spec.kind = "events.republish";
    worker.every("events.republish", "*/10 * * * *", spec);
  }
  spec.kind = "events.rollup";
  worker.every("events.rollup", "5 * * * *", spec);
  spec.kind = "events.prune";
  worker.every("events.prune", "41 3 * * *", spec);
}

std::unique_ptr<Component> events_role(const events::Settings& settings, std::string admin_key, Shared& shared) {
  return std::make_unique<EventsRole>(settings, std::move(admin_key), shared);
}

}  // namespace arena::app
