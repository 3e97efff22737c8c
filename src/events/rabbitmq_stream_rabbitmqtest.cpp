// The event stream on a real rabbitmq-server (stream_conformance.hpp), and what only RabbitMQ
// does here: the dead-letter queue that keeps what the consumer could not read, as it came.
#include "arena/testing/rabbitmq_server.hpp"
#include "stream_conformance.hpp"

namespace arena::events::conformance {

struct RabbitMq {
  testing::RabbitMqServer server;
  std::unique_ptr<Stream> open(const std::string& name, bool consume) {
    return open_rabbitmq_stream({.url = server.url(), .client_name = name, .consume = consume, .timeout = 2s});
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(RabbitMq, EventStream, RabbitMq);

namespace {

using IntoSqlite = EventStream<RabbitMq>;

TEST_F(IntoSqlite, UnreadableMessagesGoToTheDeadLetterQueueAsTheyCame) {
  auto producer = broker.open("producer", false);
  auto consumer = broker.open("consumer", true);
  producer->publish({out(1), {"junk-1", "auth.login", "{not json"}, out(2)});
  Consumer consuming(*consumer, store, known, PipelineSettings{.batch_timeout = 20ms}, clock, registry);
  consuming.start();
  const RabbitMqStreamSettings operator_view{.url = broker.server.url(), .client_name = "operator"};
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (rabbitmq_dead_letters(operator_view) < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  consumer->close();
  consuming.stop();
  EXPECT_EQ(rabbitmq_dead_letters(operator_view), 1u);
  EXPECT_EQ(store.query({}).size(), 2u);
  ASSERT_EQ(store.dead_letters(10).size(), 1u);
  EXPECT_EQ(store.dead_letters(10)[0].body, "{not json");
  auto other = broker.open("consumer-2", true);
  EXPECT_TRUE(other->fetch(10, 300ms).empty());  // the good ones were acked, the junk is not requeued
}

// Big messages (another client's): a fetch stops at the one that passes kMaxFetchBytes, so a
// batch holds a bounded amount whatever the batch size.
TEST(RabbitMqEventStream, AFetchHoldsABoundedNumberOfBytes) {
  RabbitMq rabbit;
  auto producer = rabbit.open("producer", false);
  auto consumer = rabbit.open("consumer", true);
  const std::string big(9 << 20, 'x');
  producer->publish({{"big-1", "auth.login", big}, {"big-2", "auth.login", big}, {"big-3", "auth.login", big}});
  auto first = consumer->fetch(10, 5s);
  ASSERT_EQ(first.size(), 2u);  // 9 MiB, then 18: past the bound
  consumer->ack(first);
  EXPECT_EQ(fetch_all(*consumer, 1).size(), 1u);
}

TEST(RabbitMqEventStream, AWrongPasswordOrUrlIsAClearError) {
  RabbitMq rabbit;
  try {
    open_rabbitmq_stream(
        {.url = "amqp://guest:wrong@127.0.0.1:" + std::to_string(rabbit.server.port()), .client_name = "x"});
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("login"), std::string::npos) << e.what();
  }
  EXPECT_THROW(open_rabbitmq_stream({.url = "http://127.0.0.1:1", .client_name = "x"}), std::runtime_error);
}

}  // namespace
}  // namespace arena::events::conformance
