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
#include "arena/auth/messages.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/encoding.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/match/game_mode.hpp"
#include "gateway/link.hpp"
#include "services.hpp"

namespace json = boost::json;
using namespace arena;

namespace {

// A client end without a socket: checks every frame it is sent.
class FuzzLink final : public gateway::Link {
 public:
  explicit FuzzLink(gateway::ConnectionInfo info) : info_(std::move(info)) {}
  void send(gateway::Outbound out) override {
    const std::string frame = out.seq != 0 ? "{\"seq\":1," + *out.body : *out.body;
    boost::system::error_code ec;
    const auto v = json::parse(frame, ec);
    if (ec || !v.is_object() || !v.as_object().contains("op") || !v.at("op").is_string()) __builtin_trap();
  }
  void close(gateway::CloseCode, std::string) override {}
  void check_idle(std::chrono::steady_clock::time_point) override {}
  const gateway::ConnectionInfo& info() const override { return info_; }
  void set_token_expiry(std::int64_t at) override { info_.token_expires_at = at; }
  std::int64_t token_expiry() const override { return info_.token_expires_at; }
  void set_session(std::shared_ptr<gateway::Session> s) override {
    std::lock_guard lock(mu_);
    session_ = std::move(s);
  }
  std::shared_ptr<gateway::Session> session() const override {
    std::lock_guard lock(mu_);
    return session_;
  }

 private:
  gateway::ConnectionInfo info_;
  mutable std::mutex mu_;
  std::shared_ptr<gateway::Session> session_;
};

const std::string kSecret = "fuzz-ops-secret-0123456789abcdefghij";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const match::GameRegistry games = match::builtin_games();
  static const auth::Jwt jwt(auth::KeyRing::parse("k1:" + core::base64url_encode(kSecret)), auth::JwtOptions{});
  fuzz::Services s;
  auth::AuthMetrics auth_metrics(s.registry);
  auth::TokenVerifier verifier(jwt, s.clock, auth_metrics);
  // The auth role's answer to "which of these are accounts": u0..u3 are.
  auto exists = s.bus.subscribe(auth::kAccountsExist, [&s](const bus::Message& m) {
    json::object found;
    if (auto req = bus::payload::parse(m.data)) {
      if (const auto* ids = req->if_contains("user_ids"); ids != nullptr && ids->is_array())
        for (const auto& id : ids->get_array())
          if (id.is_string()) found[id.get_string()] = id.get_string().size() == 2 && id.get_string()[0] == 'u';
    }
    bus::payload::reply(s.bus, m, {{"exists", std::move(found)}});
  });
  gateway::Gateway gw(gateway::GatewaySettings{.max_channels_per_session = 4}, s.bus, verifier, s.clock, s.registry);
  std::vector<std::shared_ptr<FuzzLink>> links;
  for (int u = 0; u < 4; ++u) {
    const std::string user = "u" + std::to_string(u);
    links.push_back(std::make_shared<FuzzLink>(gateway::ConnectionInfo{
        .user_id = user, .login_id = "l" + user, .token_expires_at = INT64_MAX, .remote_ip = "127.0.0.1"}));
    gw.open_link(links.back());
  }
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
    for (auto* g : {cycles.get(), four.get()}) {
      try {
        g->input(user % 2, in);
      } catch (const match::InputError& e) {
        if (std::string_view(e.code()).empty()) __builtin_trap();
      }
    }
    json::object delta;
    if (!cycles->over()) cycles->tick(delta);
    if (!four->over()) four->tick(delta);
  }
  for (auto& l : links) gw.link_closed(l);
  return 0;
}
