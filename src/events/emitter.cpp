#include "arena/events/emitter.hpp"

#include <algorithm>

namespace arena::events {

EmitterMetrics::EmitterMetrics(metrics::Registry& r)
    : emitted(r.counter("arena_events_emitted_total", "Game events emitted in this process, by type", {"type"})),
      dropped(r.counter("arena_events_dropped_total",
                        "Game events dropped because this process's event buffer was full, by type", {"type"})),
      buffered(r.gauge("arena_events_buffered", "Game events waiting in this process's buffer").with({})) {}

Emitter::Emitter(std::string node, std::size_t capacity, const Catalogue& catalogue, const core::Clock& clock,
                 metrics::Registry& registry)
    : node_(std::move(node)),
      capacity_(capacity),
      catalogue_(catalogue),
      clock_(clock),
      metrics_(registry),
      other_{&metrics_.emitted.with({"other"}), &metrics_.dropped.with({"other"})} {}

bool Emitter::emit(std::string_view type, About about, boost::json::object data) {
  if (capacity_ == 0) return false;  // off: nothing in this process records events
  const auto now = clock_.now_unix_ms();
  const auto* info = catalogue_.find(type);
  // A type nobody declared goes on (the consumer dead-letters it, with its reason) but may be dropped.
  const std::size_t bound = info != nullptr && !info->droppable ? capacity_ * 4 : capacity_;
  std::lock_guard lock(mu_);
  auto& c = counters(type);
  if (items_.size() >= bound || closed_) {
    c.dropped->inc();
    return false;
  }
  const std::int64_t when = about.time_ms > 0 ? about.time_ms : now;
  items_.push_back(Emitted{std::string(type), when, std::move(about), std::move(data)});
  if (items_.size() == 1) cv_.notify_one();
  metrics_.buffered.set(static_cast<double>(items_.size()));
  c.emitted->inc();
  return true;
}

Emitter::Counters& Emitter::counters(std::string_view type) {
  if (auto it = counters_.find(type); it != counters_.end()) return it->second;
  // A bounded number of label values: past 256 types (a mode emitting made-up names) the rest share "other".
  if (counters_.size() >= 256) return other_;
  return counters_.emplace(std::string(type), Counters{&metrics_.emitted.with({type}), &metrics_.dropped.with({type})})
      .first->second;
}

std::vector<Emitted> Emitter::take(std::size_t max, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return !items_.empty() || closed_; });
  std::vector<Emitted> out;
  const std::size_t n = std::min(max, items_.size());
  out.reserve(n);
  std::move(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(out));
  items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
  metrics_.buffered.set(static_cast<double>(items_.size()));
  return out;
}

void Emitter::close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

std::size_t Emitter::buffered() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

}  // namespace arena::events
