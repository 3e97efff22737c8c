#include "request_tracker.hpp"

#include <vector>

namespace arena::bus::detail {

RequestTracker::RequestTracker(std::string prefix) : prefix_(std::move(prefix)), timer_([this] { run(); }) {}

RequestTracker::~RequestTracker() {
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
  const auto deadline = Clock::now() + timeout;
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
    if (Clock::now() < next) {
      cv_.wait_until(lock, next);
      continue;
    }
    std::vector<ReplyHandler> expired;
    const auto now = Clock::now();
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
