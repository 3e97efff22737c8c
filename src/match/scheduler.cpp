#include "arena/match/scheduler.hpp"

namespace arena::match {

Scheduler::Scheduler(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

std::uint64_t Scheduler::add(Clock::duration period, Job job) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  jobs_.emplace(id, Slot{period, std::move(job)});
  queue_.push({Clock::now() + period, id});
  cv_.notify_one();
  return id;
}

void Scheduler::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  jobs_.erase(id);  // its queue entry is dropped when it comes up
}

std::size_t Scheduler::size() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void Scheduler::work() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Entry top = queue_.top();
    const auto now = Clock::now();
    if (top.due > now) {
      cv_.wait_until(lock, top.due);
      continue;
    }
    queue_.pop();
    auto it = jobs_.find(top.id);
    if (it == jobs_.end()) continue;
    // Take the job out while it runs, so no other worker runs it at the same time.
    Slot slot = std::move(it->second);
    lock.unlock();
    bool again = false;
    try {
      again = slot.job(now - top.due);
    } catch (...) {
      again = false;  // a job that throws is dropped; the match runner turns mode errors into results first
    }
    lock.lock();
    it = jobs_.find(top.id);
    if (it == jobs_.end()) continue;  // removed while running
    if (!again) {
      jobs_.erase(it);
      continue;
    }
    it->second = std::move(slot);
    auto due = top.due + it->second.period;
    if (Clock::now() - due > it->second.period) due = Clock::now();  // far behind: skip ahead, no burst
    queue_.push({due, top.id});
    if (queue_.top().id == top.id) continue;  // this worker takes it (or the earlier one) next
    cv_.notify_one();
  }
}

}  // namespace arena::match
