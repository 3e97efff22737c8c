#pragma once
// One behaviour suite for every RatingStore (store_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/ratings/ratings.hpp"

namespace arena::ratings::testing {

// Runs `fn` inside a transaction of the store's database on this thread (as a job's effects run).
using InTransaction = std::function<void(const std::function<void()>& fn)>;

struct MadeStore {
  std::shared_ptr<void> owner;  // whatever keeps its database alive
  RatingStore* store = nullptr;
  InTransaction in_transaction;
};

struct RatingStoreFactory {
  std::string name;
  std::function<MadeStore()> make;
};

class RatingStoreConformance : public ::testing::TestWithParam<RatingStoreFactory> {
 protected:
  void SetUp() override {
    made = GetParam().make();
    store = made.store;
  }
  void TearDown() override { made = {}; }
  MadeStore made;
  RatingStore* store = nullptr;
};

inline void PrintTo(const RatingStoreFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<RatingStoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::ratings::testing
