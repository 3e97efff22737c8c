// Bus messages from other nodes are untrusted: the input is a sequence of records, each a
// subject (one byte picks it from the subjects the services listen on) and a payload, published
// to a MemoryBus on which presence, channels, the matchmaker, a match host and a gateway (with
// users u0..u3 connected, u1 in channel "lobby") listen. A bad
// payload must be dropped or answered with an error, never crash a service or leave it broken.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstdint>
#include <string>

#include "arena/core/encoding.hpp"
#include "services.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena;
  static constexpr std::array<std::string_view, 17> kSubjects = {"session.opened",
                                                                 "session.closed",
                                                                 "node.heartbeat",
                                                                 "presence.query",
                                                                 "channels.join",
                                                                 "channels.leave",
                                                                 "channels.members",
                                                                 "mm.op",
                                                                 "mm.stats",
                                                                 "match.found",
                                                                 "match.ended",
                                                                 "match.m1.op",
                                                                 "presence.changed.u1",
                                                                 "presence.resync",
                                                                 "route.user.u1",
                                                                 "route.channel.lobby",
                                                                 "auth.accounts.exist"};
  static const auth::Jwt jwt(
      auth::KeyRing::parse("k1:" + core::base64url_encode(std::string_view("fuzz-bus-secret-0123456789abcdefghij"))),
      auth::JwtOptions{});
  fuzz::Services s;
  fuzz::Edge edge(s, jwt);
  edge.gateway.link_text(edge.links[1], R"({"op":"channel.join","d":{"channel":"lobby"}})");
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
