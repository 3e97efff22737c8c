#include "arena/events/pipeline.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <random>

#include "arena/core/log.hpp"
#include "arena/core/random.hpp"

namespace arena::events {

namespace {
using Ms = std::chrono::milliseconds;

// Full jitter: a random wait up to base * 2^attempt, capped.
Ms backoff(const PipelineSettings& s, int attempt) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto ceiling = std::min<std::int64_t>(s.backoff_cap.count(), s.backoff_base.count() << std::min(attempt, 20));
  return Ms(std::uniform_int_distribution<std::int64_t>(0, std::max<std::int64_t>(ceiling, 1))(rng));
}

// Waits `d` in short steps so that a stop is not held up by a long backoff.
void pause(Ms d, const std::atomic<bool>& stopping) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (!stopping.load() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(
        std::min<Ms>(Ms(50), std::chrono::duration_cast<Ms>(end - std::chrono::steady_clock::now()) + Ms(1)));
}

}  // namespace

// ------------------------------------------------------------------ publisher

Publisher::Publisher(Emitter& emitter, Stream& stream, const PipelineSettings& settings, metrics::Registry& registry)
    : emitter_(emitter),
      stream_(stream),
      settings_(settings),
      published_(registry
                     .counter("arena_events_published_total",
                              "Game events this process published and the stream confirmed holding")
                     .with({})),
      failures_(registry
                    .counter("arena_events_publish_failures_total",
                             "Batches of game events the stream refused (kept and tried again)")
                    .with({})) {}

Publisher::~Publisher() {
  stop();
}

void Publisher::start() {
  thread_ = std::thread([this] { run(); });
}

bool Publisher::stop(Ms timeout) {
  if (!thread_.joinable()) return emitter_.buffered() == 0;
  give_up_ = std::chrono::steady_clock::now() + timeout;
  stopping_ = true;
  emitter_.close();
  thread_.join();
  return !gave_up_ && emitter_.buffered() == 0;
}

void Publisher::pack(const std::string& type, const std::vector<Event>& list, std::vector<Outgoing>& out) const {
  std::vector<std::string> encoded;
  std::size_t bytes = 0;
  std::string first_id;  // a message of one event goes as that event, with its id
  const auto flush = [&] {
    if (encoded.size() == 1)
      out.push_back(Outgoing{first_id, type, std::move(encoded.front())});
    else if (!encoded.empty())  // a pack has an id of its own: the broker's de-duplication key
      out.push_back(Outgoing{core::new_uuid(), type, encode_pack(encoded)});
    encoded.clear();
    bytes = 0;
  };
  for (const auto& e : list) {
    auto body = encode(e);
    if (!encoded.empty() && (encoded.size() >= std::clamp<std::size_t>(settings_.pack_events, 1, kMaxPack) ||
                             bytes + body.size() > settings_.pack_bytes))
      flush();
    if (encoded.empty()) first_id = e.id;
    bytes += body.size() + 1;
    encoded.push_back(std::move(body));
  }
  flush();
}

void Publisher::run() {
  auto log = log::get("events");
  for (;;) {
    auto items = emitter_.take(settings_.batch_size, settings_.batch_timeout);
    if (items.empty()) {
      if (stopping_) return;
      continue;
    }
    const std::size_t events = items.size();
    std::vector<Outgoing> out;
    {
      // Each type's events, in their order, in packs: one message for up to pack_events of them.
      std::map<std::string, std::vector<Event>> by_type;
      for (auto& it : items) {
        Event e{core::new_uuid(),         std::move(it.type),          it.time_ms,
                emitter_.node(),          std::move(it.about.user_id), std::move(it.about.match_id),
                std::move(it.about.mode), std::move(it.about.region),  boost::json::serialize(it.data)};
        by_type[e.type].push_back(std::move(e));
      }
      for (auto& [type, list] : by_type) pack(type, list, out);
    }
    for (int attempt = 0;; ++attempt) {
      try {
        stream_.publish(out);
        published_.inc(events);
        break;
      } catch (const std::exception& ex) {
        failures_.inc();
        if (stopping_ && std::chrono::steady_clock::now() >= give_up_) {
          log->error("msg=\"game events lost at shutdown: the stream refused them\" events={} error=\"{}\"", events,
                     ex.what());
          gave_up_ = true;
          return;
        }
        log->warn("msg=\"publishing game events failed; trying again\" events={} attempt={} error=\"{}\"", events,
                  attempt + 1, ex.what());
        const auto wait = backoff(settings_, attempt);
        if (stopping_)
          std::this_thread::sleep_for(std::min(wait, Ms(100)));  // bounded by give_up_
        else
          pause(wait, stopping_);
      }
    }
  }
}

// ------------------------------------------------------------------ consumer

struct Consumer::Metrics {
  explicit Metrics(metrics::Registry& r)
      : consumed(r.counter("arena_events_consumed_total", "Events the events consumer took from the stream").with({})),
        written(r.counter("arena_events_written_total", "Event rows written to analytics storage").with({})),
        duplicates(
            r.counter("arena_events_duplicates_total", "Events delivered again whose row was there already (skipped)")
                .with({})),
        dead(r.counter("arena_events_dead_lettered_total",
                       "Events dead-lettered (or messages that held none), by reason", {"reason"})),
        write_failures(
            r.counter("arena_events_write_failures_total", "Batch writes that failed (retried with backoff)").with({})),
        batch_size(r.histogram("arena_events_batch_size", "Events per batch the consumer took", {},
                               {1, 10, 50, 100, 250, 500, 1000, 2000, 5000})
                       .with({})),
        write_seconds(r.histogram("arena_events_write_seconds", "Time to write one batch to analytics storage", {},
                                  {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})
                          .with({})),
        lag(r.gauge("arena_events_consumer_lag_seconds",
                    "How old the oldest event of the last written batch was when it was written")
                .with({})) {}
  metrics::Counter& consumed;
  metrics::Counter& written;
  metrics::Counter& duplicates;
  metrics::Family<metrics::Counter>& dead;
  metrics::Counter& write_failures;
  metrics::Histogram& batch_size;
  metrics::Histogram& write_seconds;
  metrics::Gauge& lag;
};

Consumer::Consumer(Stream& stream, EventStore& store, const Catalogue& catalogue, const PipelineSettings& settings,
                   const core::Clock& clock, metrics::Registry& registry)
    : stream_(stream),
      store_(store),
      catalogue_(catalogue),
      settings_(settings),
      clock_(clock),
      metrics_(std::make_unique<Metrics>(registry)) {}

Consumer::~Consumer() {
  stop();
}

void Consumer::start() {
  thread_ = std::thread([this] { run(); });
}

void Consumer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

bool Consumer::drain(Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Two empty fetches after this point: the second one surely started after everything published
  // so far was in the stream.
  const auto seen = empty_fetches_.load();
  while (empty_fetches_.load() < seen + 2 && std::chrono::steady_clock::now() < deadline && thread_.joinable())
    std::this_thread::sleep_for(Ms(10));
  const bool drained = empty_fetches_.load() >= seen + 2;
  stop();
  return drained;
}

void Consumer::run() {
  // While batches are written (each on a thread of its own, up to `writers` at once), the next is
  // fetched and read: the database need not wait for the stream, nor the stream for the database.
  // Every stream call stays on this thread, and a batch is acked only after its rows are committed.
  struct Writing {
    std::future<bool> done;
    std::shared_ptr<Batch> batch;
  };
  std::deque<Writing> writing;
  const auto settle_first = [&] {
    if (writing.front().done.get()) finish(*writing.front().batch);  // else (stopping) unacked: delivered again
    writing.pop_front();
  };
  const auto settle_done = [&] {  // acks what is committed already, without waiting
    while (!writing.empty() && writing.front().done.wait_for(Ms(0)) == std::future_status::ready) settle_first();
  };
  const auto settle_all = [&] {
    while (!writing.empty()) settle_first();
  };
  // batch_size counts events: that many in messages of pack_events each.
  const auto messages =
      std::max<std::size_t>(1, settings_.batch_size / std::max<std::size_t>(1, settings_.pack_events));
  const auto writers = std::max<std::size_t>(1, settings_.writers);
  while (!stopping_) {
    settle_done();
    auto fetched = stream_.fetch(messages, settings_.batch_timeout);
    if (fetched.empty()) {
      settle_all();
      ++empty_fetches_;
      continue;
    }
    auto next = std::make_shared<Batch>(read(fetched));
    while (writing.size() >= writers) settle_first();
    writing.push_back({std::async(std::launch::async, [this, next] { return write(next->good, next->dead); }), next});
  }
  settle_all();
}

Consumer::Batch Consumer::read(std::vector<Delivery>& fetched) {
  const auto now = clock_.now_unix_ms();
  Batch b;
  for (auto& d : fetched) {
    bool any = false;  // a message with no event read is rejected (a broker keeps it as it came)
    for (auto& part : decode_message(d.body, catalogue_, settings_.limits)) {
      if (auto* e = std::get_if<Event>(&part.result)) {
        b.good.push_back(std::move(*e));
        any = true;
      } else {
        const auto& rej = std::get<Rejected>(part.result);
        b.dead.push_back(DeadLetter{now, std::string(to_string(rej.reason)), rej.detail, std::move(part.bytes)});
      }
    }
    if (any)
      b.read.push_back({{}, d.tag});
    else
      b.unreadable.push_back(std::move(d));
  }
  metrics_->consumed.inc(b.good.size() + b.dead.size());
  metrics_->batch_size.observe(static_cast<double>(b.good.size() + b.dead.size()));
  return b;
}

void Consumer::finish(const Batch& b) {
  if (!b.unreadable.empty()) stream_.reject(b.unreadable);  // first: then the acks may go as one
  stream_.ack(b.read);
}

bool Consumer::write(const std::vector<Event>& good, std::vector<DeadLetter>& dead) {
  auto log = log::get("events");
  auto once = [&] {
    const auto start = std::chrono::steady_clock::now();
    const int n = store_.write(good);
    store_.dead_letter(dead);
    metrics_->write_seconds.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    metrics_->written.inc(static_cast<std::uint64_t>(n));
    metrics_->duplicates.inc(good.size() - static_cast<std::size_t>(n));
    for (const auto& d : dead) metrics_->dead.with({d.reason}).inc();
    if (!good.empty()) {
      const auto oldest = std::min_element(good.begin(), good.end(), [](const Event& a, const Event& b) {
                            return a.time_ms < b.time_ms;
                          })->time_ms;
      metrics_->lag.set(static_cast<double>(clock_.now_unix_ms() - oldest) / 1000.0);
    }
  };
  for (int attempt = 0; attempt < settings_.write_attempts; ++attempt) {
    try {
      once();
      return true;
    } catch (const std::exception& ex) {
      metrics_->write_failures.inc();
      if (stopping_) return false;  // not acked: a broker delivers it again
      log->warn("msg=\"writing game events failed; trying again\" events={} attempt={} error=\"{}\"", good.size(),
                attempt + 1, ex.what());
      pause(backoff(settings_, attempt), stopping_);
    }
  }
  // One at a time: the ones that fail alone are dead-lettered and the rest go on.
  const auto now = clock_.now_unix_ms();
  for (const auto& e : good) {
    try {
      const int n = store_.write({e});
      metrics_->written.inc(static_cast<std::uint64_t>(n));
    } catch (const std::exception& ex) {
      dead.push_back(DeadLetter{now, "write_failed", ex.what(), encode(e)});
    }
  }
  // The storage refuses even the dead letters: the batch stays unacked (a broker delivers it again).
  for (int attempt = 0; !stopping_; ++attempt) {
    try {
      store_.dead_letter(dead);
      for (const auto& d : dead) metrics_->dead.with({d.reason}).inc();
      return true;
    } catch (const std::exception& ex) {
      log->error("msg=\"storing dead letters failed; trying again\" letters={} error=\"{}\"", dead.size(), ex.what());
      pause(backoff(settings_, attempt), stopping_);
    }
  }
  return false;
}

}  // namespace arena::events
