#pragma once
// A serial executor with a thread of its own, for a role's work that must not run on a bus or
// I/O thread: posted functions run one at a time, in the order they were posted (repeating work
// is posted by runtime::Timers). A role that keeps all its state on one Strand
// needs no lock for it, and a long piece of work (a matchmaking round) delays only that role's
// queue, never a socket or another service.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace arena::runtime {

// How the strand's thread competes for CPU with the I/O threads. A background strand (a
// matchmaking round) runs at a lower scheduling priority (Linux nice +10), so on a busy machine a
// socket's thread is scheduled ahead of it the moment it has work.
enum class Priority { normal, background };

class Strand {
 public:
  explicit Strand(std::string name, Priority priority = Priority::normal);
  ~Strand();  // stop()
  Strand(const Strand&) = delete;
  Strand& operator=(const Strand&) = delete;

  // Runs `fn` on the strand's thread after everything posted before it. An exception thrown by
  // `fn` is logged and dropped. Posting after stop() does nothing.
  void post(std::function<void()> fn);
  // Finishes the function running now, drops the rest and joins the thread. Idempotent; not
  // from the strand's own thread.
  void stop();
  bool running_here() const;
  bool stopped() const;  // stop() has begun: nothing new runs
  // Functions posted and not yet started (a gauge for the role's backlog).
  std::size_t backlog() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::runtime
