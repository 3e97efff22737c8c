#pragma once
// Channel membership across gateways: who is in which named room, kept in the Directory (memory,
// or Redis shared by every sessions process). Answers channels.join / leave / members (queue
// group "sessions"); tells members channel.joined / channel.left through the router; drops a
// session from its channels when session.closed arrives (taken by one sessions process).
#include <memory>
#include <string>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/router/router.hpp"
#include "arena/sessions/backlog.hpp"
#include "arena/sessions/directory.hpp"
#include "arena/sessions/settings.hpp"

namespace arena::sessions {

class ChannelService {
 public:
  ChannelService(bus::Bus& bus, router::Router& router, ChannelSettings limits, Directory& directory, Backlog& backlog);
  ~ChannelService();

  std::vector<std::string> members(const std::string& channel) const { return directory_.members(channel); }

 private:
  void join(const bus::Message& m);
  void leave(const bus::Message& m);
  void list(const bus::Message& m);
  void session_closed(const bus::Message& m);
  void session_moved(const bus::Message& m);

  bus::Bus& bus_;
  router::Router& router_;
  ChannelSettings limits_;
  Directory& directory_;
  Backlog& backlog_;
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
};

}  // namespace arena::sessions
