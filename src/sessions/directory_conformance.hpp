#pragma once
// One behaviour suite for the presence and channel directories (directory_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/sessions/directory.hpp"

namespace arena::sessions::testing {

struct DirectoryFactory {
  std::string name;
  // Directories made by one factory object share their state, as processes share Redis (the
  // memory one: a single directory, shared).
  std::function<std::function<std::shared_ptr<Directory>()>()> make;
};

class DirectoryConformance : public ::testing::TestWithParam<DirectoryFactory> {
 protected:
  void SetUp() override { open_directory = GetParam().make(); }
  std::function<std::shared_ptr<Directory>()> open_directory;
};

inline void PrintTo(const DirectoryFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<DirectoryFactory>& info) {
  return info.param.name;
}

}  // namespace arena::sessions::testing
