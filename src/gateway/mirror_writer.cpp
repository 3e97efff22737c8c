#include "mirror_writer.hpp"

#include <map>

namespace arena::gateway {

MirrorWriter::MirrorWriter(SessionMirror& mirror, MirrorWriterSettings settings, metrics::Registry& registry,
                           Hooks hooks)
    : mirror_(mirror),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      writes_(registry.counter("gateway_mirror_writes_total",
                               "Batches of session changes written to the session mirror (Redis), by result",
                               {"result"})),
      skipped_(registry
                   .counter("gateway_mirror_skipped_total",
                            "Pushes sent without waiting for the mirror (too many changes queued, or a write failed "
                            "less than a second ago)")
                   .with({})),
      taken_(registry
                 .counter("gateway_mirror_taken_total",
                          "Sessions let go because another gateway took them over (the player resumed there)")
                 .with({})),
      remade_(registry
                  .counter("gateway_mirror_remade_total",
                           "Session mirrors written again whole because Redis had lost them (a restart) or they "
                           "missed changes (a failed write)")
                  .with({})),
      log_(log::get("gateway")),
      thread_([this] { run(); }) {}

MirrorWriter::~MirrorWriter() {
  stop();
}

void MirrorWriter::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool MirrorWriter::enqueue(Change c, bool may_drop) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || (may_drop && queue_.size() >= settings_.max_queued)) return false;
    queue_.push_back(std::move(c));
    if (queue_.size() > 1) return true;  // the thread is awake already
  }
  cv_.notify_one();
  return true;
}

void MirrorWriter::opened(const std::shared_ptr<Session>& s, std::int64_t created_ms, std::uint64_t seq,
                          std::vector<MirrorEntry> kept) {
  Change c{s, Change::Kind::open};
  c.created_ms = created_ms;
  c.out.seq = seq;
  c.kept = std::move(kept);
  enqueue(std::move(c));
}

bool MirrorWriter::pushed(const std::shared_ptr<Session>& s, const Outbound& out, std::string_view id) {
  const bool paused =
      std::chrono::steady_clock::now().time_since_epoch().count() < paused_until_.load(std::memory_order_relaxed);
  if (!paused && enqueue({s, Change::Kind::push, out, std::string(id)}, true)) return true;
  skipped_.inc();
  std::lock_guard lock(mu_);
  dirty_.emplace(s.get(), s);
  return false;
}

void MirrorWriter::channels(const std::shared_ptr<Session>& s, std::vector<MirrorChannel> now) {
  Change c{s, Change::Kind::channels};
  c.chans = std::move(now);
  enqueue(std::move(c));
}

void MirrorWriter::closed(const std::shared_ptr<Session>& s) {
  {
    std::lock_guard lock(mu_);
    dirty_.erase(s.get());  // an ended session's mirror is not made again
  }
  enqueue({s, Change::Kind::close});
}

void MirrorWriter::run() {
  auto next_alive = std::chrono::steady_clock::now();
  auto next_sessions = next_alive + settings_.sessions_every;
  for (;;) {
    std::vector<Change> batch;
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_alive, [&] { return stopping_ || !queue_.empty(); });
      batch.swap(queue_);
      stopping = stopping_;
    }
    if (!batch.empty()) write(std::move(batch));
    if (stopping) return;
    remake_dirty();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_alive) {
      std::vector<std::string> sids;
      if (now >= next_sessions) {
        sids = hooks_.sids();
        next_sessions = now + settings_.sessions_every;
      }
      try {
        mirror_.keep_alive(settings_.node, sids);
      } catch (const std::exception& e) {
        log_->warn("msg=\"session mirror keep-alive failed\" error=\"{}\"", e.what());
        if (!sids.empty()) next_sessions = now;  // try them again next time
      }
      next_alive = now + settings_.alive_every;
    }
  }
}

void MirrorWriter::write(std::vector<Change> batch) {
  // One MirrorWrite per session, its changes in order; the pushes to release after.
  std::vector<MirrorWrite> writes;
  std::vector<std::pair<std::shared_ptr<Session>, std::vector<Outbound>>> outs;
  std::map<const Session*, std::size_t> at;
  for (auto& c : batch) {
    auto [it, fresh] = at.try_emplace(c.session.get(), writes.size());
    if (fresh) {
      writes.push_back({c.session->id()});
      outs.emplace_back(c.session, std::vector<Outbound>{});
    }
    auto& w = writes[it->second];
    switch (c.kind) {
      case Change::Kind::open:
        w.user = c.session->user_id();
        w.created_ms = c.created_ms;
        w.seq = c.out.seq;
        for (auto& e : c.kept) w.entries.push_back(std::move(e));
        break;
      case Change::Kind::push:
        w.entries.push_back({c.out.seq, std::move(c.id), *c.out.body});
        outs[it->second].second.push_back(std::move(c.out));
        break;
      case Change::Kind::channels: w.channels = std::move(c.chans); break;
      case Change::Kind::close: w.close = true; break;
    }
  }
  // A mirror made again (lost) comes after pushes already queued: order each session's by seq.
  for (auto& w : writes)
    std::stable_sort(w.entries.begin(), w.entries.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  SessionMirror::Written done;
  auto& taken = done.taken;
  try {
    done = mirror_.write(settings_.node, writes, settings_.limit);
    writes_.with({"ok"}).inc();
  } catch (const std::exception& e) {
    // The pushes go out anyway, and these sessions' mirrors are made again whole once writes work
    // (remake_dirty); a move before that finds the gap and starts a new session.
    writes_.with({"failed"}).inc();
    {
      std::lock_guard lock(mu_);
      for (auto& [s, o] : outs) dirty_.emplace(s.get(), s);
    }
    paused_until_.store((std::chrono::steady_clock::now() + settings_.pause_after_failure).time_since_epoch().count(),
                        std::memory_order_relaxed);
    log_->warn("msg=\"session mirror write failed; pushes sent unmirrored\" sessions={} error=\"{}\"", writes.size(),
               e.what());
  }
  for (auto& [s, o] : outs) {
    if (std::find(taken.begin(), taken.end(), s->id()) != taken.end()) continue;
    if (!o.empty()) s->release(o);
  }
  for (const auto& sid : taken) {
    for (auto& [s, o] : outs) {
      if (s->id() != sid) continue;
      taken_.inc();
      hooks_.taken(s);
      break;
    }
  }
  for (const auto& sid : done.lost) {
    for (std::size_t i = 0; i < outs.size(); ++i) {
      auto& [s, o] = outs[i];
      if (s->id() == sid && !writes[i].close) remake(s, o.empty() ? 0 : o.back().seq);
    }
  }
}

void MirrorWriter::remake_dirty() {
  if (std::chrono::steady_clock::now().time_since_epoch().count() < paused_until_.load(std::memory_order_relaxed))
    return;
  std::vector<std::shared_ptr<Session>> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = dirty_.begin(); it != dirty_.end() && due.size() < 1'000;) {
      if (auto s = it->second.lock()) due.push_back(std::move(s));
      it = dirty_.erase(it);
    }
  }
  for (const auto& s : due) remake(s, 0);
}

// Redis lost this session's mirror (restarted empty, or the keys expired): made again from what
// the session keeps, up to `upto` (later pushes are queued already and follow).
void MirrorWriter::remake(const std::shared_ptr<Session>& s, std::uint64_t upto) {
  upto = std::max(upto, s->released_seq());
  std::vector<MirrorEntry> entries;
  for (auto& k : s->kept())
    if (k.out.seq <= upto) entries.push_back({k.out.seq, std::move(k.id), *k.out.body});
  const std::uint64_t from = entries.empty() ? upto : entries.front().seq - 1;
  remade_.inc();
  opened(s, s->created_ms(), from, std::move(entries));
  std::vector<MirrorChannel> chans;
  for (auto& [ch, at] : s->channels_joined()) chans.push_back({ch, at});
  channels(s, std::move(chans));
}

}  // namespace arena::gateway
