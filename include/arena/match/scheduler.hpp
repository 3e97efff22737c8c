#pragma once
// Runs many periodic jobs (match ticks) on a few threads: one queue ordered by due time, each
// worker takes the earliest job that is due, runs it and puts it back one period later. A job
// that falls behind is run at once and keeps its cadence (next due = previous due + period)
// until it is a whole period behind, when it skips the runs it missed (keeping its phase)
// rather than burst.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace arena::match {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  // Called on a worker thread; return false to stop repeating. `late` is how far past its due
  // time the job started.
  using Job = std::function<bool(Clock::duration late)>;

  using Now = std::function<Clock::time_point()>;

  // `threads` workers run due jobs. With 0 threads nothing runs by itself: the owner calls
  // run_due(), and `now` (a fake clock in tests) says what time it is.
  explicit Scheduler(int threads, Now now = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // First run after `first` (default: one period from now). Spreading the first runs of many
  // jobs over a period keeps them from all falling due at the same instant.
  std::uint64_t add(Clock::duration period, Job job);
  std::uint64_t add(Clock::duration period, Clock::duration first, Job job);
  // The job does not run again (a run in progress finishes).
  void remove(std::uint64_t id);
  std::size_t size() const;
  void stop();
  // Runs, on the calling thread, every job that is due by now() (in due order, including runs
  // that fall due again meanwhile); returns how many ran. For manual mode (0 threads).
  std::size_t run_due();

 private:
  struct Entry {
    Clock::time_point due;
    std::uint64_t id;
    bool operator>(const Entry& o) const { return due > o.due || (due == o.due && id > o.id); }
  };
  struct Slot {
    Clock::duration period;
    Job job;
  };
  struct Taken {
    Entry entry;
    Slot slot;
    Clock::duration late;
    bool again = false;
  };
  void work();
  // Under mu_: moves up to `max` jobs due by `now` out of the queue into `batch`.
  void take_due(Clock::time_point now, std::size_t max, std::vector<Taken>& batch);
  // Under mu_: puts the jobs that want to run again back, one period after their last due time.
  void put_back(std::vector<Taken>& batch, Clock::time_point now);
  static void run(std::vector<Taken>& batch);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::map<std::uint64_t, Slot> jobs_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  Now now_;
  std::vector<std::thread> threads_;
};

}  // namespace arena::match
