#include "session.hpp"

#include <functional>

namespace arena::gateway {

void Session::push(const std::shared_ptr<const std::string>& body) {
  core::Lock lock(mu_);
  Outbound out{++seq_, body};
  if (ring_.size() < limit_) {
    ring_.push_back(out);
  } else if (limit_ > 0) {
    ring_[head_] = out;
    head_ = (head_ + 1) % limit_;
  }
  // Sent under the lock so that concurrent pushes reach the socket in seq order.
  if (auto s = sink_.lock()) s->send(std::move(out));
}

Session::Attach Session::attach(const std::shared_ptr<Sink>& sink, std::optional<std::uint64_t> last_seq,
                                const std::function<Outbound(std::size_t, std::uint64_t)>& welcome) {
  core::Lock lock(mu_);
  std::size_t replay = 0;
  if (last_seq) {
    if (*last_seq > seq_) return Attach::seq_ahead;  // the client claims pushes that never happened
    replay = static_cast<std::size_t>(seq_ - *last_seq);
    if (replay > ring_.size()) return Attach::missed_too_much;  // some already left the ring
  }
  sink->send(welcome(replay, seq_));
  // The ring holds seqs (seq_ - size + 1) .. seq_, oldest at head_ once full.
  const std::size_t n = ring_.size();
  for (std::size_t k = n - replay; k < n; ++k) sink->send(ring_[(head_ + k) % n]);
  sink_ = sink;
  detached_since_.reset();
  return Attach::attached;
}

bool Session::detach(const Sink* sink, core::SystemTime now) {
  core::Lock lock(mu_);
  if (sink_.lock().get() != sink) return false;
  sink_.reset();
  detached_since_ = now;
  return true;
}

std::shared_ptr<Sink> Session::sink() const {
  core::Lock lock(mu_);
  return sink_.lock();
}

std::optional<core::SystemTime> Session::detached_since() const {
  core::Lock lock(mu_);
  return detached_since_;
}

std::uint64_t Session::last_seq() const {
  core::Lock lock(mu_);
  return seq_;
}

bool Session::add_channel(const std::string& channel, std::size_t max) {
  core::Lock lock(mu_);
  if (channels_.contains(channel)) return true;
  if (channels_.size() >= max) return false;
  channels_.insert(channel);
  return true;
}

bool Session::remove_channel(const std::string& channel) {
  core::Lock lock(mu_);
  return channels_.erase(channel) > 0;
}

bool Session::in_channel(const std::string& channel) const {
  core::Lock lock(mu_);
  return channels_.contains(channel);
}

std::vector<std::string> Session::channels() const {
  core::Lock lock(mu_);
  return {channels_.begin(), channels_.end()};
}

}  // namespace arena::gateway
