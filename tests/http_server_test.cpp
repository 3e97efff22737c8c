// The HTTP server on its own: failure containment, idle timeouts, blocking-pool back-pressure.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <future>
#include <stdexcept>

#include "arena/core/error.hpp"
#include "arena/http/server.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/testing/http_capture.hpp"
#include "arena/testing/http_client.hpp"

namespace arena::http {
namespace {

using testing::HttpClient;

struct Harness {
  explicit Harness(Router r, ServerOptions opts = {}) : router(std::move(r)), metrics(registry) {
    testing::stop_capturing();  // routes of these tests' own, not Arena's API (api/openapi.json)
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.access_log = false;
    opts.threads = 2;
    server = std::make_unique<Server>(opts, router, metrics);
    server->start();
  }
  ~Harness() { server->drain(); }
  Router router;
  metrics::Registry registry;
  HttpMetrics metrics;
  std::unique_ptr<Server> server;
};

TEST(HttpServerCore, AThrowingHandlerGetsA500WithoutInternals) {
  Router r;
  r.add(Method::get, "/boom", [](Request&) -> Response { throw std::runtime_error("db password is hunter2"); });
  r.add(Method::get, "/typed", [](Request&) -> Response { throw Error(Code::email_taken, "typed failure"); });
  Harness h(std::move(r));
  HttpClient c(h.server->port());
  auto boom = c.get("/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.error_code(), "internal");
  EXPECT_EQ(boom.body.find("hunter2"), std::string::npos);
  auto typed = c.get("/typed");
  EXPECT_EQ(typed.status, 409);
  EXPECT_EQ(typed.error_code(), "email_taken");
  EXPECT_TRUE(c.connected());  // the connection survives both
}

TEST(HttpServerCore, IdleConnectionsAreClosedAfterTheIdleTimeout) {
  Router r;
  ServerOptions opts;
  opts.idle_timeout = std::chrono::milliseconds(200);
  Harness h(std::move(r), opts);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), h.server->port()});
  // Send half a request and go quiet (slowloris): the server must hang up, not wait forever.
  boost::asio::write(s, boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  auto closed = std::async(std::launch::async, [&] {
    char b[64];
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::buffer(b), ec);
    return ec;
  });
  ASSERT_EQ(closed.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(closed.get()) << "expected the server to close the connection";
}

TEST(HttpServerCore, SlowWorkBeyondTheQueueBoundIsRefusedWith503) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  Router r;
  r.add(Method::post, "/slow",
        [gate](Request&) {
          gate.wait();
          return Response::no_content();
        },
        {.runs_on = http::RunsOn::slow});
  ServerOptions opts;
  opts.blocking_threads = 1;
  opts.max_blocking_queue = 1;
  Harness h(std::move(r), opts);
  auto first = std::async(std::launch::async, [&] { return HttpClient(h.server->port()).post_json("/slow", "{}"); });
  // Wait (bounded) until the first request occupies the only slot.
  bool busy = false;
  for (int i = 0; i < 2000 && !busy; ++i)
    busy = h.registry.render().find("http_requests_in_flight 1\n") != std::string::npos;
  ASSERT_TRUE(busy);
  auto second = HttpClient(h.server->port()).post_json("/slow", "{}");
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(second.error_code(), "overloaded");
  EXPECT_EQ(second.headers["retry-after"], "1");
  release.set_value();
  EXPECT_EQ(first.get().status, 204);
}

}  // namespace
}  // namespace arena::http
