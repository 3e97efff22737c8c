#include "arena/runtime/timers.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "arena/core/log.hpp"

namespace arena::runtime {

struct Timers::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(const core::Clock& c) : clock(c) {}

  struct Entry {
    std::string name;
    std::chrono::milliseconds interval;
    Strand* strand;
    std::function<void()> fn;
    core::Steady::time_point due;
    bool queued = false;  // posted to its strand and not finished
    bool cancelled = false;
    std::atomic<std::uint64_t> skipped{0};
  };
  using EntryPtr = std::shared_ptr<Entry>;

  void run() {
    pthread_setname_np(pthread_self(), "timers");
    std::unique_lock lock(mu);
    while (!stopping) {
      const auto now = clock.monotonic();
      EntryPtr next;
      for (const auto& e : entries)
        if (!next || e->due < next->due) next = e;
      if (!next) {
        cv.wait(lock);
        continue;
      }
      if (next->due > now) {
        // Real time passes for a real clock; a FakeClock wakes us through its watcher.
        cv.wait_for(lock, next->due - now);
        continue;
      }
      next->due += next->interval;
      if (next->due <= now) next->due = now + next->interval;  // after a jump or a stall: keep the pace from now
      if (next->queued) {
        next->skipped.fetch_add(1, std::memory_order_relaxed);
        log::get("runtime")->debug("msg=\"timer skipped: its last call is still running\" timer={}", next->name);
        continue;
      }
      next->queued = true;
      post(next);
    }
  }

  void post(const EntryPtr& e) {
    e->strand->post([self = shared_from_this(), e] {
      // Skipped when cancelled before it started; the Strand logs what fn throws.
      struct Done {
        Impl& im;
        const EntryPtr& e;
        ~Done() {
          {
            std::lock_guard lock(im.mu);
            e->queued = false;
          }
          im.idle_cv.notify_all();
        }
      } done{*self, e};
      bool cancelled = false;
      {
        std::lock_guard lock(self->mu);
        cancelled = e->cancelled;
      }
      if (!cancelled) e->fn();
    });
  }

  const core::Clock& clock;
  std::mutex mu;
  std::condition_variable cv;       // the timer thread: a new timer, a clock jump, stop
  std::condition_variable idle_cv;  // a call finished
  std::vector<EntryPtr> entries;
  bool stopping = false;
  std::uint64_t watch_id = 0;
  std::thread thread;
};

namespace {

class TimerHandle final : public Timers::Timer {
 public:
  TimerHandle(std::weak_ptr<Timers::Impl> im, std::shared_ptr<Timers::Impl::Entry> e)
      : im_(std::move(im)), e_(std::move(e)) {}
  ~TimerHandle() override {
    auto im = im_.lock();
    if (!im) return;
    std::unique_lock lock(im->mu);
    e_->cancelled = true;
    std::erase(im->entries, e_);
    // Wait for a call that is running (not for one that is only queued: it will see `cancelled`),
    // unless this is that call's own strand destroying its timer.
    if (e_->strand->running_here()) return;
    while (e_->queued && !e_->strand->stopped()) im->idle_cv.wait_for(lock, std::chrono::milliseconds(50));
  }

  std::uint64_t skipped() const override { return e_->skipped.load(std::memory_order_relaxed); }

 private:
  std::weak_ptr<Timers::Impl> im_;
  std::shared_ptr<Timers::Impl::Entry> e_;
};

}  // namespace

Timers::Timers(const core::Clock& clock) : impl_(std::make_shared<Impl>(clock)) {
  impl_->watch_id = clock.watch([im = impl_.get()](core::Clock::Jump jump) {
    {
      std::lock_guard lock(im->mu);  // (a jump between the thread's reading and its wait is not lost)
      if (jump == core::Clock::Jump::wall_only) {
        // Monotonic time did not move, but what the timers act on did: each runs once now.
        const auto now = im->clock.monotonic();
        for (auto& e : im->entries) e->due = std::min(e->due, now);
      }
    }
    im->cv.notify_all();
  });
  impl_->thread = std::thread([im = impl_.get()] { im->run(); });
}

Timers::~Timers() {
  stop();
}

std::unique_ptr<Timers::Timer> Timers::every(std::string name, std::chrono::milliseconds interval, Strand& strand,
                                             std::function<void()> fn) {
  if (interval <= std::chrono::milliseconds::zero()) throw std::invalid_argument("timer interval must be positive");
  auto e = std::make_shared<Impl::Entry>();
  e->name = std::move(name);
  e->interval = interval;
  e->strand = &strand;
  e->fn = std::move(fn);
  e->due = impl_->clock.monotonic() + interval;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) impl_->entries.push_back(e);
  }
  impl_->cv.notify_all();
  return std::make_unique<TimerHandle>(impl_, std::move(e));
}

void Timers::wait_idle() {
  auto& im = *impl_;
  std::unique_lock lock(im.mu);
  im.idle_cv.wait(lock, [&] {
    if (im.stopping) return true;
    const auto now = im.clock.monotonic();
    for (const auto& e : im.entries)
      if (e->queued || e->due <= now) return false;
    return true;
  });
}

void Timers::stop() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    if (im.stopping) return;
    im.stopping = true;
    for (auto& e : im.entries) e->cancelled = true;
    im.entries.clear();
  }
  im.cv.notify_all();
  im.idle_cv.notify_all();
  im.clock.unwatch(im.watch_id);
  if (im.thread.joinable()) im.thread.join();
}

}  // namespace arena::runtime
