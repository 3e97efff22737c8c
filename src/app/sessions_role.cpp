// The sessions role: presence and channel membership.
#include "arena/sessions/channel_service.hpp"
#include "arena/sessions/presence_service.hpp"
#include "roles.hpp"

namespace arena::app {
namespace {

class SessionsRole final : public Component {
 public:
  SessionsRole(const sessions::ChannelSettings& s, Shared& shared) : settings_(s), shared_(shared) {}
  ~SessionsRole() override { stop(); }

  std::string_view name() const override { return "sessions"; }

  void start() override {
    presence_ = std::make_unique<sessions::PresenceService>(shared_.bus, shared_.clock, shared_.timers);
    channels_ = std::make_unique<sessions::ChannelService>(shared_.bus, shared_.router, settings_);
  }

  void stop() override {
    channels_.reset();
    presence_.reset();
  }

 private:
  const sessions::ChannelSettings settings_;
  Shared& shared_;
  std::unique_ptr<sessions::PresenceService> presence_;
  std::unique_ptr<sessions::ChannelService> channels_;
};

}  // namespace

std::unique_ptr<Component> sessions_role(const sessions::ChannelSettings& settings, Shared& shared) {
  return std::make_unique<SessionsRole>(settings, shared);
}

}  // namespace arena::app
