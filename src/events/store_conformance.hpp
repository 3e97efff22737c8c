#pragma once
// One behaviour suite for every EventStore (SQLite in the unit tier, PostgreSQL in the pg tier).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/events/store.hpp"

namespace arena::events::testing {

struct StoreBackend {
  virtual ~StoreBackend() = default;
  virtual EventStore& store() = 0;
};

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<StoreBackend>()> make;
};

class EventStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override { backend = GetParam().make(); }
  std::unique_ptr<StoreBackend> backend;
  EventStore& store() { return backend->store(); }
};

inline std::string store_name(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::events::testing
