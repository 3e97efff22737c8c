// arena-bench-api: read "views" per second over HTTP against a running server, a view being a
// fixed sequence of requests (REST GETs, GraphQL POSTs) on one keep-alive connection, so the same
// data can be fetched both ways and compared.
//   arena-bench-api --port 8080 --connections 32 --seconds 10 --get /v1/players/ID --get
//   '/v1/players/ID/matches?limit=10' arena-bench-api --port 8080 --connections 32 --seconds 10 --graphql '{ player(id:
//   "ID") { ... } }'
// A view counts when every response is 200 (and a GraphQL one has no "errors"); the tool reports
// views/s, requests/s, bytes per view and view latency. Bounded in time and in requests.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "http_load.hpp"

using namespace arena::bench;  // NOLINT(google-build-using-namespace): the tool's own helpers

struct Step {
  bhttp::verb verb;
  std::string target, body;
  bool graphql;
};

asio::awaitable<void> worker(std::string host, std::uint16_t port, const std::vector<Step>& steps,
                             Clock::time_point end, std::uint64_t max_views, LoadStats& stats) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  if (!co_await arena::bench::connect(stream, host, port, stats)) co_return;
  beast::flat_buffer buf;
  for (std::uint64_t i = 0; i < max_views && Clock::now() < end; ++i) {
    const auto t0 = Clock::now();
    bool good = true;
    for (const auto& s : steps) {
      bhttp::request<bhttp::string_body> req{s.verb, s.target, 11};
      req.set(bhttp::field::host, host);
      if (!s.body.empty()) req.set(bhttp::field::content_type, "application/json");
      req.body() = s.body;
      req.prepare_payload();
      auto [wec, wn] = co_await bhttp::async_write(stream, req, kTok);
      if (wec) co_return;
      bhttp::response<bhttp::string_body> res;
      auto [rec, rn] = co_await bhttp::async_read(stream, buf, res, kTok);
      if (rec) co_return;
      stats.bytes += res.body().size();
      good = good && res.result_int() == 200 && (!s.graphql || res.body().find("\"errors\"") == std::string::npos);
    }
    stats.record(good, t0);
  }
}

int main(int argc, char** argv) {
  CLI::App cli{"Views (fixed request sequences) per second over HTTP against a running Arena"};
  arena::bench::LoadOptions o;
  o.add_to(cli);
  std::vector<std::string> gets, queries;
  cli.add_option("--get", gets, "a REST GET of the view (repeatable, in order)");
  cli.add_option("--graphql", queries, "a GraphQL query of the view, POSTed to /graphql (repeatable, after the GETs)");
  CLI11_PARSE(cli, argc, argv);
  std::vector<Step> steps;
  for (const auto& g : gets) steps.push_back({bhttp::verb::get, g, "", false});
  for (const auto& q : queries)
    steps.push_back({bhttp::verb::post, "/graphql", boost::json::serialize(boost::json::object{{"query", q}}), true});
  if (steps.empty()) {
    std::cerr << "give at least one --get or --graphql\n";
    return 2;
  }

  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  const auto [elapsed, all] = arena::bench::run_load(o.connections, o.threads, [&](int, LoadStats& stats) {
    return worker(o.host, o.port, steps, end, o.max_per_connection, stats);
  });
  const auto ok = all.ok, failed = all.failed, bytes = all.bytes;
  auto pct = [&](double p) { return arena::bench::percentile(all.latencies_us, p); };
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  const double client_cpu = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                            static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  std::cout << "requests_per_view=" << steps.size() << " connections=" << o.connections << " seconds=" << elapsed
            << "\nviews_ok=" << ok << " failed=" << failed << " views_per_sec=" << static_cast<long>(ok / elapsed)
            << " requests_per_sec=" << static_cast<long>(ok * steps.size() / elapsed)
            << " bytes_per_view=" << (ok + failed > 0 ? bytes / (ok + failed) : 0) << "\nlatency_us p50=" << pct(0.50)
            << " p99=" << pct(0.99) << "\nclient CPU: " << static_cast<int>(100 * client_cpu / elapsed)
            << "% of one core\n";
  return failed > 0 && ok == 0 ? 1 : 0;
}
