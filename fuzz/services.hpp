#pragma once
// Every service that takes bus messages, wired on one MemoryBus as the embedded server wires
// them, for the fuzz targets that feed them hostile messages. Fresh for each input, so an input
// replays alone. Timers idle (a fake clock; the matchmaker ticks only when told).
#include <boost/json.hpp>

#include <mutex>

#include "arena/auth/jwt.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/bus/memory_bus.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/clock.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/host.hpp"
#include "arena/match/store.hpp"
#include "arena/matchmaking/mode.hpp"
#include "arena/matchmaking/service.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/router/router.hpp"
#include "arena/sessions/channel_service.hpp"
#include "arena/sessions/presence_service.hpp"
#include "gateway/link.hpp"

namespace arena::fuzz {

struct Services {
  Services()
      : clock(core::SystemTime(std::chrono::seconds(1'700'000'000))),
        timers(clock),
        router(bus),
        backlog(registry),
        presence(bus, clock, timers, directory, backlog),
        channels(bus, router, sessions::ChannelSettings{16}, directory, backlog),
        ratings(1500),
        matchmaker(bus, clock, matchmaking::default_modes(), ratings, registry,
                   matchmaking::Settings{.max_party_size = 4}, nullptr),
        host(bus, match::builtin_games(), store, clock, registry,
             match::HostSettings{.threads = 1, .checkpoint_interval = std::chrono::milliseconds(0)}) {}

  bus::MemoryBus bus{0};  // delivered inline: one thread, reproducible runs
  core::FakeClock clock;
  runtime::Timers timers;
  metrics::Registry registry;
  router::Router router;
  sessions::MemoryDirectory directory;
  sessions::Backlog backlog;
  sessions::PresenceService presence;
  sessions::ChannelService channels;
  matchmaking::FixedRating ratings;
  matchmaking::MatchmakerService matchmaker;
  match::MemoryMatchStore store;
  match::MatchHost host;
};

// A client end without a socket: checks every frame it is sent.
class FuzzLink final : public gateway::BareLink {
 public:
  using BareLink::BareLink;
  void send(gateway::Outbound out) override {
    const std::string frame = out.seq != 0 ? "{\"seq\":1," + *out.body : *out.body;
    boost::system::error_code ec;
    const auto v = boost::json::parse(frame, ec);
    if (ec || !v.is_object() || !v.as_object().contains("op") || !v.at("op").is_string()) __builtin_trap();
  }
};

// A gateway on the services' bus with four users connected (u0..u3) through FuzzLinks, and the
// auth role's answer to "which of these are accounts" (u0..u3 are).
struct Edge {
  Edge(Services& s, const auth::Jwt& jwt)
      : metrics(s.registry),
        verifier(jwt, s.clock, metrics),
        exists(
            s.bus.subscribe(protocol::kAccountsExist,
                            [&s](const bus::Message& m) {
                              boost::json::object found;
                              if (auto req = bus::payload::parse(m.data)) {
                                if (const auto* ids = req->if_contains("user_ids"); ids != nullptr && ids->is_array())
                                  for (const auto& id : ids->get_array())
                                    if (id.is_string())
                                      found[id.get_string()] = id.get_string().size() == 2 && id.get_string()[0] == 'u';
                              }
                              bus::payload::reply(s.bus, m, {{"exists", std::move(found)}});
                            })),
        gateway(gateway::Settings{.max_channels = 4}, s.bus, verifier, s.clock, s.timers, s.registry) {
    for (int u = 0; u < 4; ++u) {
      const std::string user = "u" + std::to_string(u);
      links.push_back(std::make_shared<FuzzLink>(gateway::ConnectionInfo{
          .user_id = user, .login_id = "l" + user, .token_expires_at = INT64_MAX, .remote_ip = "127.0.0.1"}));
      gateway.open_link(links.back());
    }
  }
  ~Edge() {
    for (auto& l : links) gateway.link_closed(l);
  }
  auth::AuthMetrics metrics;
  auth::TokenVerifier verifier;
  std::unique_ptr<bus::Subscription> exists;
  gateway::Gateway gateway;
  std::vector<std::shared_ptr<FuzzLink>> links;
};

}  // namespace arena::fuzz
