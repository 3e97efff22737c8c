#pragma once
// The two moving parts of the event pipeline, each a thread of its own:
// - Publisher (every process that emits): takes batches from the Emitter, gives each event its
//   id (UUIDv7) and JSON, packs the events of each type into messages of up to `pack_events`,
//   publishes them on the Stream and waits for the stream to hold them;
//   a batch the stream refused is kept and tried again with backoff (meanwhile the buffer fills,
//   and what overflows is dropped and counted, never the caller slowed).
// - Consumer (the `events` role): fetches batches of about `batch_size` events (waiting up to
//   `batch_timeout` for the first), decodes each event strictly, writes the good ones in one
//   transaction (ON CONFLICT (id) DO NOTHING: at-least-once delivery, exactly-once rows), stores
//   the bad ones as dead letters with their reason, then acks the batch. A batch whose write
//   fails is retried with backoff; after `write_attempts` it is written one event at a time, and an
//   event that fails alone is dead-lettered (write_failed) so that the rest go on. Up to `writers`
//   batches are written at once (each on a thread and a connection of its own) while the next is
//   fetched and read; it holds at most writers + 1 batches: that is its back-pressure.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "arena/core/clock.hpp"
#include "arena/events/emitter.hpp"
#include "arena/events/settings.hpp"
#include "arena/events/store.hpp"
#include "arena/events/stream.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::events {

struct PipelineSettings {
  // Events one message carries at most (a pack of one type, event.hpp), and its bytes at most.
  std::size_t pack_events = 100;
  std::size_t pack_bytes = std::size_t{256} * 1024;
  std::size_t batch_size = 2000;  // events: the consumer fetches batch_size / pack_events messages
  std::chrono::milliseconds batch_timeout{200};
  std::size_t writers = 2;  // batches written at once
  int write_attempts = 5;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{5000};
  Limits limits;
};

inline PipelineSettings pipeline_settings(const Settings& s) {
  PipelineSettings p;
  p.batch_size = s.batch_size;
  p.batch_timeout = s.batch_timeout;
  p.writers = s.writers;
  p.limits.max_data_bytes = s.max_data_bytes;
  return p;
}

class Publisher {
 public:
  Publisher(Emitter& emitter, Stream& stream, const PipelineSettings& settings, metrics::Registry& registry);
  ~Publisher();  // stop()
  void start();
  // Publishes what is buffered (up to `timeout`), then stops the thread. True when nothing was left
  // behind (nothing buffered, no batch given up).
  bool stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  void run();
  // `list` (events of `type`, in order) as messages of up to pack_events each, onto `out`.
  void pack(const std::string& type, const std::vector<Event>& list, std::vector<Outgoing>& out) const;
  Emitter& emitter_;
  Stream& stream_;
  PipelineSettings settings_;
  metrics::Counter& published_;
  metrics::Counter& failures_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> gave_up_{false};  // a batch was dropped at shutdown
  std::chrono::steady_clock::time_point give_up_;
  std::thread thread_;
};

class Consumer {
 public:
  Consumer(Stream& stream, EventStore& store, const Catalogue& catalogue, const PipelineSettings& settings,
           const core::Clock& clock, metrics::Registry& registry);
  ~Consumer();  // stop()
  void start();
  // Lets the batch in hand finish, then stops.
  void stop();
  // Writes what the stream still hands out (the publishers have stopped), up to `timeout`, then
  // stops. True when the stream ran empty.
  bool drain(std::chrono::milliseconds timeout);

 private:
  // A fetched batch, read: its events, its dead letters, and the deliveries to ack and reject.
  struct Batch {
    std::vector<Event> good;
    std::vector<DeadLetter> dead;
    std::vector<Delivery> read, unreadable;
  };
  void run();
  Batch read(std::vector<Delivery>& fetched);
  // After the batch's rows are committed: rejects what it could not read, acks the rest.
  void finish(const Batch& b);
  // Stores the batch (retried, then one event at a time). False when it could not (only while
  // stopping): it is not acked.
  bool write(const std::vector<Event>& good, std::vector<DeadLetter>& dead);
  Stream& stream_;
  EventStore& store_;
  const Catalogue& catalogue_;
  PipelineSettings settings_;
  const core::Clock& clock_;
  struct Metrics;
  std::unique_ptr<Metrics> metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> empty_fetches_{0};
  std::thread thread_;
};

}  // namespace arena::events
