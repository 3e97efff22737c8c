#pragma once
// Where a process's roles emit game events. emit() never blocks and never does more than a push
// into a bounded buffer under a short lock (the game tick, an I/O thread or a bus handler calls
// it): the id, the JSON and the stream happen on the publisher's thread (Publisher, pipeline.hpp).
// When the buffer is full a droppable event is dropped and counted
// (arena_events_dropped_total{type}); the others (match.*, rating.*: TypeInfo::droppable) may use
// a reserve of three more buffers' worth and are dropped (and counted) only past that.
#include <boost/json/object.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "arena/core/clock.hpp"
#include "arena/events/event.hpp"
#include "arena/metrics/registry.hpp"

namespace arena::events {

struct EmitterMetrics {
  explicit EmitterMetrics(metrics::Registry& r);
  metrics::Family<metrics::Counter>& emitted;  // arena_events_emitted_total{type}
  metrics::Family<metrics::Counter>& dropped;  // arena_events_dropped_total{type}
  metrics::Gauge& buffered;                    // arena_events_buffered
};

// An event as emitted: its id and JSON come later, off the caller's thread.
struct Emitted {
  std::string type;
  std::int64_t time_ms = 0;
  About about;
  boost::json::object data;
};

class Emitter {
 public:
  // `capacity` 0: off (no stream in this process takes events; emit() returns false, uncounted).
  Emitter(std::string node, std::size_t capacity, const Catalogue& catalogue, const core::Clock& clock,
          metrics::Registry& registry);
  // False when off (capacity 0): nothing this process emits is recorded.
  bool on() const { return capacity_ > 0; }

  // Never blocks. False when the event was dropped (buffer full).
  bool emit(std::string_view type, About about, boost::json::object data = {});

  // For the publisher: up to `max` events, waiting up to `wait` for the first one; empty after
  // close() once the buffer is empty.
  std::vector<Emitted> take(std::size_t max, std::chrono::milliseconds wait);
  // take() returns at once from now on (what is buffered is still handed out).
  void close();
  std::size_t buffered() const;
  const std::string& node() const { return node_; }

 private:
  std::string node_;
  std::size_t capacity_;
  const Catalogue& catalogue_;
  const core::Clock& clock_;
  EmitterMetrics metrics_;
  struct Counters {
    metrics::Counter* emitted;
    metrics::Counter* dropped;
  };
  // Each type's counters, looked up in the registry once (under mu_).
  Counters& counters(std::string_view type);
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Emitted> items_;
  std::unordered_map<std::string, Counters, Hash, std::equal_to<>> counters_;
  Counters other_;
  bool closed_ = false;
};

}  // namespace arena::events
