#pragma once
// Request coalescing for blocking calls: callers that arrive while batches run wait, and the next
// batch takes all of them at once (up to `most`). A waiting caller leads when fewer than `parallel`
// do: it runs batches from the front of the queue until its own request is in one. What a batch
// costs once (a round trip, a commit) is then paid once per batch instead of once per call.
// Nothing waits for a batch to fill: a lone caller runs a batch of one at once.
//
// run(inputs) returns one output per input, in order; if it throws, every caller of that batch gets
// the exception. A caller for which `alone()` holds (one inside a transaction, say, which a batch
// must not pull others' calls into) runs a batch of its own at once, on its thread.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace arena::core {

template <class In, class Out>
class Coalescer {
 public:
  using Run = std::function<std::vector<Out>(const std::vector<In>&)>;

  // At most `parallel` batches run at once (each on its leader's thread), of at most `most` calls.
  Coalescer(std::size_t most, std::size_t parallel, Run run, std::function<bool()> alone = {})
      : most_(most < 1 ? 1 : most),
        parallel_(parallel < 1 ? 1 : parallel),
        run_(std::move(run)),
        alone_(std::move(alone)) {}

  // Calls waiting for a batch to take them.
  std::size_t queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  Out call(In in) {
    if (alone_ && alone_()) {
      auto outs = run_({std::move(in)});
      if (outs.size() != 1) throw std::logic_error("a coalesced batch returned the wrong number of results");
      Out out = std::move(outs.front());
      return out;
    }
    Request req{std::move(in), std::nullopt, nullptr, true, false};
    std::unique_lock lock(mu_);
    queue_.push_back(&req);
    cv_.wait(lock, [&] { return req.done || (req.queued && leaders_ < parallel_); });
    if (!req.done) {
      ++leaders_;  // lead until our own request is in a batch
      while (req.queued) {
        std::vector<Request*> batch;
        while (!queue_.empty() && batch.size() < most_) {
          batch.push_back(queue_.front());
          batch.back()->queued = false;
          queue_.pop_front();
        }
        lock.unlock();
        settle(batch);
        lock.lock();
      }
      --leaders_;
      cv_.notify_all();  // a waiting caller may lead now
      cv_.wait(lock, [&] { return req.done; });
    }
    if (req.error) std::rethrow_exception(req.error);
    return std::move(*req.out);
  }

 private:
  struct Request {
    In in;
    std::optional<Out> out;
    std::exception_ptr error;
    bool queued;
    bool done;
  };

  void settle(const std::vector<Request*>& batch) {
    std::vector<In> inputs;
    inputs.reserve(batch.size());
    for (auto* r : batch) inputs.push_back(std::move(r->in));
    std::vector<Out> outs;
    std::exception_ptr error;
    try {
      outs = run_(inputs);
      if (outs.size() != batch.size()) throw std::logic_error("a coalesced batch returned the wrong number of results");
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (error)
        batch[i]->error = error;
      else
        batch[i]->out = std::move(outs[i]);
      batch[i]->done = true;
    }
    cv_.notify_all();
  }

  const std::size_t most_;
  const std::size_t parallel_;
  Run run_;
  const std::function<bool()> alone_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;
  std::size_t leaders_ = 0;
};

}  // namespace arena::core
