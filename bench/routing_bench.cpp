// arena-bench-routing: the router between processes, without client sockets. A publisher (a
// router::Router on its own bus client, as a match host, the sessions role or another gateway
// sends) pushes to users whose sessions are held by a real Gateway on another bus client; each
// push goes through NATS, the gateway's route subscription, the session (seq, resume buffer) and
// reaches the session's link, which counts it. Client sockets are what arena-load measures
// (scripts/bench-gateways.sh); this is the rest of the path.
//
//   nats-server -a 127.0.0.1 -p 4333 &
//   arena-bench-routing --bus nats://127.0.0.1:4333 --users 2000 --messages 1000000 [--window 20000]
//
// Bounded: at most --window pushes in flight (published, not yet at a link) and --seconds in all.
// Reports pushes/s from the first publish to the last delivery, publish-to-link latency
// percentiles (every 16th push) and this process's CPU seconds per push.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <sys/resource.h>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "arena/auth/jwt.hpp"
#include "arena/auth/metrics.hpp"
#include "arena/auth/token_verifier.hpp"
#include "arena/bus/bus.hpp"
#include "arena/core/clock.hpp"
#include "arena/core/encoding.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/metrics/registry.hpp"
#include "arena/router/router.hpp"
#include "arena/runtime/timers.hpp"
#include "gateway/link.hpp"

using namespace arena;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Tally {
  std::atomic<std::uint64_t> delivered{0};
  std::mutex mu;
  std::vector<std::int64_t> latency_ns;  // every 16th push
};

// A session's end without a socket: counts what reaches it.
class CountingLink final : public gateway::BareLink {
 public:
  CountingLink(gateway::ConnectionInfo info, Tally& tally) : BareLink(std::move(info)), tally_(tally) {}
  void send(gateway::Outbound out) override {
    if (out.seq == 0) return;  // replies and the welcome; pushes carry a seq
    got.fetch_add(1, std::memory_order_relaxed);
    const auto n = tally_.delivered.fetch_add(1, std::memory_order_relaxed);
    if (n % 16 != 0) return;
    const std::string_view body = *out.body;
    const auto at = body.find("\"t\":");
    std::int64_t sent = 0;
    if (at == std::string_view::npos) return;
    std::from_chars(body.data() + at + 4, body.data() + body.size(), sent);
    std::lock_guard lock(tally_.mu);
    tally_.latency_ns.push_back(now_ns() - sent);
  }
  std::atomic<std::uint64_t> got{0};

 private:
  Tally& tally_;
};

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"arena-bench-routing: server-made pushes routed to sessions on a gateway over the bus"};
  std::string url = "memory";
  int users = 2000, window = 20000, seconds = 30;
  std::uint64_t messages = 1'000'000;
  app.add_option("--bus", url, "nats://host:port (or memory: one process, no network)");
  app.add_option("--users", users, "sessions on the gateway, one per user; pushes go to them in turn")
      ->check(CLI::Range(1, 100000));
  app.add_option("--messages", messages, "pushes to route")->check(CLI::Range(1, 100'000'000));
  app.add_option("--window", window, "pushes in flight at most")->check(CLI::Range(1, 1'000'000));
  app.add_option("--seconds", seconds, "stop publishing after this long")->check(CLI::Range(1, 600));
  CLI11_PARSE(app, argc, argv);

  const auto& clock = core::system_clock();
  metrics::Registry registry;
  runtime::Timers timers(clock);
  auth::AuthMetrics auth_metrics(registry);
  const auth::Jwt jwt(auth::KeyRing::parse("k1:" + core::base64url_encode("bench-routing-secret-0123456789abcdef")),
                      auth::JwtOptions{});
  auth::TokenVerifier verifier(jwt, clock, auth_metrics);
  auto gateway_bus = bus::connect(url, "bench-gateway", clock);
  // Two clients of one NATS server; in memory there is only the one bus.
  auto own_publisher_bus = url == "memory" ? nullptr : bus::connect(url, "bench-publisher", clock);
  bus::Bus& publisher_bus = own_publisher_bus ? *own_publisher_bus : *gateway_bus;
  Tally tally;
  std::vector<std::shared_ptr<CountingLink>> links;
  std::vector<std::string> ids;
  {
    gateway::Gateway gw(gateway::Settings{.node_id = "bench-gw"}, *gateway_bus, verifier, clock, timers, registry);
    for (int u = 0; u < users; ++u) {
      ids.push_back("user-" + std::to_string(u));
      links.push_back(std::make_shared<CountingLink>(gateway::ConnectionInfo{.user_id = ids.back(),
                                                                             .login_id = "login-" + std::to_string(u),
                                                                             .token_expires_at = INT64_MAX,
                                                                             .remote_ip = "127.0.0.1"},
                                                     tally));
      gw.open_link(links.back());
    }
    router::Router router(publisher_bus);
    const auto push = [&](std::size_t user) {
      router.to_user(ids[user], "bench", boost::json::object{{"t", now_ns()}});
    };
    // Warm-up: every session gets one push, so each gateway subscription is known to the server
    // before the measured run (a push published before its SUB arrived would be lost).
    bool reached = false;
    for (int round = 0; round < 100 && !reached; ++round) {
      for (std::size_t u = 0; u < links.size(); ++u)
        if (links[u]->got.load() == 0) push(u);
      publisher_bus.flush(std::chrono::seconds(5));
      const auto until = Clock::now() + std::chrono::milliseconds(100);
      while (!reached && Clock::now() < until) {
        reached = std::all_of(links.begin(), links.end(), [](const auto& l) { return l->got.load() > 0; });
        if (!reached) std::this_thread::yield();
      }
    }
    if (!reached) {
      std::fprintf(stderr, "arena-bench-routing: not every session got its warm-up push in 10 s\n");
      for (auto& l : links) gw.link_closed(l);
      return 1;
    }
    const std::uint64_t base = tally.delivered.load();
    {
      std::lock_guard lock(tally.mu);
      tally.latency_ns.clear();
    }
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    const auto deadline = t0 + std::chrono::seconds(seconds);
    std::uint64_t published = 0;
    while (published < messages && Clock::now() < deadline) {
      if (published - (tally.delivered.load(std::memory_order_relaxed) - base) >= static_cast<std::uint64_t>(window)) {
        std::this_thread::yield();
        continue;
      }
      push(published % links.size());
      ++published;
    }
    publisher_bus.flush(std::chrono::seconds(5));
    // The rest arrive, or stop waiting 10 s after the last publish.
    const auto drain_until = Clock::now() + std::chrono::seconds(10);
    while (tally.delivered.load() - base < published && Clock::now() < drain_until) std::this_thread::yield();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const std::uint64_t delivered = tally.delivered.load() - base;
    for (auto& l : links) gw.link_closed(l);
    std::vector<std::int64_t> lat;
    {
      std::lock_guard lock(tally.mu);
      lat.swap(tally.latency_ns);
    }
    std::printf("bus=%s users=%d window=%d\n", url.c_str(), users, window);
    std::printf("published %llu, delivered %llu in %.2f s: %.0f pushes/s\n", static_cast<unsigned long long>(published),
                static_cast<unsigned long long>(delivered), elapsed, static_cast<double>(delivered) / elapsed);
    std::printf("latency ms p50=%.2f p99=%.2f p999=%.2f\n", percentile(lat, 0.5), percentile(lat, 0.99),
                percentile(lat, 0.999));
    std::printf("this process: %.2f s CPU, %.2f us per push\n", cpu,
                delivered == 0 ? 0.0 : cpu * 1e6 / static_cast<double>(delivered));
    if (delivered != published) {
      std::fprintf(stderr, "arena-bench-routing: %llu pushes were not delivered\n",
                   static_cast<unsigned long long>(published - delivered));
      return 1;
    }
  }
  return 0;
}
