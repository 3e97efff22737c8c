#include "arena/match/scheduler.hpp"

namespace arena::match {

Scheduler::Scheduler(int threads, Now now) : now_(std::move(now)) {
  if (!now_) now_ = [] { return Clock::now(); };
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
  return add(period, period, std::move(job));
}

std::uint64_t Scheduler::add(Clock::duration period, Clock::duration first, Job job) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  jobs_.emplace(id, Slot{period, std::move(job)});
  queue_.push({now_() + first, id});
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

void Scheduler::take_due(Clock::time_point now, std::size_t max, std::vector<Taken>& batch) {
  while (!queue_.empty() && queue_.top().due <= now && batch.size() < max) {
    const Entry top = queue_.top();
    queue_.pop();
    auto it = jobs_.find(top.id);
    if (it == jobs_.end()) continue;  // removed
    // Taken out while it runs, so no other worker runs it at the same time.
    batch.push_back({top, std::move(it->second), now - top.due});
  }
}

void Scheduler::run(std::vector<Taken>& batch) {
  for (auto& t : batch) {
    try {
      t.again = t.slot.job(t.late);
    } catch (...) {
      t.again = false;  // a job that throws is dropped; the match runner turns mode errors into results first
    }
  }
}

void Scheduler::put_back(std::vector<Taken>& batch, Clock::time_point now) {
  for (auto& t : batch) {
    auto it = jobs_.find(t.entry.id);
    if (it == jobs_.end()) continue;  // removed while running
    if (!t.again) {
      jobs_.erase(it);
      continue;
    }
    it->second = std::move(t.slot);
    const auto period = it->second.period;
    auto due = t.entry.due + period;
    if (now - due >= period)
      due += ((now - due) / period + 1) * period;  // far behind: skip the missed runs, keep the phase
    queue_.push({due, t.entry.id});
  }
}

std::size_t Scheduler::run_due() {
  std::size_t ran = 0;
  std::vector<Taken> batch;
  std::unique_lock lock(mu_);
  for (;;) {
    const auto now = now_();
    batch.clear();
    take_due(now, 1, batch);  // one at a time: strictly in due order
    if (batch.empty()) return ran;
    lock.unlock();
    run(batch);
    ran += batch.size();
    lock.lock();
    put_back(batch, now_());
  }
}

void Scheduler::work() {
  constexpr std::size_t kBatch = 32;  // due jobs taken per lock: fewer lock round trips under load
  std::vector<Taken> batch;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const auto now = now_();
    if (const auto due = queue_.top().due; due > now) {
      cv_.wait_until(lock, due);  // a copy: the queue changes while this waits
      continue;
    }
    batch.clear();
    take_due(now, kBatch, batch);
    if (!queue_.empty() && queue_.top().due <= now) cv_.notify_one();  // more is due: wake a helper
    lock.unlock();
    run(batch);
    lock.lock();
    put_back(batch, now_());
    cv_.notify_one();
  }
}

}  // namespace arena::match
