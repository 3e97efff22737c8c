// Game events end to end: N events emitted (as roles emit them), published by the process's
// Publisher onto the stream, taken by the events role's Consumer and written into the events
// table. Reports what an emit() costs its caller (a tick pays this and nothing else) and the
// events/s from the first emit to the last row committed.
//   arena-bench-events --events 200000 [--broker memory|nats://127.0.0.1:4222|amqp://guest:guest@127.0.0.1:5672]
//                      [--database postgres://...] [--batch 2000] [--emitters 4] [--writers 2]
// On a temporary SQLite file unless --database names PostgreSQL (its events table is emptied
// first). With a broker, what an earlier run left on the stream is taken off it first.
#include <CLI/CLI.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "arena/events/pipeline.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

using namespace arena;

namespace {

std::int64_t rows(events::EventStore& store) {
  std::int64_t n = 0;
  std::string after;
  for (;;) {  // counting through the store's own query: what an operator would see
    auto page = store.query({.after_id = after, .limit = 1000});
    if (page.empty()) return n;
    n += static_cast<std::int64_t>(page.size());
    after = page.back().id;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"arena-bench-events"};
  const events::PipelineSettings defaults;
  int n = 200000, batch = static_cast<int>(defaults.batch_size), emitters = 4,
      writers = static_cast<int>(defaults.writers);
  std::string broker = "memory", database;
  app.add_option("--events", n, "events to emit");
  app.add_option("--broker", broker,
                 "memory, nats://host:port (JetStream on) or amqp://user:pass@host:port (RabbitMQ)");
  app.add_option("--database", database, "postgres://... (default: a temporary SQLite file)");
  app.add_option("--batch", batch, "events per consumer batch (events.batch_size)");
  app.add_option("--emitters", emitters, "threads emitting at once");
  app.add_option("--writers", writers, "batches written at once (events.writers)");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<storage::Sqlite> db;
  std::unique_ptr<storage::PgPool> pg;
  std::unique_ptr<events::EventStore> store;
  const auto dir = std::filesystem::temp_directory_path() / ("arena-bench-events-" + std::to_string(::getpid()));
  if (database.empty()) {
    std::filesystem::create_directories(dir);
    db = storage::Sqlite::open(dir / "events.db");
    storage::migrate_up(*db, storage::sqlite_migrations(), 1'800'000'000);
    store = std::make_unique<events::SqliteEventStore>(*db);
  } else {
    storage::migrate_up(database, storage::postgres_migrations(), 1'800'000'000);
    pg = std::make_unique<storage::PgPool>(storage::PgPoolSettings{.url = database, .size = 4});
    pg->with([](storage::Pg& c) { c.exec("TRUNCATE events, dead_events"); });
    store = std::make_unique<events::PgEventStore>(*pg);
  }
  std::unique_ptr<events::Stream> producer, consumer;
  events::MemoryStream* memory = nullptr;
  if (broker == "memory") {
    auto m = std::make_unique<events::MemoryStream>(65536);
    memory = m.get();
    producer = std::move(m);
  } else if (broker.rfind("amqp://", 0) == 0) {
    producer = events::open_rabbitmq_stream({.url = broker, .client_name = "bench-producer"});
    consumer = events::open_rabbitmq_stream({.url = broker, .client_name = "bench-consumer", .consume = true});
  } else {
    producer = events::open_nats_stream({.url = broker, .client_name = "bench-producer"});
    consumer = events::open_nats_stream({.url = broker, .client_name = "bench-consumer", .consume = true});
  }
  if (consumer) {
    // What an earlier run left unconsumed would count here: take it first.
    for (;;) {
      auto old = consumer->fetch(5000, std::chrono::milliseconds(200));
      if (old.empty()) break;
      consumer->ack(old);
    }
  }
  events::Stream& in = memory != nullptr ? *producer : *consumer;

  events::Catalogue known;
  core::SystemClock clock;
  metrics::Registry registry;
  events::PipelineSettings settings;
  settings.batch_size = static_cast<std::size_t>(batch);
  settings.batch_timeout = std::chrono::milliseconds(50);
  settings.writers = static_cast<std::size_t>(writers);
  events::Emitter emitter("bench", static_cast<std::size_t>(n), known, clock, registry);
  events::Publisher publisher(emitter, *producer, settings, registry);
  events::Consumer consuming(in, *store, known, settings, clock, registry);
  consuming.start();
  publisher.start();

  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> emit_ns{0}, dropped{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < emitters; ++t)
    threads.emplace_back([&, t] {
      std::int64_t spent = 0;
      for (int i = t; i < n; i += emitters) {
        const auto a = std::chrono::steady_clock::now();
        const bool ok = emitter.emit("mm.queued", {.user_id = "u" + std::to_string(i % 10000), .mode = "duel"},
                                     {{"ticket_id", i}, {"rating_window", 100}});
        spent += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - a).count();
        if (!ok) dropped.fetch_add(1);
      }
      emit_ns.fetch_add(spent);
    });
  for (auto& t : threads) t.join();
  const double emitted_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  publisher.stop(std::chrono::minutes(5));
  const double published_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Written: the consumer's counter says when every event has a row (bounded: 10 minutes).
  auto written = [&registry] {
    const std::string text = registry.render();
    const std::string key = "\narena_events_written_total ";
    const auto at = text.find(key);
    return at == std::string::npos ? 0LL : static_cast<long long>(std::strtod(text.c_str() + at + key.size(), nullptr));
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (written() < n - dropped.load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double written_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  in.close();
  consuming.stop();
  const auto stored = rows(*store);
  std::printf("broker=%s store=%s events=%d batch=%d emitters=%d writers=%d\n", broker.c_str(),
              database.empty() ? "sqlite" : "postgres", n, batch, emitters, writers);
  std::printf("emit: %.0f ns per event on the caller (%.2f s for all, %lld dropped)\n",
              static_cast<double>(emit_ns.load()) / n, emitted_s, static_cast<long long>(dropped.load()));
  std::printf("published: %.2f s (%.0f/s)\n", published_s, n / published_s);
  std::printf("written: %lld rows in %.2f s: %.0f events/s end to end\n", static_cast<long long>(stored), written_s,
              static_cast<double>(stored) / written_s);
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return stored == n - dropped.load() ? 0 : 1;
}
