#include "directory_conformance.hpp"

namespace arena::sessions::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, DirectoryConformance,
                         ::testing::Values(DirectoryFactory{"memory",
                                                            [] {
                                                              auto shared = std::make_shared<MemoryDirectory>();
                                                              return [shared] { return shared; };
                                                            }}),
                         factory_name);

}  // namespace
}  // namespace arena::sessions::testing
