#pragma once
// The cluster bus: NATS through nats.c. Subscriptions share nats.c's global delivery pool (no
// thread per subscription), and all requests share one wildcard inbox subscription.
#include <memory>
#include <string>

#include "arena/bus/bus.hpp"
#include "arena/bus/history.hpp"
#include "arena/core/clock.hpp"

namespace arena::bus {

class NatsBus final : public Bus {
 public:
  // `url`: one or more comma-separated nats:// URLs. Throws std::runtime_error if no server answers.
  // Request timeouts run on `clock` (it outlives the bus).
  // `no_echo`: this connection's subscriptions never get what it published itself.
  static std::unique_ptr<NatsBus> connect(const std::string& url, const std::string& client_name,
                                          const core::Clock& clock = core::system_clock(), bool no_echo = false);
  ~NatsBus() override;  // destroy every Subscription first

  void publish(std::string_view subject, std::string_view data, std::string_view reply = {}) override;
  std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                          std::string_view queue_group = {}) override;
  void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler on_reply) override;
  bool flush(std::chrono::milliseconds timeout) override;
  std::string describe() const override;
  bool connected() const override;
  // A second connection to the same servers, with no_echo.
  std::unique_ptr<Bus> open_no_echo(const std::string& client_name) override;

  // Makes (or updates) the JetStream stream `settings` names, in the server's memory, and reads
  // from it. Throws std::runtime_error when the server has no JetStream (nats-server without -js).
  // Destroy the History before the bus.
  std::unique_ptr<History> keep_history(const HistorySettings& settings);

  struct Impl;  // the nats.c connection; nats.c's types stay out of this header

 private:
  explicit NatsBus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::bus
