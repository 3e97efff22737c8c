// Bus messages from other nodes are untrusted: the input is a sequence of records, each a
// subject (one byte picks it from the subjects the services listen on) and a payload, published
// to a MemoryBus on which presence, channels, the matchmaker and a match host listen. A bad
// payload must be dropped or answered with an error, never crash a service or leave it broken.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <string>

#include "services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena;
  static constexpr std::array<std::string_view, 14> kSubjects = {
      "session.opened",      "session.closed", "node.heartbeat", "presence.query", "channels.join", "channels.leave",
      "channels.members",    "mm.op",          "mm.stats",       "match.found",    "match.ended",   "match.m1.op",
      "presence.changed.u1", "auth.revoked"};
  fuzz::Services s;
  FuzzedDataProvider in(data, size);
  for (int i = 0; i < 32 && in.remaining_bytes() > 0; ++i) {
    const auto subject = kSubjects[in.ConsumeIntegralInRange<std::size_t>(0, kSubjects.size() - 1)];
    const std::string payload = in.ConsumeRandomLengthString(2048);
    if (in.ConsumeBool()) {
      (void)s.bus.request_sync(subject, payload, std::chrono::milliseconds(1));  // replies are inline
    } else {
      s.bus.publish(subject, payload);
    }
    if (subject == "mm.op") s.matchmaker.tick();
  }
  // Still serving after all of it.
  const auto r = s.bus.request_sync("mm.stats", "{}", std::chrono::seconds(1));
  if (r.error != bus::RequestError::none) __builtin_trap();
  return 0;
}
