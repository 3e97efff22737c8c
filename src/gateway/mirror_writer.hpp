#pragma once
// Writes the gateway's sessions to the SessionMirror (cluster mode) on a thread of its own: every
// change queued since the last batch goes in one pipeline, then the pushes of the batch go to
// their sockets (Session::release). So a push waits for one Redis round trip, never for another
// session's, and the I/O and bus threads never wait for Redis at all. When Redis fails the pushes
// go out anyway (counted): players keep playing, and those sessions' mirrors are made again whole
// once Redis answers (until then a move to another gateway starts a new session).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "arena/core/log.hpp"
#include "arena/gateway/mirror.hpp"
#include "arena/metrics/registry.hpp"
#include "session.hpp"

namespace arena::gateway {

struct MirrorWriterSettings {
  std::string node;
  std::size_t limit = 256;                          // pushes kept per session
  std::size_t max_queued = 200'000;                 // changes waiting; beyond, pushes skip the mirror
  std::chrono::milliseconds alive_every{1'000};     // the node's liveness
  std::chrono::milliseconds sessions_every{60'000};  // every session's keys, kept from expiring
  // After a failed write pushes skip the mirror this long (Redis down: no push waits for its
  // timeout), then the writer tries again.
  std::chrono::milliseconds pause_after_failure{1'000};
};

class MirrorWriter {
 public:
  struct Hooks {
    std::function<std::vector<std::string>()> sids;                   // every session held here
    std::function<void(const std::shared_ptr<Session>&)> taken;      // another gateway took it
  };
  MirrorWriter(SessionMirror& mirror, MirrorWriterSettings settings, metrics::Registry& registry, Hooks hooks);
  ~MirrorWriter();  // stop()
  MirrorWriter(const MirrorWriter&) = delete;
  MirrorWriter& operator=(const MirrorWriter&) = delete;

  // A new session (or one moved here, from `seq` with its kept pushes): made in the mirror before
  // any of its pushes.
  void opened(const std::shared_ptr<Session>& s, std::int64_t created_ms, std::uint64_t seq = 0,
              std::vector<MirrorEntry> kept = {});
  // From Session::push, under the session's lock: queued, released after the write. False when
  // too much waits already or a write failed just now (Redis is slow or gone): the session sends
  // it at once, unmirrored.
  bool pushed(const std::shared_ptr<Session>& s, const Outbound& out, std::string_view id);
  void channels(const std::shared_ptr<Session>& s, std::vector<MirrorChannel> now);
  void closed(const std::shared_ptr<Session>& s);
  // Writes what is queued, then ends the thread. Idempotent.
  void stop();

 private:
  struct Change {
    std::shared_ptr<Session> session;
    enum class Kind { open, push, channels, close } kind;
    Outbound out{};
    std::string id;
    std::int64_t created_ms = 0;
    std::vector<MirrorChannel> chans;
    std::vector<MirrorEntry> kept;
  };
  bool enqueue(Change c, bool may_drop = false);
  void run();
  void write(std::vector<Change> batch);
  void remake(const std::shared_ptr<Session>& s, std::uint64_t upto);
  void remake_dirty();  // on the thread: up to 1,000 dirty sessions a round, when writes work

  SessionMirror& mirror_;
  const MirrorWriterSettings settings_;
  Hooks hooks_;
  metrics::Family<metrics::Counter>& writes_;  // result: ok, failed
  metrics::Counter& skipped_;
  metrics::Counter& taken_;
  metrics::Counter& remade_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Change> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  // Sessions whose mirror missed changes (a failed write, pushes sent unmirrored): made again
  // whole once writes work. Guarded by mu_.
  std::unordered_map<const Session*, std::weak_ptr<Session>> dirty_;
  std::atomic<std::chrono::steady_clock::rep> paused_until_{0};  // pushes skip the mirror until then
  std::thread thread_;
};

}  // namespace arena::gateway
