#pragma once
// Settings section `events` (the game-event pipeline; docs/events.md).
#include <chrono>
#include <cstddef>
#include <string>

namespace arena::events {

struct Settings {
  std::string broker = "memory";                 // memory: the in-process queue (embedded); nats://...: JetStream
  std::size_t buffer = 65536;                    // events a process holds before it drops droppable ones
  std::size_t batch_size = 2000;                 // events the consumer writes in one transaction at most
  std::chrono::milliseconds batch_timeout{200};  // how long the consumer waits to fill a batch
  std::size_t writers = 2;                       // batches the consumer writes at once (each its own connection)
  std::size_t max_data_bytes = 8192;             // an event's serialised data
  // Events and dead letters older than this are deleted by the daily job events.prune (0: kept).
  std::chrono::milliseconds retention{90LL * 24 * 3600 * 1000};
};

}  // namespace arena::events
