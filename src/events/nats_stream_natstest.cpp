// The event stream on a real nats-server with JetStream (stream_conformance.hpp), and what only
// JetStream does: de-duplication of a batch published again by event id.
#include "arena/testing/nats_server.hpp"
#include "stream_conformance.hpp"

namespace arena::events::conformance {

struct Nats {
  testing::NatsServer server;
  std::unique_ptr<Stream> open(const std::string& name, bool consume) {
    return open_nats_stream(
        {.url = server.url(), .client_name = name, .consume = consume, .publish_timeout = 1s, .ack_wait = 1s});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(JetStream, EventStream, Nats);

namespace {

TEST(NatsEventStream, ABatchPublishedAgainIsStoredOnce) {
  Nats nats;
  auto producer = nats.open("producer", false);
  auto consumer = nats.open("consumer", true);
  producer->publish({out(5), out(6), out(7)});
  producer->publish({out(5), out(6)});  // a retried batch: within the window, one message each
  EXPECT_EQ(fetch_all(*consumer, 3).size(), 3u);
  EXPECT_TRUE(consumer->fetch(10, 300ms).empty());
}

}  // namespace
}  // namespace arena::events::conformance
