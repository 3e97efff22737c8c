#pragma once
// Every service that takes bus messages, wired on one MemoryBus as the embedded server wires
// them, for the fuzz targets that feed them hostile messages. Fresh for each input, so an input
// replays alone. Timers idle (a fake clock; the matchmaker ticks only when told).
#include "arena/bus/memory_bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/host.hpp"
#include "arena/match/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/matchmaking/service.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/router/router.hpp"
#include "arena/sessions/channel_service.hpp"
#include "arena/sessions/presence_service.hpp"

namespace arena::fuzz {

struct Services {
  Services()
      : clock(core::SystemTime(std::chrono::seconds(1'700'000'000))),
        router(bus),
        presence(bus),
        channels(bus, router, sessions::ChannelLimits{16}),
        ratings(1500),
        matchmaker(bus, clock, matchmaking::default_modes(), ratings, registry,
                   matchmaking::ServiceSettings{.max_party_size = 4, .run_thread = false}),
        host(bus, match::builtin_games(), store, clock, registry, match::HostSettings{.threads = 1}) {}

  bus::MemoryBus bus;
  core::FakeClock clock;
  metrics::Registry registry;
  router::Router router;
  sessions::PresenceService presence;
  sessions::ChannelService channels;
  matchmaking::FixedRating ratings;
  matchmaking::MatchmakerService matchmaker;
  match::MemoryMatchStore store;
  match::MatchHost host;
};

}  // namespace arena::fuzz
