#include <stdexcept>

#include "arena/events/stream.hpp"

namespace arena::events {

void MemoryStream::publish(const std::vector<Outgoing>& batch) {
  std::unique_lock lock(mu_);
  for (const auto& o : batch) {
    // The publisher retries a refused batch: the ones already queued go again, and the
    // consumer writes them once (their ids).
    const auto room = [&] {
      return closed_ || items_.empty() || (items_.size() < capacity_ && bytes_ + o.body.size() <= max_bytes_);
    };
    if (!cv_.wait_for(lock, std::chrono::seconds(1), room)) throw std::runtime_error("the event stream is full");
    if (closed_) throw std::runtime_error("the event stream is closed");
    items_.push_back(o.body);
    bytes_ += o.body.size();
    cv_.notify_all();
  }
}

std::vector<Delivery> MemoryStream::fetch(std::size_t max, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return !items_.empty() || closed_; });
  std::vector<Delivery> out;
  while (!items_.empty() && out.size() < max) {
    bytes_ -= items_.front().size();
    out.push_back(Delivery{std::move(items_.front()), ++next_tag_});
    items_.pop_front();
  }
  if (!out.empty()) cv_.notify_all();  // room for a waiting publisher
  return out;
}

void MemoryStream::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

std::size_t MemoryStream::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace arena::events
