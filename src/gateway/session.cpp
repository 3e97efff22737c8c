#include "session.hpp"

#include <functional>

#include "arena/protocol/messages.hpp"
#include "mirror_writer.hpp"

namespace arena::gateway {

Session::Session(std::string id, std::string user_id, std::size_t buffer_limit, std::uint64_t seq,
                 std::vector<Kept> kept)
    : id_(std::move(id)), user_id_(std::move(user_id)), limit_(buffer_limit), moved_(true) {
  core::Lock lock(mu_);
  seq_ = released_ = seq;
  for (auto& k : kept) keep(std::move(k));
  gathering_ = true;
}

void Session::mirror_to(MirrorWriter* writer, std::int64_t created_ms) {
  core::Lock lock(mu_);
  mirror_ = writer;
  created_ms_ = created_ms;
}

std::int64_t Session::created_ms() const {
  core::Lock lock(mu_);
  return created_ms_;
}

bool Session::opened_before(std::string_view sid) const {
  return moved_ ? created_ms() < protocol::route_id_ms(sid) : id_ < sid;
}

std::uint64_t Session::released_seq() const {
  core::Lock lock(mu_);
  return released_;
}

void Session::keep(Kept k) {
  if (ring_.size() < limit_) {
    ring_.push_back(std::move(k));
  } else if (limit_ > 0) {
    ring_[head_] = std::move(k);
    head_ = (head_ + 1) % limit_;
  }
}

void Session::push(const std::shared_ptr<const std::string>& body, std::string_view id) {
  core::Lock lock(mu_);
  if (!id.empty() && !seen_.empty() && seen_.contains(std::string(id))) return;  // had it while moving
  if (gathering_) {
    gathered_.emplace_back(std::string(id), body);
    return;
  }
  stamp(body, id);
}

void Session::stamp(const std::shared_ptr<const std::string>& body, std::string_view id) {
  Outbound out{++seq_, body};
  keep({out, mirror_ != nullptr ? std::string(id) : std::string()});  // ids matter only to a session that may move
  if (mirror_ != nullptr && mirror_->pushed(shared_from_this(), out, id)) return;  // goes out on release()
  released_ = seq_;
  // Sent under the lock so that concurrent pushes reach the socket in seq order.
  if (auto s = sink_.lock()) s->send(std::move(out));
}

void Session::stamp_once(const std::string& id, const std::shared_ptr<const std::string>& body) {
  if (!id.empty() && !seen_.insert(id).second) return;
  stamp(body, id);
}

void Session::release(const std::vector<Outbound>& outs) {
  core::Lock lock(mu_);
  auto s = sink_.lock();
  for (const auto& out : outs) {
    if (out.seq <= released_) continue;
    released_ = out.seq;
    if (s) s->send(out);
  }
}

std::size_t Session::finish_gathering(
    const std::vector<std::pair<std::string, std::shared_ptr<const std::string>>>& missed) {
  core::Lock lock(mu_);
  for (std::size_t i = 0; i < ring_.size(); ++i) seen_.insert(ring_[i].id);  // what the old gateway had
  seen_.erase(std::string());
  const std::uint64_t before = seq_;
  for (const auto& [id, body] : missed) stamp_once(id, body);
  const auto from_missed = static_cast<std::size_t>(seq_ - before);
  gathering_ = false;
  auto arrived = std::move(gathered_);
  gathered_.clear();
  for (const auto& [id, body] : arrived) stamp_once(id, body);
  return from_missed;
}

void Session::settled() {
  core::Lock lock(mu_);
  seen_ = {};
}

Session::Attach Session::attach(const std::shared_ptr<Sink>& sink, std::optional<std::uint64_t> last_seq,
                                const std::function<Outbound(std::size_t, std::uint64_t)>& welcome) {
  core::Lock lock(mu_);
  // The ring holds seqs (seq_ - size + 1) .. seq_, oldest at head_ once full; those up to
  // released_ may be sent (the rest reach the sink when the mirror releases them).
  const std::size_t n = ring_.size();
  const std::size_t unreleased = static_cast<std::size_t>(seq_ - released_);
  std::size_t replay = 0;
  if (last_seq) {
    if (*last_seq > released_) return Attach::seq_ahead;  // the client claims pushes it was never sent
    replay = static_cast<std::size_t>(released_ - *last_seq);
    if (replay + unreleased > n) return Attach::missed_too_much;  // some already left the ring
  }
  sink->send(welcome(replay, released_));
  for (std::size_t k = n - unreleased - replay; k < n - unreleased; ++k) sink->send(ring_[(head_ + k) % n].out);
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

std::vector<Kept> Session::kept() const {
  core::Lock lock(mu_);
  std::vector<Kept> out;
  out.reserve(ring_.size());
  for (std::size_t k = 0; k < ring_.size(); ++k) out.push_back(ring_[(head_ + k) % ring_.size()]);
  return out;
}

bool Session::add_channel(const std::string& channel, std::size_t max, std::int64_t joined_ms) {
  core::Lock lock(mu_);
  if (channels_.contains(channel)) return true;
  if (channels_.size() >= max) return false;
  channels_.emplace(channel, joined_ms);
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
  std::vector<std::string> out;
  out.reserve(channels_.size());
  for (const auto& [ch, at] : channels_) out.push_back(ch);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> Session::channels_joined() const {
  core::Lock lock(mu_);
  return {channels_.begin(), channels_.end()};
}

}  // namespace arena::gateway
