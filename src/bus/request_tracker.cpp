#include "request_tracker.hpp"

#include <vector>

namespace arena::bus::detail {

RequestTracker::RequestTracker(std::string prefix, const core::Clock& clock)
    : prefix_(std::move(prefix)), clock_(clock) {
  watch_id_ = clock_.watch([this](core::Clock::Jump) {
    { std::lock_guard lock(mu_); }  // a jump between the timer's reading and its wait is not lost
    cv_.notify_all();
  });
  timer_ = std::thread([this] { run(); });
}

RequestTracker::~RequestTracker() {
  clock_.unwatch(watch_id_);
  std::unordered_map<std::string, Pending> left;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    left.swap(pending_);
    deadlines_.clear();
  }
  cv_.notify_all();
  timer_.join();
  for (auto& [inbox, p] : left) p.handler(Reply{RequestError::closed, {}});
}

bool RequestTracker::owns(std::string_view subject) const {
  return subject.size() > prefix_.size() && subject.substr(0, prefix_.size()) == prefix_ &&
         subject[prefix_.size()] == '.';
}

std::string RequestTracker::add(ReplyHandler handler, std::chrono::milliseconds timeout) {
  const auto deadline = clock_.monotonic() + timeout;
  std::string inbox;
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    inbox = prefix_ + "." + std::to_string(++next_);
    pending_.emplace(inbox, Pending{std::move(handler), deadline});
    earliest = deadlines_.empty() || deadline < deadlines_.begin()->first;
    deadlines_.emplace(deadline, inbox);
  }
  if (earliest) cv_.notify_all();
  return inbox;
}

bool RequestTracker::resolve(std::string_view inbox, Reply reply) {
  ReplyHandler handler;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(std::string(inbox));
    if (it == pending_.end()) return false;  // late, duplicate or unknown
    handler = std::move(it->second.handler);
    auto range = deadlines_.equal_range(it->second.deadline);
    for (auto d = range.first; d != range.second; ++d) {
      if (d->second == inbox) {
        deadlines_.erase(d);
        break;
      }
    }
    pending_.erase(it);
  }
  handler(std::move(reply));
  return true;
}

void RequestTracker::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (deadlines_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto next = deadlines_.begin()->first;
    if (const auto now = clock_.monotonic(); now < next) {
      cv_.wait_for(lock, next - now);  // real time for a real clock; a FakeClock's jump wakes it
      continue;
    }
    std::vector<ReplyHandler> expired;
    const auto now = clock_.monotonic();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      auto it = pending_.find(deadlines_.begin()->second);
      if (it != pending_.end()) {
        expired.push_back(std::move(it->second.handler));
        pending_.erase(it);
      }
      deadlines_.erase(deadlines_.begin());
    }
    lock.unlock();
    for (auto& h : expired) h(Reply{RequestError::timeout, {}});
    lock.lock();
  }
}

}  // namespace arena::bus::detail
