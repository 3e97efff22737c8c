#pragma once
// One behaviour suite for every RatingStore (store_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/ratings/ratings.hpp"

namespace arena::ratings::testing {

struct RatingStoreFactory {
  std::string name;
  // The store, and whatever keeps its database alive.
  std::function<std::pair<std::shared_ptr<void>, RatingStore*>()> make;
};

class RatingStoreConformance : public ::testing::TestWithParam<RatingStoreFactory> {
 protected:
  void SetUp() override { std::tie(owner, store) = GetParam().make(); }
  void TearDown() override { owner.reset(); }
  std::shared_ptr<void> owner;
  RatingStore* store = nullptr;
};

inline void PrintTo(const RatingStoreFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<RatingStoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::ratings::testing
