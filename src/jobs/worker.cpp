#include "arena/jobs/worker.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "arena/core/log.hpp"
#include "arena/jobs/cron.hpp"
#include "arena/runtime/strand.hpp"

namespace arena::jobs {

JobMetrics::JobMetrics(metrics::Registry& r)
    : total(r.counter("arena_jobs_total",
                      "Job attempts that ended, by outcome: succeeded, failed (will run again), dead (no attempt "
                      "left), retried (rescued after its lease expired), cancelled, lost (the lease was lost)",
                      {"queue", "kind", "outcome"})),
      duration(r.histogram("arena_job_duration_seconds", "How long a job's handler ran", {"queue", "kind"},
                           {0.0001, 0.001, 0.01, 0.1, 1, 10, 60})),
      latency(r.histogram("arena_job_queue_latency_seconds", "From a job's run_at to its start", {"queue"},
                          {0.001, 0.01, 0.1, 0.5, 1, 5, 30, 300})),
      by_state(r.gauge("arena_jobs", "Jobs in the store, by state", {"state"})),
      group_seconds(r.histogram("arena_job_group_commit_seconds",
                                "How long a group commit of handled jobs held its transaction", {},
                                {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1})),
      group_size(r.histogram("arena_job_group_commit_jobs", "Handled jobs a group commit completed at once", {},
                             {1, 8, 64, 256, 512, 1024, 4096})) {}

struct Worker::Impl {
  JobStore& store;
  const core::Clock& clock;
  runtime::Timers& timers;
  WorkerSettings settings;
  const JobStore::CommitPlan plan = store.commit_plan();
  // The most completions one group commit takes: the setting, or the store's choice.
  const std::size_t group_most = settings.group_size > 0 ? static_cast<std::size_t>(settings.group_size)
                                                         : plan.max_group;
  std::shared_ptr<spdlog::logger> log = log::get("jobs");

  metrics::Family<metrics::Counter>& total;
  metrics::Family<metrics::Histogram>& duration;
  metrics::Family<metrics::Histogram>& latency;
  metrics::Family<metrics::Gauge>& by_state;
  metrics::Family<metrics::Histogram>& group_seconds;
  metrics::Family<metrics::Histogram>& group_size;

  std::map<std::string, Handler> handlers;
  std::function<void(const Job&, const std::string&)> dead_hook;
  struct Schedule {
    std::string name;
    Cron cron;
    JobSpec spec;
  };
  std::vector<Schedule> schedules;

  runtime::Strand strand{"jobs"};
  std::unique_ptr<runtime::Timers::Timer> poll_timer, heartbeat_timer, gauge_timer;
  std::int64_t last_rescue = 0;
  std::int64_t started_at = 0;

  mutable std::mutex mu;  // the queue of leases to run, what runs, and draining
  std::condition_variable cv;
  std::deque<Lease> ready;
  std::unordered_map<std::int64_t, Lease> running;  // job id -> its lease (heartbeats)
  std::map<std::string, int> busy;                  // queue -> claimed and not finished
  bool draining = false;
  bool stopping = false;
  bool hungry = false;       // the last poll filled a queue's free slots: there may be more
  bool poll_posted = false;  // a poll is on the strand already
  std::vector<std::thread> threads;

  // Handled jobs waiting for their group commit.
  struct Pending {
    Completion completion;
    std::function<void()> then;
    std::chrono::steady_clock::time_point t0;
  };
  std::deque<Pending> commits;
  std::unordered_set<std::int64_t> committing;  // handled, in the group commit (maybe completed already)
  std::condition_variable commit_cv;
  bool committer_stopping = false;
  std::vector<std::thread> committers;
  std::mt19937_64 rng{std::random_device{}()};

  Impl(JobStore& s, const core::Clock& c, runtime::Timers& t, JobMetrics& m, WorkerSettings ws)
      : store(s),
        clock(c),
        timers(t),
        settings(std::move(ws)),
        total(m.total),
        duration(m.duration),
        latency(m.latency),
        by_state(m.by_state),
        group_seconds(m.group_seconds),
        group_size(m.group_size) {}

  void poll() {
    {
      std::lock_guard lock(mu);
      poll_posted = false;
      hungry = false;
      if (draining || stopping) return;
    }
    const std::int64_t now = clock.now_unix_ms();
    try {
      if (now - last_rescue >= settings.rescue_every.count()) {
        last_rescue = now;
        for (const auto& j : store.rescue(now)) {
          total.with({j.queue, j.kind, j.state == State::dead ? "dead" : "retried"}).inc();
          if (j.state == State::dead && dead_hook) dead_hook(j, "its worker stopped heartbeating");
          log->warn("msg=\"job rescued: its worker stopped heartbeating\" id={} kind={} state={}", j.id, j.kind,
                    name(j.state));
        }
      }
      for (const auto& s : schedules) enqueue_due(s, now);
      for (const auto& [queue, limit] : settings.queues) {
        int free = 0;
        {
          std::lock_guard lock(mu);
          free = limit - busy[queue];
        }
        if (free <= 0) continue;
        auto leases = store.claim(queue, settings.name, free, now, settings.lease.count());
        if (leases.empty()) continue;
        std::lock_guard lock(mu);
        if (static_cast<int>(leases.size()) == free) hungry = true;
        for (auto& l : leases) {
          latency.with({queue}).observe(static_cast<double>(std::max<std::int64_t>(0, now - l.job.run_at)) / 1000.0);
          ++busy[queue];
          running.emplace(l.job.id, l);
          ready.push_back(std::move(l));
        }
        cv.notify_all();
      }
    } catch (const std::exception& e) {
      log->error("msg=\"job poll failed\" error=\"{}\"", e.what());
    }
  }

  // The latest run of `s` that is due and not yet enqueued (missed runs collapse into one).
  void enqueue_due(const Schedule& s, std::int64_t now) {
    const std::int64_t from = store.schedule_last_run(s.name).value_or(started_at);
    auto next = s.cron.next(from);
    if (!next || *next > now) return;
    std::int64_t due = *next;
    for (auto after = s.cron.next(due); after && *after <= now; after = s.cron.next(due)) due = *after;
    JobSpec spec = s.spec;
    spec.run_at = due;
    store.enqueue_scheduled(s.name, due, spec, now);
  }

  // One round: every running job's lease extended in one store call (one commit).
  void heartbeat() {
    std::vector<Lease> leases;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, l] : running) leases.push_back(l);
    }
    std::vector<std::int64_t> lost;
    try {
      lost = store.heartbeat_all(leases, clock.now_unix_ms(), settings.lease.count());
    } catch (const std::exception& e) {
      log->error("msg=\"job heartbeat failed\" jobs={} error=\"{}\"", leases.size(), e.what());
      return;
    }
    for (const auto id : lost) {
      std::string kind;  // a job that finished since the copy above is not lost
      {
        std::lock_guard lock(mu);
        auto it = running.find(id);
        if (it == running.end() || committing.count(id) != 0) continue;
        kind = it->second.job.kind;
      }
      log->warn("msg=\"job lease lost; its completion will be refused\" id={} kind={}", id, kind);
    }
  }

  void update_gauges() {
    try {
      for (const auto& [state, n] : store.counts())
        by_state.with({std::string(name(state))}).set(static_cast<double>(n));
    } catch (const std::exception& e) {
      log->error("msg=\"job counts failed\" error=\"{}\"", e.what());
    }
  }

  // Runs the handler. A job that returns goes to the group commit; one that throws fails now.
  void run_one(const Lease& lease) {
    const auto& job = lease.job;
    const auto t0 = std::chrono::steady_clock::now();
    std::string outcome;
    try {
      auto h = handlers.find(job.kind);
      if (h == handlers.end()) throw std::runtime_error("no handler for jobs of kind '" + job.kind + "'");
      JobContext ctx(lease);
      h->second(ctx);
      {
        std::lock_guard lock(mu);
        commits.push_back({ctx.completion(), std::move(ctx.then()), t0});
        committing.insert(lease.job.id);
      }
      commit_cv.notify_one();
      return;
    } catch (const std::exception& e) {
      outcome = failed(lease, e.what());
    }
    finish(lease, outcome, t0);
  }

  // An attempt that ended: its outcome counted, its slot freed.
  struct Finished {
    const Lease* lease;
    std::string outcome;
    std::chrono::steady_clock::time_point t0;
  };

  void finish(const Lease& lease, const std::string& outcome, std::chrono::steady_clock::time_point t0) {
    finish({{&lease, outcome, t0}});
  }

  // A group commit's jobs at once: one lock, one wake-up and at most one poll for all of them
  // (per job, the wake-ups alone cost the committer ~15 % of its time), and the metric children
  // looked up once per run of the same queue, kind and outcome.
  void finish(const std::vector<Finished>& done) {
    const auto now = std::chrono::steady_clock::now();
    const auto same_run = [](const Finished& a, const Finished& b) {
      return a.outcome == b.outcome && a.lease->job.queue == b.lease->job.queue &&
             a.lease->job.kind == b.lease->job.kind;
    };
    for (std::size_t i = 0, j = 0; i < done.size(); i = j) {  // runs of one queue, kind and outcome
      const Job& job = done[i].lease->job;
      auto& took = duration.with({job.queue, job.kind});
      for (j = i; j < done.size() && same_run(done[j], done[i]); ++j)
        took.observe(std::chrono::duration<double>(now - done[j].t0).count());
      total.with({job.queue, job.kind, done[i].outcome}).inc(j - i);
    }
    bool poll_now = false;
    {
      std::lock_guard lock(mu);
      for (const auto& f : done) {
        running.erase(f.lease->job.id);
        committing.erase(f.lease->job.id);
        --busy[f.lease->job.queue];
      }
      poll_now = hungry && !poll_posted && !draining && !stopping;
      if (poll_now) poll_posted = true;
    }
    cv.notify_all();
    if (poll_now) strand.post([this] { poll(); });  // free slots and more ready: no wait for the timer
  }

  // Group commit: every handled job that is waiting, in one transaction of the store.
  void committer_main() {
    for (;;) {
      std::vector<Pending> group;
      {
        std::unique_lock lock(mu);
        commit_cv.wait(lock, [&] { return committer_stopping || !commits.empty(); });
        if (commits.empty()) return;  // stopping, and nothing left to commit
        while (!commits.empty() && group.size() < group_most) {
          group.push_back(std::move(commits.front()));
          commits.pop_front();
        }
      }
      commit(group);
    }
  }

  void commit(std::vector<Pending>& group) {
    std::vector<Completion> batch;
    batch.reserve(group.size());
    for (auto& p : group) batch.push_back(std::move(p.completion));
    std::vector<CompletionResult> results;
    try {
      const auto t0 = std::chrono::steady_clock::now();
      results = store.complete_all(batch, clock.now_unix_ms());
      group_seconds.with({}).observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      group_size.with({}).observe(static_cast<double>(batch.size()));
    } catch (const std::exception& e) {  // the transaction failed: none of them completed
      log->error("msg=\"job group commit failed\" jobs={} error=\"{}\"", group.size(), e.what());
      results.assign(group.size(), {Completed::effects_failed, std::string("commit failed: ") + e.what()});
    }
    std::vector<Finished> done;
    done.reserve(group.size());
    for (std::size_t i = 0; i < group.size(); ++i) {
      auto& p = group[i];
      const Lease& lease = batch[i].lease;
      std::string outcome;
      switch (results[i].outcome) {
        case Completed::yes:
          outcome = "succeeded";
          if (p.then) {
            try {
              p.then();
            } catch (const std::exception& e) {
              log->error("msg=\"job's after-commit step failed\" id={} kind={} error=\"{}\"", lease.job.id,
                         lease.job.kind, e.what());
            }
          }
          break;
        case Completed::lease_lost: outcome = lost_outcome(lease.job.id); break;
        case Completed::effects_failed: outcome = failed(lease, results[i].error); break;
      }
      done.push_back({&lease, std::move(outcome), p.t0});
    }
    finish(done);
  }

  std::string lost_outcome(std::int64_t id) {
    try {
      if (auto j = store.get(id); j && j->state == State::cancelled) return "cancelled";
    } catch (const std::exception&) {
    }
    return "lost";
  }

  // This attempt failed: retry after a delay with full jitter, or dead.
  std::string failed(const Lease& lease, const std::string& error) {
    std::int64_t delay = 0;
    {
      std::lock_guard lock(mu);
      delay = static_cast<std::int64_t>(rng() %
                                        static_cast<std::uint64_t>(settings.backoff.ceiling(lease.job.attempt) + 1));
    }
    try {
      const State s = store.fail(lease, error, clock.now_unix_ms(), delay);
      log->warn("msg=\"job failed\" id={} kind={} attempt={} state={} error=\"{}\"", lease.job.id, lease.job.kind,
                lease.job.attempt, name(s), error);
      if (s == State::dead && dead_hook) {
        Job dead = lease.job;
        dead.state = State::dead;
        dead_hook(dead, error);
      }
      return s == State::dead ? "dead" : "failed";
    } catch (const LeaseLost&) {
      return lost_outcome(lease.job.id);
    } catch (const std::exception& e) {
      log->error("msg=\"recording a job failure failed; its lease will expire\" id={} error=\"{}\"", lease.job.id,
                 e.what());
      return "lost";
    }
  }

  void thread_main() {
    for (;;) {
      Lease lease;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !ready.empty(); });
        if (ready.empty()) return;  // stopping
        lease = std::move(ready.front());
        ready.pop_front();
      }
      run_one(lease);
    }
  }
};

Worker::Worker(JobStore& store, const core::Clock& clock, runtime::Timers& timers, JobMetrics& metrics,
               WorkerSettings settings)
    : impl_(std::make_shared<Impl>(store, clock, timers, metrics, std::move(settings))) {
  if (impl_->settings.threads < 1 || impl_->settings.lease.count() < 3)
    throw std::invalid_argument("a worker needs at least one thread and a lease of at least 3 ms");
}

Worker::~Worker() {
  stop();
}

void Worker::handle(const std::string& kind, Handler handler) {
  impl_->handlers[kind] = std::move(handler);
}

void Worker::every(const std::string& name, const std::string& cron, JobSpec spec) {
  impl_->schedules.push_back({name, Cron::parse(cron), std::move(spec)});
}

void Worker::on_dead(std::function<void(const Job&, const std::string&)> hook) {
  impl_->dead_hook = std::move(hook);
}

void Worker::start() {
  auto& i = *impl_;
  i.started_at = i.clock.now_unix_ms();
  for (int t = 0; t < i.settings.threads; ++t)
    i.threads.emplace_back([&i] {
      pthread_setname_np(pthread_self(), "jobs-run");  // names for top and perf
      i.thread_main();
    });
  const int committers = i.settings.committers > 0 ? i.settings.committers : i.plan.parallel;
  for (int c = 0; c < std::max(1, committers); ++c)
    i.committers.emplace_back([&i] {
      pthread_setname_np(pthread_self(), "jobs-commit");
      i.committer_main();
    });
  i.poll_timer = i.timers.every("jobs-poll", i.settings.poll, i.strand, [&i] { i.poll(); });
  i.heartbeat_timer = i.timers.every("jobs-heartbeat", std::max(std::chrono::milliseconds(1), i.settings.lease / 3),
                                     i.strand, [&i] { i.heartbeat(); });
  i.gauge_timer = i.timers.every("jobs-gauges", std::chrono::seconds(5), i.strand, [&i] { i.update_gauges(); });
}

bool Worker::drain(std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  std::unique_lock lock(i.mu);
  i.draining = true;
  return i.cv.wait_for(lock, timeout, [&] { return i.running.empty(); });
}

void Worker::stop() {
  auto& i = *impl_;
  i.poll_timer.reset();
  i.heartbeat_timer.reset();
  i.gauge_timer.reset();
  i.strand.stop();
  {
    std::lock_guard lock(i.mu);
    i.stopping = true;
    i.ready.clear();  // claimed and not started: their leases expire and they are rescued
  }
  i.cv.notify_all();
  for (auto& t : i.threads)
    if (t.joinable()) t.join();
  i.threads.clear();
  {
    std::lock_guard lock(i.mu);
    i.committer_stopping = true;  // after what the handlers finished is committed
  }
  i.commit_cv.notify_all();
  for (auto& c : i.committers)
    if (c.joinable()) c.join();
  i.committers.clear();
}

void Worker::wake() {
  auto& i = *impl_;
  {
    std::lock_guard lock(i.mu);
    if (i.poll_posted || i.draining || i.stopping) return;
    i.poll_posted = true;
  }
  i.strand.post([&i] { i.poll(); });
}

int Worker::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return static_cast<int>(impl_->running.size());
}

}  // namespace arena::jobs
