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
    // With Redis any number of sessions processes share presence and channels; without, this
    // process's memory holds them (run one).
    if (shared_.redis != nullptr)
      directory_ = std::make_unique<sessions::RedisDirectory>(*shared_.redis);
    else
      directory_ = std::make_unique<sessions::MemoryDirectory>();
    backlog_ = std::make_unique<sessions::Backlog>(shared_.registry);
    presence_ =
        std::make_unique<sessions::PresenceService>(shared_.bus, shared_.clock, shared_.timers, *directory_, *backlog_);
    channels_ =
        std::make_unique<sessions::ChannelService>(shared_.bus, shared_.router, settings_, *directory_, *backlog_);
  }

  void stop() override {
    channels_.reset();
    presence_.reset();
    backlog_.reset();
    directory_.reset();
  }

 private:
  const sessions::ChannelSettings settings_;
  Shared& shared_;
  std::unique_ptr<sessions::Directory> directory_;
  std::unique_ptr<sessions::Backlog> backlog_;
  std::unique_ptr<sessions::PresenceService> presence_;
  std::unique_ptr<sessions::ChannelService> channels_;
};

}  // namespace

std::unique_ptr<Component> sessions_role(const sessions::ChannelSettings& settings, Shared& shared) {
  return std::make_unique<SessionsRole>(settings, shared);
}

}  // namespace arena::app
