#include "arena/bus/memory_bus.hpp"

#include <stdexcept>

#include "arena/core/random.hpp"
#include "delivery.hpp"
#include "request_tracker.hpp"

namespace arena::bus {

class MemoryBus::Sub final : public Subscription {
 public:
  Sub(MemoryBus& bus, std::shared_ptr<detail::SubState> state, std::uint64_t id, std::string pattern)
      : bus_(bus), state_(std::move(state)), id_(id), pattern_(std::move(pattern)) {}
  ~Sub() override {
    bus_.remove(id_, pattern_);
    state_->close();
  }

 private:
  MemoryBus& bus_;
  std::shared_ptr<detail::SubState> state_;
  std::uint64_t id_;
  std::string pattern_;
};

MemoryBus::MemoryBus()
    : wildcard_(std::make_shared<const List>()),
      tracker_(std::make_unique<detail::RequestTracker>("_INBOX." + core::random_token(9))) {}

MemoryBus::~MemoryBus() = default;

namespace {
bool has_wildcard(std::string_view pattern) {
  return pattern == "*" || pattern == ">" || pattern.find(".*") != std::string_view::npos ||
         pattern.find(".>") != std::string_view::npos || pattern.rfind("*.", 0) == 0 || pattern.rfind(">.", 0) == 0;
}
}  // namespace

std::unique_ptr<Subscription> MemoryBus::subscribe(std::string_view pattern, Handler handler,
                                                   std::string_view queue_group) {
  if (!valid_pattern(pattern))
    throw std::invalid_argument("bus: invalid subscription subject '" + std::string(pattern) + "'");
  auto state = std::make_shared<detail::SubState>(std::move(handler));
  std::unique_lock lock(mu_);
  const std::uint64_t id = ++next_id_;
  Entry e{state, std::string(pattern), std::string(queue_group), id};
  auto& slot = has_wildcard(pattern) ? wildcard_ : exact_[e.pattern];
  auto copy = slot ? std::make_shared<List>(*slot) : std::make_shared<List>();
  copy->push_back(std::move(e));
  slot = std::move(copy);
  return std::make_unique<Sub>(*this, std::move(state), id, std::string(pattern));
}

void MemoryBus::remove(std::uint64_t id, const std::string& pattern) {
  std::unique_lock lock(mu_);
  auto drop = [id](std::shared_ptr<const List>& slot) {
    auto copy = std::make_shared<List>();
    copy->reserve(slot->size());
    for (const auto& e : *slot)
      if (e.id != id) copy->push_back(e);
    slot = std::move(copy);
  };
  if (has_wildcard(pattern)) {
    drop(wildcard_);
  } else if (auto it = exact_.find(pattern); it != exact_.end()) {
    drop(it->second);
    if (it->second->empty()) exact_.erase(it);
  }
}

void MemoryBus::collect(std::string_view subject, std::vector<std::shared_ptr<detail::SubState>>& out) {
  std::shared_ptr<const List> exact, wild;
  {
    std::shared_lock lock(mu_);
    if (auto it = exact_.find(std::string(subject)); it != exact_.end()) exact = it->second;
    wild = wildcard_;
  }
  // Queue groups: gather each group's candidates, then pick one per group.
  std::vector<std::pair<std::string_view, std::vector<const Entry*>>> groups;
  auto consider = [&](const Entry& e) {
    if (e.queue.empty()) {
      out.push_back(e.state);
      return;
    }
    for (auto& [name, members] : groups) {
      if (name == e.queue) {
        members.push_back(&e);
        return;
      }
    }
    groups.push_back({e.queue, {&e}});
  };
  if (exact)
    for (const auto& e : *exact) consider(e);
  for (const auto& e : *wild)
    if (subject_matches(e.pattern, subject)) consider(e);
  for (auto& [name, members] : groups)
    out.push_back(members[rr_.fetch_add(1, std::memory_order_relaxed) % members.size()]->state);
}

void MemoryBus::publish(std::string_view subject, std::string_view data, std::string_view reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  if (tracker_->owns(subject)) {
    tracker_->resolve(subject, Reply{RequestError::none, std::string(data)});
    return;
  }
  std::vector<std::shared_ptr<detail::SubState>> targets;
  collect(subject, targets);
  const Message m{subject, reply, data};
  for (auto& t : targets) t->deliver(m);
}

void MemoryBus::request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
                        ReplyHandler on_reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string inbox = tracker_->add(std::move(on_reply), timeout);
  std::vector<std::shared_ptr<detail::SubState>> targets;
  collect(subject, targets);
  if (targets.empty()) {
    tracker_->resolve(inbox, Reply{RequestError::no_responders, {}});
    return;
  }
  const Message m{subject, inbox, data};
  for (auto& t : targets) t->deliver(m);
}

}  // namespace arena::bus
