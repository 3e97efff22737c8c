#include "arena/metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace arena::metrics {
namespace {

void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back as v
  out.append(buf, r.ptr);
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  std::sort(bounds_.begin(), bounds_.end());
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string FamilyBase::label_text(const std::vector<std::string>& values, std::string_view extra) const {
  if (labels_.empty() && extra.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels_.size() && i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += labels_[i];
    out += "=\"";
    append_escaped(out, values[i]);
    out.push_back('"');
  }
  if (!extra.empty()) {
    if (out.size() > 1) out.push_back(',');
    out += extra;
  }
  out.push_back('}');
  return out;
}

void FamilyBase::wrong_label_count(std::size_t given) const {
  throw std::logic_error("metric " + name_ + " has " + std::to_string(labels_.size()) + " labels, looked up with " +
                         std::to_string(given));
}

void FamilyBase::header(std::string& out) const {
  static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
  out += "# HELP " + name_ + " " + help_ + "\n";
  out += "# TYPE " + name_ + " " + kTypes[static_cast<int>(kind_)] + "\n";
}

namespace {
template <class T>
void render_scalars(std::string& out, const std::string& name,
                    const std::map<std::vector<std::string>, std::unique_ptr<T>>& children,
                    const std::function<std::string(const std::vector<std::string>&)>& labels) {
  for (const auto& [values, child] : children) {
    out += name + labels(values) + " ";
    append_number(out, static_cast<double>(child->value()));
    out.push_back('\n');
  }
}
}  // namespace

template <>
void Family<Counter>::render(std::string& out) const {
  header(out);
  std::lock_guard lock(mu_);
  render_scalars(out, name_, children_, [this](const auto& v) { return label_text(v); });
}

template <>
void Family<Gauge>::render(std::string& out) const {
  header(out);
  std::lock_guard lock(mu_);
  render_scalars(out, name_, children_, [this](const auto& v) { return label_text(v); });
}

template <>
void Family<Histogram>::render(std::string& out) const {
  header(out);
  std::lock_guard lock(mu_);
  for (const auto& [values, h] : children_) {
    const auto cum = h->cumulative();
    for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
      std::string le = "le=\"";
      if (i < h->bounds().size()) {
        append_number(le, h->bounds()[i]);
      } else {
        le += "+Inf";
      }
      le += "\"";
      out += name_ + "_bucket" + label_text(values, le) + " " + std::to_string(cum[i]) + "\n";
    }
    out += name_ + "_sum" + label_text(values) + " ";
    append_number(out, h->sum());
    out += "\n" + name_ + "_count" + label_text(values) + " " + std::to_string(h->count()) + "\n";
  }
}

template <class T>
Family<T>& Registry::add(std::string name, std::string help, std::vector<std::string> labels, Kind kind,
                         std::function<std::unique_ptr<T>()> make) {
  auto f = std::make_unique<Family<T>>(std::move(name), std::move(help), std::move(labels), kind, std::move(make));
  auto& ref = *f;
  std::lock_guard lock(mu_);
  for (const auto& existing : families_)
    if (existing->name() == ref.name()) throw std::logic_error("metric " + ref.name() + " registered twice");
  families_.push_back(std::move(f));
  return ref;
}

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  return add<Counter>(std::move(name), std::move(help), std::move(labels), Kind::counter,
                      [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add<Gauge>(std::move(name), std::move(help), std::move(labels), Kind::gauge,
                    [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                       std::vector<double> bounds) {
  return add<Histogram>(std::move(name), std::move(help), std::move(labels), Kind::histogram,
                        [bounds] { return std::make_unique<Histogram>(bounds); });
}

void Registry::add_collector(std::function<void(std::string&)> collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->render(out);
  for (const auto& c : collectors_) c(out);
  return out;
}

}  // namespace arena::metrics
