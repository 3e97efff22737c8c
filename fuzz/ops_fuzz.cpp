// Client ops: each line of the input is one WebSocket text message from one of four users,
// handed to a real Gateway as its connection would hand it over (a socket-less Link), so every
// op's payload decoding runs as it does in the server: the gateway's own ops (channels, DMs,
// presence, session.refresh), mm.* and party.* through a real matchmaker, match.* to a real
// match host. Each match.input payload also goes to both games directly. Every frame the
// gateway sends back must be a JSON object with an op; nothing may throw out of a service.
#include <boost/json.hpp>

#include <cstdint>
#include <mutex>
#include <string>

#include "arena/auth/jwt.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/encoding.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/match/game_mode.hpp"
#include "arena/match/play.hpp"
#include "arena/protocol/subjects.hpp"
#include "services.hpp"

namespace json = boost::json;
using namespace arena;

namespace {

const std::string kSecret = "fuzz-ops-secret-0123456789abcdefghij";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const match::GameRegistry games = match::builtin_games();
  static const auth::Jwt jwt(auth::KeyRing::parse("k1:" + core::base64url_encode(kSecret)), auth::JwtOptions{});
  fuzz::Services s;
  fuzz::Edge edge(s, jwt);
  auto& gw = edge.gateway;
  auto& links = edge.links;
  const std::vector<match::Seat> seats = {{"u0", false, 0}, {"u1", false, 1}};
  std::vector<std::unique_ptr<match::GameMode>> all;  // every built-in game takes the same inputs
  for (const auto& name : games.names()) {
    const auto& info = *games.find(name);
    if (info.min_players > 2) continue;
    all.push_back(info.make());
    match::play::start(*all.back(), info, seats, 7);
  }
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int line = 0; !rest.empty() && line < 64; ++line) {
    const auto nl = rest.find('\n');
    std::string_view text = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (text.empty()) continue;
    const int user = static_cast<unsigned char>(text[0]) % 4;
    text.remove_prefix(1);
    gw.link_text(links[static_cast<std::size_t>(user)], text);
    if (text.find("mm.") != std::string_view::npos) s.matchmaker.tick();
    // The same input straight into both games, as the host hands it over.
    boost::system::error_code ec;
    const auto env = json::parse(text, ec);
    if (ec || !env.is_object()) continue;
    const auto* d = env.as_object().if_contains("d");
    const auto* op = env.as_object().if_contains("op");
    if (op == nullptr || !op->is_string() || op->get_string() != "match.input" || d == nullptr || !d->is_object())
      continue;
    const json::value in = d->as_object().contains("d") ? d->as_object().at("d") : json::value();
    for (auto& g : all) {
      try {
        g->input(user % 2, in);
      } catch (const match::InputError& e) {
        if (std::string_view(e.code()).empty()) __builtin_trap();
      }
      match::TickOutput out;
      if (!g->over()) g->tick(out);
      (void)g->snapshot(match::kSpectator);
    }
  }
  return 0;
}
