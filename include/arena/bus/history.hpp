#pragma once
// What was published lately on some subjects, kept by the bus for a while: in a cluster a NATS
// JetStream stream in the server's memory (NatsBus::keep_history). A gateway that takes over a
// session from a gateway that died reads from it what was routed to the session meanwhile.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "arena/core/clock.hpp"

namespace arena::bus {

struct StoredMessage {
  std::uint64_t seq = 0;  // the stream's order, across subjects
  std::string subject;
  std::string data;
};

struct HistorySettings {
  std::string stream = "ARENA_ROUTES";
  std::vector<std::string> subjects;       // patterns
  std::chrono::milliseconds max_age{60'000};
  std::int64_t max_bytes = std::int64_t{256} << 20;  // the oldest go first beyond it
};

class History {
 public:
  virtual ~History() = default;
  // Messages on `subject` stored at or after `from`, oldest first, at most `limit` (more are left
  // out: `truncated` says so). Throws std::runtime_error when the bus cannot answer.
  virtual std::vector<StoredMessage> since(const std::string& subject, core::SystemTime from, std::size_t limit,
                                           bool& truncated) = 0;
  // Makes sure the history is kept (a NATS server that restarted has lost its memory streams):
  // true when it had to be made again. Throws when the bus cannot answer.
  virtual bool ensure() = 0;
};

}  // namespace arena::bus
