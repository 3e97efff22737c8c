#pragma once
// One behaviour suite for every JobStore implementation (store_conformance.cpp). A backend
// gives the suite its store and the few things a test needs from the database underneath.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "arena/jobs/jobs.hpp"

namespace arena::jobs::testing {

class JobBackend {
 public:
  virtual ~JobBackend() = default;
  virtual JobStore& store() = 0;
  // A table `effects (job BIGINT)` for completions' effects to write to.
  virtual void create_effects_table() = 0;
  // An effect that inserts `v` into it (inside the completing transaction, as a handler's do).
  virtual std::function<void()> insert_effect(std::int64_t v) = 0;
  virtual std::set<std::int64_t> effects() = 0;
  // In one transaction of the caller's: a result row `id` and `spec` enqueued beside it, then
  // committed or rolled back.
  virtual void enqueue_with_result(const std::string& id, const JobSpec& spec, std::int64_t now, bool commit) = 0;
  // Whether the store applies the parts of an EffectsBatch together (else each job's effects).
  virtual bool applies_batches() const = 0;
};

struct JobBackendFactory {
  std::string name;
  std::function<std::unique_ptr<JobBackend>()> make;
};

class JobStoreConformance : public ::testing::TestWithParam<JobBackendFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    store = &backend->store();
  }
  void TearDown() override { backend.reset(); }
  std::unique_ptr<JobBackend> backend;
  JobStore* store = nullptr;
};

inline void PrintTo(const JobBackendFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<JobBackendFactory>& info) {
  return info.param.name;
}

}  // namespace arena::jobs::testing
