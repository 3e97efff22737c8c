// The host role: runs the matches the matchmaker forms and stores their results (with their
// rating jobs) in this process's SQLite, or the cluster's PostgreSQL.
#include "arena/botpolicy/grpc_brain.hpp"
#include "arena/match/host.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

class HostRole final : public Component {
 public:
  HostRole(match::HostSettings s, Shared& shared) : settings_(std::move(s)), shared_(shared) {}
  ~HostRole() override { stop(); }

  std::string_view name() const override { return "host"; }

  void start() override {
    if (shared_.pg != nullptr)
      store_ = std::make_unique<match::PostgresMatchStore>(*shared_.pg);
    else if (shared_.db != nullptr)
      store_ = std::make_unique<match::SqliteMatchStore>(*shared_.db);
    else
      throw std::logic_error("the host role needs storage");
    match::BotFactory bots;
    if (!settings_.bot_policy.empty()) {
      policy_ = std::make_unique<botpolicy::PolicyClient>(settings_.bot_policy, settings_.bot_policy_deadline,
                                                          shared_.registry);
      bots = [p = policy_.get()](const match::GameInfo& g, const match::MatchSpec& spec, int) {
        return p->brain(spec.match_id, spec.game, g.make_bot());
      };
    }
    match::MatchHost::MatchEvent emit;
    if (auto* events = shared_.events)
      emit = [events](std::string_view type, const match::MatchSpec& spec, std::string_view user_id,
                      boost::json::object data) {
        events->emit(
            type,
            {.user_id = std::string(user_id), .match_id = spec.match_id, .mode = spec.mode, .region = spec.region},
            std::move(data));
      };
    host_ = std::make_unique<match::MatchHost>(shared_.bus, match::builtin_games(), *store_, shared_.clock,
                                               shared_.registry, settings_, std::move(bots), std::move(emit));
  }

  void stop() override {
    host_.reset();  // its scheduler publishes through the bus and asks the policy
    policy_.reset();
  }

 private:
  const match::HostSettings settings_;
  Shared& shared_;
  std::unique_ptr<match::MatchStore> store_;
  std::unique_ptr<botpolicy::PolicyClient> policy_;
  std::unique_ptr<match::MatchHost> host_;
};

}  // namespace

std::unique_ptr<Component> host_role(match::HostSettings settings, Shared& shared) {
  return std::make_unique<HostRole>(std::move(settings), shared);
}

}  // namespace arena::app
