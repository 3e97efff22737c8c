#include "arena/bus/memory_bus.hpp"

#include "bus_conformance.hpp"

namespace arena::bus::testing {

INSTANTIATE_TEST_SUITE_P(Memory, BusConformance,
                         ::testing::Values(BusFactory{"memory", [] { return std::make_unique<MemoryBus>(); }}),
                         factory_name);

TEST(Subjects, MatchingAndValidation) {
  EXPECT_TRUE(subject_matches("a.*.c", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.*.c", "a.b.d"));
  EXPECT_TRUE(subject_matches("a.>", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.>", "a"));
  EXPECT_TRUE(subject_matches(">", "a"));
  EXPECT_FALSE(subject_matches("a.*", "a.b.c"));
  EXPECT_FALSE(subject_matches("a.b", "a.bc"));
  EXPECT_TRUE(valid_pattern("a.*.>"));
  EXPECT_FALSE(valid_pattern("a.>.b"));
  EXPECT_FALSE(valid_subject("a.*"));
  EXPECT_TRUE(valid_token("lobby-1:eu"));
  EXPECT_FALSE(valid_token("a.b"));
  EXPECT_FALSE(valid_token("a b"));
  EXPECT_FALSE(valid_token(std::string(129, 'a')));
}

TEST(BusConnect, PicksTheImplementationFromTheUrl) {
  EXPECT_EQ(connect("memory", "t")->describe(), "memory");
  EXPECT_THROW(connect("redis://x", "t"), std::invalid_argument);
  EXPECT_THROW(connect("nats://127.0.0.1:1", "t"), std::runtime_error);  // nobody listens on port 1
}

}  // namespace arena::bus::testing
