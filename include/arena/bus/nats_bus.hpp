#pragma once
// The cluster bus: NATS through nats.c. Subscriptions share nats.c's global delivery pool (no
// thread per subscription), and all requests share one wildcard inbox subscription.
#include <memory>
#include <string>

#include "arena/bus/bus.hpp"

struct __natsConnection;
struct __natsSubscription;
struct __natsMsg;

namespace arena::bus {

namespace detail {
class RequestTracker;
class SubState;
}  // namespace detail

class NatsBus final : public Bus {
 public:
  // `url`: one or more comma-separated nats:// URLs. Throws std::runtime_error if no server answers.
  static std::unique_ptr<NatsBus> connect(const std::string& url, const std::string& client_name);
  ~NatsBus() override;  // destroy every Subscription first

  void publish(std::string_view subject, std::string_view data, std::string_view reply = {}) override;
  std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                          std::string_view queue_group = {}) override;
  void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler on_reply) override;
  bool flush(std::chrono::milliseconds timeout) override;
  std::string describe() const override { return url_; }

 private:
  NatsBus(__natsConnection* nc, std::string url);
  class Sub;
  std::unique_ptr<Subscription> subscribe_raw(const std::string& subject, const std::string& queue,
                                              std::shared_ptr<detail::SubState> state,
                                              void (*callback)(__natsConnection*, __natsSubscription*, __natsMsg*,
                                                               void*));
  __natsConnection* nc_;
  std::string url_;
  std::unique_ptr<detail::RequestTracker> tracker_;
  std::unique_ptr<Subscription> inbox_sub_;
};

}  // namespace arena::bus
