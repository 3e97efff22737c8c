#pragma once
// The worker role's settings: the `jobs.*` section of the settings table (src/config/fields.cpp)
// parses straight into this struct.
#include <charconv>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "arena/jobs/jobs.hpp"

namespace arena::jobs {

struct WorkerSettings {
  std::string name = "worker";                   // in each lease (the process fills in its node id)
  std::chrono::milliseconds lease{10'000};       // a job whose worker stops heartbeating is rescued after this
  std::chrono::milliseconds poll{100};           // how often ready jobs are looked for
  std::chrono::milliseconds rescue_every{1000};  // how often expired leases are looked for
  // queue -> jobs claimed at once here (a job counts from its claim until its group commit: the
  // ratings queue claims many so that one commit takes many results; with 256 a backlog drained
  // at ~14k/s on SQLite, with 2,048 at ~20k/s)
  std::map<std::string, int> queues{{"default", 4}, {"ratings", 2048}};
  int threads = 4;  // handler threads
  // Group commits running side by side; 0: the store's choice (JobStore::commit_plan: one
  // on SQLite, whose one connection writes; several on PostgreSQL).
  int committers = 0;
  // The most finished jobs one group commit takes; 0: the store's choice (CommitPlan::max_group).
  int group_size = 0;
  Backoff backoff;
  std::chrono::milliseconds retention{7LL * 24 * 3600 * 1000};  // completed jobs are pruned after this
};

// "default=4,ratings=2" -> {default: 4, ratings: 2}. Throws std::invalid_argument.
inline std::map<std::string, int> parse_queues(std::string_view text) {
  std::map<std::string, int> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto comma = text.find(',', i);
    const auto part = text.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
    const auto eq = part.find('=');
    int n = 0;
    const auto* end = part.data() + part.size();
    if (eq == std::string_view::npos || eq == 0 || std::from_chars(part.data() + eq + 1, end, n).ptr != end || n < 1 ||
        n > 10000)
      throw std::invalid_argument("expected queue=concurrency pairs, e.g. default=4,ratings=2 (1..10000 each)");
    out[std::string(part.substr(0, eq))] = n;
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }
  if (out.empty()) throw std::invalid_argument("expected at least one queue, e.g. default=4");
  return out;
}

inline std::string format_queues(const std::map<std::string, int>& queues) {
  std::string out;
  for (const auto& [q, n] : queues) out += (out.empty() ? "" : ",") + q + "=" + std::to_string(n);
  return out;
}

}  // namespace arena::jobs
