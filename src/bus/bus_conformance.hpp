#pragma once
// One behaviour suite for every Bus implementation. An implementation's test file provides a
// factory and instantiates the suite:
//   INSTANTIATE_TEST_SUITE_P(Memory, BusConformance, ::testing::Values(BusFactory{...}));
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/bus/bus.hpp"

namespace arena::bus::testing {

struct BusFactory {
  std::string name;
  std::function<std::unique_ptr<Bus>()> make;
};

class BusConformance : public ::testing::TestWithParam<BusFactory> {
 protected:
  void SetUp() override { bus = GetParam().make(); }
  void TearDown() override { bus.reset(); }
  std::unique_ptr<Bus> bus;
};

inline void PrintTo(const BusFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<BusFactory>& info) {
  return info.param.name;
}

}  // namespace arena::bus::testing
