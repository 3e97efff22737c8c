#pragma once
// Presence: which users are online and on which gateway nodes. Built from the gateways'
// session.opened/closed events; answers presence.query; publishes presence.changed.<user>.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"

namespace arena::sessions {

class PresenceService {
 public:
  explicit PresenceService(bus::Bus& bus);
  ~PresenceService();

  struct Where {
    std::string sid;
    std::string node;
  };
  std::vector<Where> lookup(const std::string& user_id) const;

 private:
  void opened(const bus::Message& m);
  void closed(const bus::Message& m);
  void query(const bus::Message& m);

  bus::Bus& bus_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<Where>> users_;
  std::vector<std::unique_ptr<bus::Subscription>> subs_;
};

}  // namespace arena::sessions
