#include "arena/bus/memory_bus.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <stdexcept>

#include "arena/core/random.hpp"
#include "delivery.hpp"
#include "request_tracker.hpp"

namespace arena::bus {

struct MemoryBus::Pool {
  explicit Pool(int n) : threads(static_cast<std::size_t>(n)) {}
  boost::asio::thread_pool threads;
  std::atomic<std::int64_t> pending{0};  // queued and not yet handled, over every queue
  std::mutex mu;
  std::condition_variable idle;

  void done(std::int64_t n) {
    if (n > 0 && pending.fetch_sub(n, std::memory_order_acq_rel) == n) {
      std::lock_guard lock(mu);
      idle.notify_all();
    }
  }
};

// One subscription's messages in arrival order. At most one drain task of a queue is posted
// at a time, so its handler calls are serial; a drain takes what is queued at that moment and
// hands back its thread after it, so that one busy subscription cannot starve the others. A
// vector, not a deque: libstdc++'s deque allocates ~600 bytes up front, and every user on a
// gateway has a subscription.
class MemoryBus::Queue : public std::enable_shared_from_this<Queue> {
 public:
  Queue(Handler handler, Pool* pool, detail::RequestTracker* tracker)
      : state_(std::move(handler)), pool_(pool), tracker_(tracker) {}

  void push(const Message& m) {
    if (pool_ == nullptr) {
      state_.deliver(m);
      return;
    }
    bool start = false;
    pool_->pending.fetch_add(1, std::memory_order_acq_rel);
    {
      std::lock_guard lock(mu_);
      if (closed_) {
        pool_->done(1);
        return;
      }
      items_.push_back({std::string(m.subject), std::string(m.reply), std::string(m.data)});
      start = !scheduled_;
      scheduled_ = true;
    }
    if (start) schedule();
  }

  // No call runs after this returns (except one in progress on this very thread). A request
  // still queued here is answered no_responders at once: the responder left before it got to
  // it (rather than the requester waiting for its timeout).
  void close() {
    std::vector<Item> dropped;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      dropped.swap(items_);
    }
    for (const auto& it : dropped)
      if (!it.reply.empty() && tracker_->owns(it.reply))
        tracker_->resolve(it.reply, Reply{RequestError::no_responders, {}});
    if (pool_ != nullptr) pool_->done(static_cast<std::int64_t>(dropped.size()));
    state_.close();
  }

 private:
  struct Item {
    std::string subject, reply, data;
  };
  void schedule() {
    boost::asio::post(pool_->threads, [self = shared_from_this()] { self->drain(); });
  }

  void drain() {
    std::vector<Item> batch;
    {
      std::lock_guard lock(mu_);
      batch.swap(items_);
    }
    for (const auto& it : batch) state_.deliver(Message{it.subject, it.reply, it.data});
    pool_->done(static_cast<std::int64_t>(batch.size()));
    {
      std::lock_guard lock(mu_);
      if (items_.empty()) {
        scheduled_ = false;
        return;
      }
    }
    schedule();
  }

  detail::SubState state_;
  Pool* pool_;
  detail::RequestTracker* tracker_;
  std::mutex mu_;
  std::vector<Item> items_;
  bool scheduled_ = false;
  bool closed_ = false;
};

class MemoryBus::Sub final : public Subscription {
 public:
  Sub(MemoryBus& bus, std::shared_ptr<Queue> queue, std::uint64_t id, std::string pattern)
      : bus_(bus), queue_(std::move(queue)), id_(id), pattern_(std::move(pattern)) {}
  ~Sub() override {
    bus_.remove(id_, pattern_);
    queue_->close();
  }

 private:
  MemoryBus& bus_;
  std::shared_ptr<Queue> queue_;
  std::uint64_t id_;
  std::string pattern_;
};

MemoryBus::MemoryBus(int delivery_threads, const core::Clock& clock)
    : wildcard_(std::make_shared<const List>()),
      tracker_(std::make_unique<detail::RequestTracker>("_INBOX." + core::random_token(9), clock)),
      pool_(delivery_threads > 0 ? std::make_unique<Pool>(delivery_threads) : nullptr) {}

MemoryBus::~MemoryBus() {
  if (pool_) {
    pool_->threads.stop();
    pool_->threads.join();
  }
}

bool MemoryBus::wait_idle(std::chrono::milliseconds timeout) {
  if (!pool_) return true;
  std::unique_lock lock(pool_->mu);
  return pool_->idle.wait_for(lock, timeout, [&] { return pool_->pending.load(std::memory_order_acquire) == 0; });
}

namespace {
bool has_wildcard(std::string_view pattern) {
  return pattern == "*" || pattern == ">" || pattern.find(".*") != std::string_view::npos ||
         pattern.find(".>") != std::string_view::npos || pattern.rfind("*.", 0) == 0 || pattern.rfind(">.", 0) == 0;
}
}  // namespace

// A client of the bus that never receives its own messages (NATS's no_echo).
class MemoryBus::NoEcho final : public Bus {
 public:
  NoEcho(MemoryBus& bus, std::uint64_t origin) : bus_(bus), origin_(origin) {}
  void publish(std::string_view subject, std::string_view data, std::string_view reply) override {
    bus_.publish_from(origin_, subject, data, reply);
  }
  std::unique_ptr<Subscription> subscribe(std::string_view pattern, Handler handler,
                                          std::string_view queue_group) override {
    return bus_.subscribe_from(origin_, pattern, std::move(handler), queue_group);
  }
  void request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
               ReplyHandler on_reply) override {
    bus_.request_from(origin_, subject, data, timeout, std::move(on_reply));
  }
  bool flush(std::chrono::milliseconds) override { return true; }
  std::string describe() const override { return "memory"; }
  bool connected() const override { return true; }
  std::unique_ptr<Bus> open_no_echo(const std::string& name) override { return bus_.open_no_echo(name); }

 private:
  MemoryBus& bus_;
  std::uint64_t origin_;
};

std::unique_ptr<Bus> MemoryBus::open_no_echo(const std::string&) {
  return std::make_unique<NoEcho>(*this, next_origin_.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::unique_ptr<Subscription> MemoryBus::subscribe(std::string_view pattern, Handler handler,
                                                   std::string_view queue_group) {
  return subscribe_from(0, pattern, std::move(handler), queue_group);
}

std::unique_ptr<Subscription> MemoryBus::subscribe_from(std::uint64_t origin, std::string_view pattern,
                                                        Handler handler, std::string_view queue_group) {
  if (!valid_pattern(pattern))
    throw std::invalid_argument("bus: invalid subscription subject '" + std::string(pattern) + "'");
  auto queue = std::make_shared<Queue>(std::move(handler), pool_.get(), tracker_.get());
  std::unique_lock lock(mu_);
  const std::uint64_t id = ++next_id_;
  Entry e{queue, std::string(pattern), std::string(queue_group), id, origin};
  auto& slot = has_wildcard(pattern) ? wildcard_ : exact_[e.pattern];
  auto copy = slot ? std::make_shared<List>(*slot) : std::make_shared<List>();
  copy->push_back(std::move(e));
  slot = std::move(copy);
  return std::make_unique<Sub>(*this, std::move(queue), id, std::string(pattern));
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

void MemoryBus::collect(std::uint64_t origin, std::string_view subject, std::vector<std::shared_ptr<Queue>>& out) {
  std::shared_ptr<const List> exact, wild;
  {
    std::shared_lock lock(mu_);
    if (auto it = exact_.find(std::string(subject)); it != exact_.end()) exact = it->second;
    wild = wildcard_;
  }
  // Queue groups: gather each group's candidates, then pick one per group.
  std::vector<std::pair<std::string_view, std::vector<const Entry*>>> groups;
  auto consider = [&](const Entry& e) {
    if (origin != 0 && e.origin == origin) return;
    if (e.group.empty()) {
      out.push_back(e.queue);
      return;
    }
    for (auto& [name, members] : groups) {
      if (name == e.group) {
        members.push_back(&e);
        return;
      }
    }
    groups.push_back({e.group, {&e}});
  };
  if (exact)
    for (const auto& e : *exact) consider(e);
  for (const auto& e : *wild)
    if (subject_matches(e.pattern, subject)) consider(e);
  for (auto& [name, members] : groups)
    out.push_back(members[rr_.fetch_add(1, std::memory_order_relaxed) % members.size()]->queue);
}

void MemoryBus::publish(std::string_view subject, std::string_view data, std::string_view reply) {
  publish_from(0, subject, data, reply);
}

void MemoryBus::publish_from(std::uint64_t origin, std::string_view subject, std::string_view data,
                             std::string_view reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  if (tracker_->owns(subject)) {
    tracker_->resolve(subject, Reply{RequestError::none, std::string(data)});
    return;
  }
  std::vector<std::shared_ptr<Queue>> targets;
  collect(origin, subject, targets);
  send(targets, Message{subject, reply, data});
}

void MemoryBus::send(std::vector<std::shared_ptr<Queue>>& targets, const Message& m) {
  for (auto& t : targets) t->push(m);
}

void MemoryBus::request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
                        ReplyHandler on_reply) {
  request_from(0, subject, data, timeout, std::move(on_reply));
}

void MemoryBus::request_from(std::uint64_t origin, std::string_view subject, std::string_view data,
                             std::chrono::milliseconds timeout, ReplyHandler on_reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string inbox = tracker_->add(std::move(on_reply), timeout);
  std::vector<std::shared_ptr<Queue>> targets;
  collect(origin, subject, targets);
  if (targets.empty()) {
    tracker_->resolve(inbox, Reply{RequestError::no_responders, {}});
    return;
  }
  send(targets, Message{subject, inbox, data});
}

}  // namespace arena::bus
