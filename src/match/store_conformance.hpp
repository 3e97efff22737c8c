#pragma once
// One behaviour suite for the durable MatchStore implementations (store_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arena/jobs/jobs.hpp"
#include "arena/match/store.hpp"

namespace arena::match::testing {

class MatchStoreBackend {
 public:
  virtual ~MatchStoreBackend() = default;
  virtual MatchStore& store() = 0;
  virtual jobs::JobStore& jobs() = 0;  // on the same database
};

struct MatchStoreFactory {
  std::string name;
  std::function<std::unique_ptr<MatchStoreBackend>()> make;
};

class MatchStoreConformance : public ::testing::TestWithParam<MatchStoreFactory> {
 protected:
  void SetUp() override { backend = GetParam().make(); }
  void TearDown() override { backend.reset(); }
  std::unique_ptr<MatchStoreBackend> backend;
};

inline void PrintTo(const MatchStoreFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<MatchStoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::match::testing
