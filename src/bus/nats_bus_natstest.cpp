// The bus conformance suite against a real nats-server started for this test binary.
#include "arena/bus/nats_bus.hpp"

#include "arena/testing/nats_server.hpp"
#include "bus_conformance.hpp"

namespace arena::bus::testing {
namespace {

arena::testing::NatsServer& server() {
  static arena::testing::NatsServer s;  // one server for the binary; stopped at exit
  return s;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Nats, BusConformance,
                         ::testing::Values(BusFactory{"nats", [] { return NatsBus::connect(server().url(), "test"); }}),
                         factory_name);

TEST(NatsBusCluster, TwoConnectionsSeeEachOther) {
  auto a = NatsBus::connect(server().url(), "a");
  auto b = NatsBus::connect(server().url(), "b");
  auto responder = b->subscribe("svc.ping", [&](const Message& m) { b->publish(m.reply, "pong"); });
  ASSERT_TRUE(b->flush(std::chrono::seconds(2)));
  auto r = a->request_sync("svc.ping", "", std::chrono::seconds(2));
  EXPECT_EQ(r.error, RequestError::none);
  EXPECT_EQ(r.data, "pong");
}

}  // namespace arena::bus::testing
