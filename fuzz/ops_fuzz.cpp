// Client ops: each line of the input is one WebSocket text message. It goes through the
// envelope parser; matchmaker and party ops then go to a real MatchmakerService over the bus,
// as the gateway forwards them (from one of four users, so parties and invites interact), and
// match inputs to both games, as the host hands them over. Every refusal must be a reply with
// a code; nothing may throw out of a service.
#include <boost/json.hpp>

#include <cstdint>
#include <string>

#include "arena/core/error.hpp"
#include "arena/match/game_mode.hpp"
#include "gateway/protocol.hpp"
#include "services.hpp"

namespace json = boost::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena;
  static const match::GameRegistry games = match::builtin_games();
  fuzz::Services s;
  auto cycles = games.find("cycles")->make();
  auto four = games.find("four")->make();
  const std::vector<match::Seat> seats = {{"u0", false, 0}, {"u1", false, 1}};
  cycles->start(seats, 7);
  four->start(seats, 7);
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  for (int line = 0; !rest.empty() && line < 64; ++line) {
    const auto nl = rest.find('\n');
    std::string_view text = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (text.empty()) continue;
    const int user = static_cast<unsigned char>(text[0]) % 4;
    text.remove_prefix(1);
    gateway::Envelope env;
    try {
      gateway::parse_envelope(text, 32, env);
    } catch (const ApiError& e) {
      if (e.code().empty()) __builtin_trap();
      continue;
    }
    if (env.op.rfind("mm.", 0) == 0 || env.op.rfind("party.", 0) == 0) {
      const json::object req{{"op", env.op}, {"user_id", "u" + std::to_string(user)}, {"sid", "s"}, {"d", env.d}};
      const auto r = s.bus.request_sync("mm.op", json::serialize(req), std::chrono::seconds(1));
      if (r.error != bus::RequestError::none) __builtin_trap();  // the matchmaker always answers
      const auto v = json::parse(r.data);
      if (!v.is_object() || (!v.as_object().contains("d") && !v.as_object().contains("error"))) __builtin_trap();
      if (env.op == "mm.enqueue") s.matchmaker.tick();
    } else if (env.op == "match.input") {
      const json::value d = env.d.contains("d") ? env.d.at("d") : json::value();
      for (auto* g : {cycles.get(), four.get()}) {
        try {
          g->input(user % 2, d);
        } catch (const match::InputError& e) {
          if (std::string_view(e.code()).empty()) __builtin_trap();
        }
      }
      json::object delta;
      if (!cycles->over()) cycles->tick(delta);
      if (!four->over()) four->tick(delta);
    }
  }
  return 0;
}
