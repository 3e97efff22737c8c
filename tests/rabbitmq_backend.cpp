// Links into the rabbitmq tier's build of the game-events integration tests
// (tests/CMakeLists.txt): every TestServer of a test publishes and consumes its events over one
// throwaway RabbitMQ node (ctest runs one test per process: one node per test).
#include <memory>
#include <mutex>

#include "arena/testing/rabbitmq_server.hpp"
#include "arena/testing/test_database.hpp"

namespace arena::testing {
namespace {

const bool registered = [] {
  set_test_events_broker_source([] {
    static std::mutex mu;
    static std::unique_ptr<RabbitMqServer> server;
    std::lock_guard lock(mu);
    if (!server) server = std::make_unique<RabbitMqServer>();
    return server->url();
  });
  return true;
}();

}  // namespace
}  // namespace arena::testing
