#include "arena/sessions/backlog.hpp"

#include "arena/core/log.hpp"

namespace arena::sessions {

Backlog::Backlog(metrics::Registry& registry, std::size_t limit)
    : limit_(limit),
      gauge_(registry.gauge("sessions_backlog_events", "Session events waiting for the directory (Redis) to answer")
                 .with({})),
      dropped_(
          registry.counter("sessions_backlog_dropped_total", "Session events dropped: the backlog was full").with({})) {
}

void Backlog::push(std::shared_ptr<Apply> a) {
  if (waiting_.size() >= limit_) {
    waiting_.pop_front();
    dropped_.inc();
  }
  waiting_.push_back(std::move(a));
  gauge_.set(static_cast<double>(waiting_.size()));
}

void Backlog::run(Apply apply) {
  auto a = std::make_shared<Apply>(std::move(apply));
  {
    core::Lock lock(mu_);
    if (!waiting_.empty()) {
      push(std::move(a));
      return;
    }
  }
  try {
    (*a)();
  } catch (const std::exception& e) {
    log::get("sessions")->warn("msg=\"directory unavailable; event kept for later\" error=\"{}\"", e.what());
    core::Lock lock(mu_);
    push(std::move(a));
  }
}

bool Backlog::drain() {
  for (;;) {
    std::shared_ptr<Apply> front;
    {
      core::Lock lock(mu_);
      if (waiting_.empty()) return true;
      front = waiting_.front();  // stays first until it went: a new event waits behind it
    }
    try {
      (*front)();
    } catch (const std::exception&) {
      return false;
    }
    core::Lock lock(mu_);
    if (!waiting_.empty() && waiting_.front() == front) waiting_.pop_front();
    gauge_.set(static_cast<double>(waiting_.size()));
  }
}

std::size_t Backlog::size() const {
  core::Lock lock(mu_);
  return waiting_.size();
}

}  // namespace arena::sessions
