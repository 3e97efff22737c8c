#pragma once
// The in-process bus of embedded mode. Publishing calls matching handlers directly on the
// publisher's thread (no copy of the payload, no queue): handlers must not block.
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "arena/bus/bus.hpp"

namespace arena::bus {

namespace detail {
class SubState;
class RequestTracker;
}  // namespace detail

class MemoryBus final : public Bus {
 public:
  MemoryBus();
  ~MemoryBus() override;

  void publish(std::string_view subject, std::string_view data, std::string_view reply = {}) override;
  std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                          std::string_view queue_group = {}) override;
  void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler on_reply) override;
  bool flush(std::chrono::milliseconds) override { return true; }
  std::string describe() const override { return "memory"; }

  struct Entry {
    std::shared_ptr<detail::SubState> state;
    std::string pattern;
    std::string queue;
    std::uint64_t id;
  };
  using List = std::vector<Entry>;

 private:
  class Sub;
  void remove(std::uint64_t id, const std::string& pattern);
  // Entries matching `subject`, with one member picked per queue group.
  void collect(std::string_view subject, std::vector<std::shared_ptr<detail::SubState>>& out);

  mutable std::shared_mutex mu_;
  // Copy-on-write lists so that publish holds the lock only to copy a pointer.
  std::unordered_map<std::string, std::shared_ptr<const List>> exact_;
  std::shared_ptr<const List> wildcard_;
  std::uint64_t next_id_ = 0;
  std::atomic<std::uint64_t> rr_{0};
  std::unique_ptr<detail::RequestTracker> tracker_;
};

}  // namespace arena::bus
