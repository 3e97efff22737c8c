#pragma once
// What the HTTP load tools share (arena-bench-login, arena-bench-api): keep-alive connections
// as coroutines spread over io_context threads, each recording its successes, failures and
// latencies, and the summary of them all.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace arena::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Clock = std::chrono::steady_clock;
inline constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

struct LoadStats {
  std::vector<double> latencies_us;
  std::uint64_t ok = 0, failed = 0, bytes = 0;

  // One unit of work (a request, a view) that began at `t0`.
  void record(bool good, Clock::time_point t0) {
    if (!good) {
      ++failed;
      return;
    }
    ++ok;
    latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
};

// The options every load tool takes.
struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int connections = 32, seconds = 10, threads = 1;
  std::uint64_t max_per_connection = 10'000'000;

  template <class Cli>
  void add_to(Cli& cli) {
    cli.add_option("--host", host);
    cli.add_option("--port", port);
    cli.add_option("--connections", connections)->check(CLI::Range(1, 10000));
    cli.add_option("--seconds", seconds)->check(CLI::Range(1, 600));
    cli.add_option("--threads", threads)->check(CLI::Range(1, 64));
    cli.add_option("--max-per-connection", max_per_connection, "requests (or views) per connection at most");
  }
};

// A connected stream to host:port, or none (counted as a failure).
inline asio::awaitable<bool> connect(boost::beast::tcp_stream& stream, const std::string& host, std::uint16_t port,
                                     LoadStats& stats) {
  auto [ec] = co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address(host), port), kTok);
  if (ec) ++stats.failed;
  co_return !ec;
}

// Runs `connections` coroutines made by `conn(index, stats)` on `threads` io_contexts until all
// end; returns the seconds it took and the stats of them all, latencies sorted.
template <class MakeConnection>
std::pair<double, LoadStats> run_load(int connections, int threads, MakeConnection conn) {
  const auto start = Clock::now();
  std::vector<std::unique_ptr<asio::io_context>> ctxs;
  std::vector<LoadStats> stats(static_cast<std::size_t>(connections));
  for (int t = 0; t < threads; ++t) ctxs.push_back(std::make_unique<asio::io_context>(1));
  for (int c = 0; c < connections; ++c)
    asio::co_spawn(*ctxs[static_cast<std::size_t>(c % threads)], conn(c, stats[static_cast<std::size_t>(c)]),
                   asio::detached);
  std::vector<std::thread> pool;
  for (auto& ctx : ctxs) pool.emplace_back([&ctx] { ctx->run(); });
  for (auto& th : pool) th.join();
  LoadStats all;
  for (auto& s : stats) {
    all.ok += s.ok;
    all.failed += s.failed;
    all.bytes += s.bytes;
    all.latencies_us.insert(all.latencies_us.end(), s.latencies_us.begin(), s.latencies_us.end());
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  return {std::chrono::duration<double>(Clock::now() - start).count(), std::move(all)};
}

// The p-th latency (0..1) of sorted ones.
inline double percentile(const std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

}  // namespace arena::bench
