#pragma once
// Prometheus-style metrics. Each module declares its metrics once, in a struct built from a
// Registry (see e.g. arena/http/metrics.hpp); GET /metrics renders the registry as text.
// Children of a labelled family are created on first use and never move: a module resolves
// the label combinations it uses into Counter& / Histogram& handles once (at construction, per
// op, per route, per match) and its hot paths never look a label up by strings. The registry
// refuses a second family of the same name and a lookup with the wrong number of labels
// (std::logic_error: a programming error, found by the first test that builds the module).
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace arena::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void inc(double d = 1) { v_.fetch_add(d, std::memory_order_relaxed); }
  void dec(double d = 1) { v_.fetch_sub(d, std::memory_order_relaxed); }
  double value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound (Prometheus `le` semantics), then +Inf.
  std::vector<std::uint64_t> cumulative() const;
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds, 100 µs .. 10 s.
std::vector<double> latency_buckets();

enum class Kind { counter, gauge, histogram };

class FamilyBase {
 public:
  const std::string& name() const { return name_; }
  FamilyBase(std::string name, std::string help, std::vector<std::string> labels, Kind kind)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), kind_(kind) {}
  virtual ~FamilyBase() = default;
  virtual void render(std::string& out) const = 0;

 protected:
  std::string label_text(const std::vector<std::string>& values, std::string_view extra = {}) const;
  [[noreturn]] void wrong_label_count(std::size_t given) const;
  void header(std::string& out) const;
  std::string name_, help_;
  std::vector<std::string> labels_;
  Kind kind_;
};

template <class T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels, Kind kind,
         std::function<std::unique_ptr<T>()> make)
      : FamilyBase(std::move(name), std::move(help), std::move(labels), kind), make_(std::move(make)) {}

  // The child for these label values (in the order the labels were declared). Takes a lock:
  // resolve once, keep the reference.
  T& with(std::initializer_list<std::string_view> values) {
    if (values.size() != labels_.size()) wrong_label_count(values.size());
    std::vector<std::string> key(values.begin(), values.end());
    std::lock_guard lock(mu_);
    auto& slot = children_[key];
    if (!slot) slot = make_();
    return *slot;
  }
  void render(std::string& out) const override;

 private:
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> labels,
                               std::vector<double> bounds);
  // Text appended at render time (for values read on demand, like process memory).
  void add_collector(std::function<void(std::string& out)> collector);

  std::string render() const;

 private:
  template <class T>
  Family<T>& add(std::string name, std::string help, std::vector<std::string> labels, Kind kind,
                 std::function<std::unique_ptr<T>()> make);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void(std::string&)>> collectors_;
};

// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_cpu_seconds_total, process_start_time_seconds (read from /proc at render time).
void register_process_metrics(Registry& registry);

}  // namespace arena::metrics
