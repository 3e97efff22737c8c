// arena-bench-login: device (or guest) logins per second over HTTP against a running server.
//   arena-bench-login --port 8080 --connections 64 --seconds 10 --mode device-new|device-repeat|guest
// Each connection keeps one keep-alive socket and sends one request at a time; the tool reports
// completed logins/s and latency percentiles. Bounded in time and in requests.
#include <CLI/CLI.hpp>
#include <iostream>

#include "http_load.hpp"

using namespace arena::bench;  // NOLINT(google-build-using-namespace): the tool's own helpers

asio::awaitable<void> worker(int id, std::string host, std::uint16_t port, std::string mode, Clock::time_point end,
                             std::uint64_t max_requests, LoadStats& stats) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  if (!co_await arena::bench::connect(stream, host, port, stats)) co_return;
  beast::flat_buffer buf;
  for (std::uint64_t i = 0; i < max_requests && Clock::now() < end; ++i) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, mode == "guest" ? "/v1/auth/guest" : "/v1/auth/device",
                                           11};
    req.set(bhttp::field::host, host);
    req.set(bhttp::field::content_type, "application/json");
    if (mode == "device-new") {
      req.body() = R"({"device_id":"bench-)" + std::to_string(id) + "-" + std::to_string(i) + "-" +
                   std::to_string(Clock::now().time_since_epoch().count()) + "\"}";
    } else if (mode == "device-repeat") {
      req.body() = R"({"device_id":"bench-device-)" + std::to_string(id) + "\"}";
    }
    req.prepare_payload();
    const auto t0 = Clock::now();
    auto [wec, wn] = co_await bhttp::async_write(stream, req, kTok);
    if (wec) break;
    bhttp::response<bhttp::string_body> res;
    auto [rec, rn] = co_await bhttp::async_read(stream, buf, res, kTok);
    if (rec) break;
    stats.record(res.result_int() == 200, t0);
  }
}

int main(int argc, char** argv) {
  CLI::App cli{"Logins per second over HTTP against a running Arena"};
  arena::bench::LoadOptions o;
  o.connections = 64;
  o.add_to(cli);
  std::string mode = "device-repeat";
  cli.add_option("--mode", mode)->check(CLI::IsMember({"device-new", "device-repeat", "guest"}));
  CLI11_PARSE(cli, argc, argv);

  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  const auto [elapsed, all] = arena::bench::run_load(o.connections, o.threads, [&](int c, LoadStats& stats) {
    return worker(c, o.host, o.port, mode, end, o.max_per_connection, stats);
  });
  const auto ok = all.ok, failed = all.failed;
  auto pct = [&](double p) { return arena::bench::percentile(all.latencies_us, p); };
  std::cout << "mode=" << mode << " connections=" << o.connections << " seconds=" << elapsed << "\n"
            << "logins_ok=" << ok << " failed=" << failed << " logins_per_sec=" << static_cast<long>(ok / elapsed)
            << "\nlatency_us p50=" << pct(0.50) << " p99=" << pct(0.99) << " p999=" << pct(0.999) << "\n";
  return failed > 0 && ok == 0 ? 1 : 0;
}
