// The gateway role: the WebSocket edge (GET /v1/ws), its sessions and their deliveries.
#include "arena/bus/nats_bus.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/storage/redis_window_limit.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

class GatewayRole final : public Component {
 public:
  GatewayRole(gateway::Settings s, Shared& shared) : settings_(std::move(s)), shared_(shared) {}
  ~GatewayRole() override { stop(); }

  std::string_view name() const override { return "gateway"; }

  void start() override {
    // With Redis every gateway counts each address's upgrades together, per minute: the burst
    // and the minute's rate of one gateway, for the whole cluster.
    if (shared_.redis != nullptr)
      shared_upgrades_ = std::make_unique<storage::RedisWindowLimit>(
          *shared_.redis, "upgrades", shared_.clock,
          static_cast<std::int64_t>(settings_.upgrades_per_ip_burst + settings_.upgrades_per_ip_per_minute),
          std::chrono::minutes(1));
    gateway::ClusterParts cluster{shared_upgrades_.get()};
    // With Redis and NATS a session moves: mirrored to Redis, its pushes kept in a JetStream
    // stream for the resume window, so the player resumes on any gateway.
    auto* nats = dynamic_cast<bus::NatsBus*>(&shared_.bus);
    if (shared_.redis != nullptr && nats != nullptr && settings_.move_sessions && settings_.resume_window.count() > 0) {
      bus::HistorySettings hs;
      hs.subjects = {protocol::route_user("*"), protocol::route_channel("*")};
      hs.max_age = settings_.resume_window + std::chrono::seconds(5);
      hs.max_bytes = static_cast<std::int64_t>(settings_.history_max_bytes);
      history_ = nats->keep_history(hs);  // throws, naming -js, without JetStream
      mirror_ = gateway::redis_session_mirror(*shared_.redis, settings_.resume_window, std::chrono::minutes(30));
      cluster.mirror = mirror_.get();
      cluster.history = history_.get();
    }
    gateway_ = std::make_unique<gateway::Gateway>(settings_, shared_.bus, shared_.verifier, shared_.clock,
                                                  shared_.timers, shared_.registry, cluster);
    if (auto* events = shared_.events)
      gateway_->on_session_change([events](const gateway::Gateway::SessionChange& c) {
        if (c.opened)
          events->emit("session.opened", {.user_id = c.user_id}, {{"sid", c.sid}});
        else
          events->emit("session.closed", {.user_id = c.user_id},
                       {{"sid", c.sid}, {"duration_ms", c.age_ms}, {"reason", c.reason}});
      });
    gateway_->install(shared_.routes);
    // A login ended anywhere in the cluster closes its sockets here (the App's own subscription
    // makes the verifier refuse its tokens).
    revoked_sub_ = shared_.bus.subscribe(protocol::kAuthRevoked, [g = gateway_.get()](const bus::Message& m) {
      if (bus::valid_token(m.data)) g->revoke_login(std::string(m.data));
    });
  }

  void check(std::map<std::string, bool>& checks) override {
    if (gateway_) checks["bus"] = gateway_->bus_connected();
  }

  bool drain(std::chrono::milliseconds timeout) override {
    return gateway_ ? gateway_->drain(timeout) : true;  // 1001 to every socket
  }

  void stop() override {
    revoked_sub_.reset();
    gateway_.reset();
    mirror_.reset();
    history_.reset();
    shared_upgrades_.reset();
  }

 private:
  const gateway::Settings settings_;
  Shared& shared_;
  std::unique_ptr<storage::RedisWindowLimit> shared_upgrades_;
  std::unique_ptr<bus::History> history_;
  std::unique_ptr<gateway::SessionMirror> mirror_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<bus::Subscription> revoked_sub_;
};

}  // namespace

std::unique_ptr<Component> gateway_role(gateway::Settings settings, Shared& shared) {
  return std::make_unique<GatewayRole>(std::move(settings), shared);
}

}  // namespace arena::app
