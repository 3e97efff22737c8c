#pragma once
// The in-process bus of embedded mode. Publishing copies the message into the queue of every
// matching subscription and returns; a pool of delivery threads drains each queue in order, one
// call at a time, like nats.c's delivery pool behind NatsBus. So a service never runs on the
// publisher's thread (a client's I/O thread), calls of one handler never overlap, and one
// publisher's order is kept.
//
// `delivery_threads = 0` delivers on the publisher's thread instead (the fuzz targets use it
// to be deterministic); with more than one publisher thread that mode does not keep the
// no-overlap promise.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"

namespace arena::bus {

namespace detail {
class SubState;
class RequestTracker;
}  // namespace detail

class MemoryBus final : public Bus {
 public:
  // Request timeouts run on `clock` (it outlives the bus).
  explicit MemoryBus(int delivery_threads = 2, const core::Clock& clock = core::system_clock());
  ~MemoryBus() override;  // destroy every Subscription first

  void publish(std::string_view subject, std::string_view data, std::string_view reply = {}) override;
  std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                          std::string_view queue_group = {}) override;
  void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler on_reply) override;
  // A publish has reached every subscriber's queue when it returns: nothing to wait for.
  bool flush(std::chrono::milliseconds) override { return true; }
  std::string describe() const override { return "memory"; }
  bool connected() const override { return true; }
  std::unique_ptr<Bus> open_no_echo(const std::string& client_name) override;

  // Tests: waits until every queued message has been handled (also those that handlers
  // published meanwhile). False on timeout. Not from a handler.
  bool wait_idle(std::chrono::milliseconds timeout);

  class Queue;  // one subscription's pending messages (memory_bus.cpp)
  struct Entry {
    std::shared_ptr<Queue> queue;
    std::string pattern;
    std::string group;
    std::uint64_t id;
    std::uint64_t origin;  // the no-echo client that subscribed (0: the bus itself)
  };
  using List = std::vector<Entry>;

 private:
  class Sub;
  class NoEcho;
  struct Pool;
  // `origin`: the no-echo client publishing or subscribing (0: none); a message never reaches
  // subscriptions of the client that published it.
  void publish_from(std::uint64_t origin, std::string_view subject, std::string_view data, std::string_view reply);
  std::unique_ptr<Subscription> subscribe_from(std::uint64_t origin, std::string_view pattern, Handler handler,
                                               std::string_view queue_group);
  void request_from(std::uint64_t origin, std::string_view subject, std::string_view data,
                    std::chrono::milliseconds timeout, ReplyHandler on_reply);
  void remove(std::uint64_t id, const std::string& pattern);
  // Entries matching `subject` (but none of `origin`'s), with one member picked per queue group.
  void collect(std::uint64_t origin, std::string_view subject, std::vector<std::shared_ptr<Queue>>& out);
  void send(std::vector<std::shared_ptr<Queue>>& targets, const Message& m);

  mutable std::shared_mutex mu_;
  // Copy-on-write lists so that publish holds the lock only to copy a pointer.
  std::unordered_map<std::string, std::shared_ptr<const List>> exact_;
  std::shared_ptr<const List> wildcard_;
  std::uint64_t next_id_ = 0;
  std::atomic<std::uint64_t> next_origin_{0};
  std::atomic<std::uint64_t> rr_{0};
  std::unique_ptr<detail::RequestTracker> tracker_;
  std::unique_ptr<Pool> pool_;  // null: deliver inline
};

}  // namespace arena::bus
