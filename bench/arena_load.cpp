// arena-load: whole-system load against a running Arena.
//
//   arena-load --port 8080 --connections 10000 --workload idle --seconds 10 --server-pid <pid>
//   arena-load --workload ping --connections 1000 --seconds 10 [--rate 100000]
//   arena-load --workload broadcast --connections 10000 --channels 1000 --rate 100000 --seconds 10
//   arena-load --workload match --connections 1000 --mode practice --input-ms 100 --seconds 10 [--move-every 5]
//   arena-load --workload move --ws-ports 8081,8082 --connections 1000 --seconds 10  (sessions resumed elsewhere/s)
//   arena-load --workload ping --rate 2000 --hold-tickets 100000 --mm-ops-per-second 200
//              --logins-per-second 2000   (ping while the rest of the process is busy)
//
// 1. logs in one guest per connection over HTTP; 2. opens every WebSocket, binding client
// sockets to 127.0.0.1 .. 127.0.0.<sources> so no single source address runs out of ports;
// 3. runs the workload for --seconds (bounded), measuring at the clients; 4. reports
// connections held, the server's RSS per connection (from /proc/<server-pid>), messages sent
// and delivered per second and latency percentiles, as text and (--json) as one JSON object.
// GCC 12 misreports Asio's coroutine frames (class-specific operator new/delete) as mismatched.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <CLI/CLI.hpp>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "load_background.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::vector<std::uint16_t> ws_ports;  // gateways to spread connections over (default: port)
  int connections = 1000;
  int sources = 8;
  std::string workload = "idle";
  int seconds = 10;
  double rate = 0;  // messages (or pings) per second in total; 0 = as fast as possible (ping only)
  int channels = 100;
  int threads = 1;
  int server_pid = 0;
  std::string json_out;
  int login_concurrency = 64;
  std::string mode = "practice";  // match workload: the matchmaking mode to queue for
  int input_ms = 100;             // match workload: one input per player this often
  int move_every_s = 0;  // match workload: each player drops its socket and resumes on the next gateway this often
  // Background load while measuring (load_background.hpp).
  int hold_tickets = 0;
  std::string hold_mode = "hold";
  int hold_party = 3;
  int hold_threads = 32;
  arena::load::BackgroundOptions background;
};

// A match workload player's state, shared by its reader and writer (same thread).
struct MatchState {
  std::string match_id;  // empty: not in a match
  bool queued = false;
  std::int64_t outstanding = 0;  // send time (ns) of the input waiting for its state, 0: none
  std::int64_t ack_tick = -1;    // the tick the input was accepted at
  bool left = false;             // alternate turns
  bool out = false;              // the player's own piece is out: wait for the next match
  std::uint64_t matches = 0;
  // Moves (--move-every): the session and the last push seen, to resume with.
  std::string sid;
  std::int64_t last_seq = 0;
  int socket = 0;  // which socket is current: a reader of an older one stops
};

// The quoted string after `key`, or empty.
std::string string_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  const auto end = text.find('"', start);
  return end == std::string_view::npos ? std::string() : std::string(text.substr(start, end - start));
}

// Latency in microseconds: 1 µs buckets to 100 ms, 1 ms buckets to 10 s, then one overflow bucket.
struct Histogram {
  static constexpr std::size_t kFine = 100'000;  // [0, 100 ms) by 1 µs
  static constexpr std::size_t kCoarse = 9'900;  // [100 ms, 10 s) by 1 ms
  static constexpr std::size_t kBuckets = kFine + kCoarse + 1;
  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(kBuckets, 0);
  std::uint64_t total = 0;
  void add(double us) {
    const double v = us < 0 ? 0 : us;
    const auto b = v < kFine ? static_cast<std::size_t>(v) : kFine + static_cast<std::size_t>((v - kFine) / 1000);
    ++counts[std::min(b, kBuckets - 1)];
    ++total;
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts[i] += o.counts[i];
    total += o.total;
  }
  // The bucket's lower edge in µs.
  double percentile(double p) const {
    if (total == 0) return 0;
    const auto want = static_cast<std::uint64_t>(p * static_cast<double>(total));
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      acc += counts[i];
      if (acc > want) return i < kFine ? static_cast<double>(i) : static_cast<double>(kFine + (i - kFine) * 1000);
    }
    return static_cast<double>(kFine + kCoarse * 1000);
  }
};

struct ThreadStats {
  std::uint64_t sent = 0, delivered = 0, errors = 0;
  std::uint64_t moves = 0, move_failures = 0, seq_gaps = 0;  // match workload with --move-every
  Histogram latency;
};

struct Shared {
  Options opt;
  std::atomic<int> connected{0}, failed{0}, ready{0};
  std::atomic<bool> go{false}, stop{false};
  Clock::time_point start, end;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::size_t rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

// The integer after `key` in `text`, or -1.
std::int64_t int_after(std::string_view text, std::string_view key) {
  const auto at = text.find(key);
  if (at == std::string_view::npos) return -1;
  std::int64_t v = -1;
  const char* p = text.data() + at + key.size();
  std::from_chars(p, text.data() + text.size(), v);
  return v;
}

using Ws = websocket::stream<beast::tcp_stream>;

// Counts deliveries and their latency until the socket closes.
asio::awaitable<void> reader(std::shared_ptr<Ws> ws, std::shared_ptr<std::uint64_t> pongs,
                             std::shared_ptr<asio::steady_timer> wake, Shared& sh, ThreadStats& st,
                             std::shared_ptr<MatchState> ms) {
  beast::flat_buffer rb;
  const int socket = ms ? ms->socket : 0;
  for (;;) {
    auto [rec, n] = co_await ws->async_read(rb, use_tuple);
    if (rec || (ms && ms->socket != socket)) co_return;
    const std::string_view f(static_cast<const char*>(rb.cdata().data()), rb.size());
    if (ms) {  // match workload: input-to-state latency
      const bool measuring = Clock::now() < sh.end;
      if (f.starts_with("{\"seq\":")) {  // a push: seq runs on by one, across moves too
        const auto seq = int_after(f, "{\"seq\":");
        if (ms->last_seq > 0 && seq != ms->last_seq + 1) ++st.seq_gaps;
        ms->last_seq = seq;
      }
      if (f.find("\"op\":\"match.delta\"") != std::string_view::npos) {
        const auto tick = int_after(f, "\"tick\":");
        if (ms->outstanding != 0 && ms->ack_tick >= 0 && tick > ms->ack_tick) {
          if (measuring) {
            ++st.delivered;
            st.latency.add(static_cast<double>(now_ns() - ms->outstanding) / 1000.0);
          }
          ms->outstanding = 0;
        }
      } else if (f.find("\"op\":\"match.input\"") != std::string_view::npos) {
        ms->ack_tick = int_after(f, "\"tick\":");
      } else if (f.find("\"op\":\"error\"") != std::string_view::npos) {
        if (ms->outstanding != 0 && int_after(f, "\"rid\":") == ms->outstanding) {
          ms->outstanding = 0;  // refused: no state to wait for
          if (f.find("\"not_alive\"") != std::string_view::npos) {
            ms->out = true;  // the player's cycle crashed: not an error, the match plays on
          } else if (measuring) {
            ++st.errors;
          }
        }
        if (f.find("\"rid\":\"q\"") != std::string_view::npos) ms->queued = false;  // enqueue refused: retry
      } else if (f.find("\"op\":\"match.assigned\"") != std::string_view::npos) {
        ms->match_id = string_after(f, "\"match_id\":\"");
        ms->queued = false;
        ms->out = false;
        ++ms->matches;
      } else if (f.find("\"op\":\"match.ended\"") != std::string_view::npos) {
        ms->match_id.clear();
        ms->outstanding = 0;
      }
      rb.consume(rb.size());
      continue;
    }
    const std::int64_t t = Clock::now() < sh.end ? now_ns() : -1;
    if (t > 0) {
      std::int64_t sent_at = -1;
      if (f.find("\"op\":\"channel.message\"") != std::string_view::npos) {
        sent_at = int_after(f, "\"body\":\"");
      } else if (f.find("\"op\":\"pong\"") != std::string_view::npos) {
        sent_at = int_after(f, "\"rid\":");
        ++*pongs;
        wake->cancel();  // the closed ping loop waits on this timer
      }
      if (sent_at > 0) {
        ++st.delivered;
        st.latency.add(static_cast<double>(t - sent_at) / 1000.0);
      }
    }
    rb.consume(rb.size());
  }
}

// Connects to gateway `port` and reads the welcome into `welcome`; null on failure.
// Strings by value: a coroutine keeps its own copies (the caller's temporaries may be gone).
asio::awaitable<std::shared_ptr<Ws>> connect_ws(int index, std::uint16_t port, std::string token, std::string query,
                                                Shared& sh, std::string& welcome) {
  auto ex = co_await asio::this_coro::executor;
  const Options& o = sh.opt;
  auto wsp = std::make_shared<Ws>(ex);
  Ws& ws = *wsp;
  auto& sock = beast::get_lowest_layer(ws).socket();
  beast::error_code ec;
  sock.open(tcp::v4(), ec);
  sock.set_option(asio::socket_base::reuse_address(true), ec);
  const auto src = asio::ip::address_v4(0x7f000001u + static_cast<unsigned>(index % std::max(1, o.sources)));
  sock.bind(tcp::endpoint(src, 0), ec);
  if (!ec) std::tie(ec) = co_await sock.async_connect(tcp::endpoint(asio::ip::make_address(o.host), port), use_tuple);
  if (!ec) {
    ws.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) { req.set(bhttp::field::authorization, "Bearer " + token); }));
    // Named, not a temporary inside the co_await: GCC 12 frees a ?: temporary there twice.
    const std::string target = query.empty() ? std::string("/v1/ws") : "/v1/ws?" + query;
    std::tie(ec) = co_await ws.async_handshake(o.host, target, use_tuple);
  }
  beast::flat_buffer buf;
  if (!ec) std::tie(ec, std::ignore) = co_await ws.async_read(buf, use_tuple);  // welcome
  if (ec) co_return nullptr;
  welcome.assign(static_cast<const char*>(buf.cdata().data()), buf.size());
  co_return wsp;
}

std::uint16_t gateway_port(const Options& o, int index) {
  return o.ws_ports.empty() ? o.port : o.ws_ports[static_cast<std::size_t>(index) % o.ws_ports.size()];
}

asio::awaitable<void> client(int index, std::string token, Shared& sh, ThreadStats& st) {
  auto ex = co_await asio::this_coro::executor;
  const Options& o = sh.opt;
  std::string welcome;
  auto wsp = co_await connect_ws(index, gateway_port(o, index), token, std::string(), sh, welcome);
  if (!wsp) {
    ++sh.failed;
    co_return;
  }
  beast::error_code ec;
  beast::flat_buffer buf;
  ++sh.connected;
  // Connection i uses gateway i % g (gateway_port), so channel (i / g) % channels puts the members of
  // every channel on all the gateways evenly: a message then crosses between gateways. (i % channels
  // kept a channel on one gateway whenever g divided the channel count.)
  const int gateways = std::max<int>(1, static_cast<int>(o.ws_ports.size()));
  const std::string channel = "c" + std::to_string(index / gateways % std::max(1, o.channels));
  if (o.workload == "broadcast") {
    const std::string join = R"({"op":"channel.join","rid":0,"d":{"channel":")" + channel + "\"}}";
    std::tie(ec, std::ignore) = co_await wsp->async_write(asio::buffer(join), use_tuple);
    // Wait for the join reply (skipping joined events).
    while (!ec) {
      std::tie(ec, std::ignore) = co_await wsp->async_read(buf, use_tuple);
      const std::string_view f(static_cast<const char*>(buf.cdata().data()), buf.size());
      const bool done = f.find("\"op\":\"channel.join\"") != std::string_view::npos ||
                        f.find("\"op\":\"error\"") != std::string_view::npos;
      buf.consume(buf.size());
      if (done) break;
    }
  }
  ++sh.ready;
  asio::steady_timer timer(ex);
  while (!sh.go.load()) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(use_tuple);
    if (sh.stop.load()) co_return;
  }

  if (o.workload == "move") {
    // Each session moves gateway after gateway for --seconds: drop the socket, resume on the next
    // gateway of --ws-ports; latency is from the drop to the welcome.
    std::string sid = string_after(welcome, "\"sid\":\"");
    for (int at = index + 1; Clock::now() < sh.end; ++at) {
      beast::get_lowest_layer(*wsp).socket().close(ec);
      const std::int64_t t = now_ns();
      const std::string query = "sid=" + sid + "&last_seq=0";
      auto moved = co_await connect_ws(index, gateway_port(o, at), token, query, sh, welcome);
      if (!moved) {
        ++st.move_failures;
        co_return;
      }
      wsp = std::move(moved);
      const bool resumed = welcome.find("\"resumed\":true") != std::string::npos;
      if (Clock::now() < sh.end) {
        ++st.sent;
        if (resumed) {
          ++st.moves;
          ++st.delivered;
          st.latency.add(static_cast<double>(now_ns() - t) / 1000.0);
        } else {
          ++st.move_failures;
        }
      }
      sid = string_after(welcome, "\"sid\":\"");
    }
    co_return;
  }
  auto pongs = std::make_shared<std::uint64_t>(0);  // this connection's, for the closed ping loop
  auto wake = std::make_shared<asio::steady_timer>(ex);
  auto ms = o.workload == "match" ? std::make_shared<MatchState>() : nullptr;
  if (o.workload != "idle") asio::co_spawn(ex, reader(wsp, pongs, wake, sh, st, ms), asio::detached);
  if (ms) {
    // Queue, play (one input at a time, every input_ms), queue again when the match ends. With
    // --move-every, now and then in a match: drop the socket and resume on the next gateway.
    const std::string enqueue = R"({"op":"mm.enqueue","rid":"q","d":{"mode":")" + o.mode + R"(","regions":{"eu":20}}})";
    ms->sid = string_after(welcome, "\"sid\":\"");
    int at = index;  // the gateway in use, as an index into ws_ports
    const auto every = std::chrono::seconds(std::max(1, o.move_every_s));
    auto next_move = Clock::now() + every * (index % 16 + 1) / 16;  // staggered
    while (Clock::now() < sh.end) {
      timer.expires_after(std::chrono::milliseconds(o.input_ms));
      co_await timer.async_wait(use_tuple);
      if (o.move_every_s > 0 && !ms->match_id.empty() && Clock::now() >= next_move) {
        next_move = Clock::now() + every;
        beast::get_lowest_layer(*wsp).socket().close(ec);  // as a network drop: no close frame
        ++ms->socket;
        ++at;
        const std::string query = "sid=" + ms->sid + "&last_seq=" + std::to_string(ms->last_seq);
        auto moved = co_await connect_ws(index, gateway_port(o, at), token, query, sh, welcome);
        if (!moved) {
          ++st.move_failures;
          break;
        }
        wsp = std::move(moved);
        if (welcome.find("\"resumed\":true") != std::string::npos) {
          ++st.moves;
        } else {  // a new session: the match goes on without this player
          ++st.move_failures;
          ms->match_id.clear();
          ms->last_seq = 0;
        }
        ms->sid = string_after(welcome, "\"sid\":\"");
        ms->outstanding = 0;  // its answer may have gone with the old socket
        asio::co_spawn(ex, reader(wsp, pongs, wake, sh, st, ms), asio::detached);
        continue;
      }
      std::string out;
      if (ms->match_id.empty()) {
        if (ms->queued) continue;
        ms->queued = true;
        out = enqueue;
      } else {
        if (ms->outstanding != 0 || ms->out) continue;
        const std::int64_t t = now_ns();
        ms->outstanding = t;
        ms->ack_tick = -1;
        ms->left = !ms->left;
        out = R"({"op":"match.input","rid":)" + std::to_string(t) + R"(,"d":{"match_id":")" + ms->match_id +
              R"(","d":{"turn":")" + (ms->left ? "left" : "right") + "\"}}}";
        if (Clock::now() < sh.end) ++st.sent;
      }
      auto [wec, wn] = co_await wsp->async_write(asio::buffer(out), use_tuple);
      if (wec) {
        ++st.errors;
        break;
      }
    }
  }

  const bool paced = o.rate > 0;
  const auto interval = paced ? std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * o.connections / o.rate))
                              : std::chrono::nanoseconds(0);
  auto next = sh.start + std::chrono::nanoseconds(static_cast<std::int64_t>(index) * interval.count() / o.connections);
  std::string msg;
  std::uint64_t answered = 0;
  while (Clock::now() < sh.end && o.workload != "idle" && !ms) {
    if (paced) {
      timer.expires_at(next);
      co_await timer.async_wait(use_tuple);
      next += interval;
      if (Clock::now() >= sh.end) break;
    }
    const std::int64_t t = now_ns();
    if (o.workload == "ping") {
      msg = R"({"op":"ping","rid":)" + std::to_string(t) + "}";
    } else {
      msg = R"({"op":"channel.send","d":{"channel":")" + channel + R"(","body":")" + std::to_string(t) + "\"}}";
    }
    auto [wec, wn] = co_await wsp->async_write(asio::buffer(msg), use_tuple);
    if (wec) {
      ++st.errors;
      break;
    }
    ++st.sent;
    if (!paced && o.workload == "ping") {
      // Closed loop: one ping in flight per connection.
      ++answered;
      while (*pongs < answered && Clock::now() < sh.end) {
        wake->expires_at(sh.end);
        co_await wake->async_wait(use_tuple);  // cancelled by the reader on the pong
      }
    }
  }
  while (!sh.stop.load()) {  // hold the connection until everyone is measured
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(use_tuple);
  }
  beast::get_lowest_layer(*wsp).close();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App cli{"arena-load: connections, ping round trips and channel fan-out against a running Arena"};
  cli.add_option("--host", o.host);
  cli.add_option("--port", o.port, "HTTP port for logins (and WebSockets unless --ws-ports)");
  cli.add_option("--ws-ports", o.ws_ports, "gateway ports; connection i uses port i % n (e.g. two gateways over NATS)")
      ->delimiter(',');
  cli.add_option("--connections", o.connections)->check(CLI::Range(1, 19'500));
  cli.add_option("--sources", o.sources, "client source addresses 127.0.0.1..127.0.0.N")->check(CLI::Range(1, 250));
  cli.add_option("--workload", o.workload)->check(CLI::IsMember({"idle", "ping", "broadcast", "match", "move"}));
  cli.add_option("--mode", o.mode, "match: the matchmaking mode each player queues for");
  cli.add_option("--input-ms", o.input_ms, "match: one input per player this often")->check(CLI::Range(1, 10'000));
  cli.add_option("--move-every", o.move_every_s,
                 "match: seconds between a player's moves (drop the socket, resume on the next --ws-ports gateway; "
                 "0 = never)")
      ->check(CLI::Range(0, 3600));
  cli.add_option("--seconds", o.seconds)->check(CLI::Range(1, 600));
  cli.add_option("--rate", o.rate, "total messages/s (0 = closed loop for ping)")->check(CLI::Range(0.0, 1e8));
  cli.add_option("--channels", o.channels,
                 "broadcast: channels; members = connections / channels, spread evenly over --ws-ports")
      ->check(CLI::Range(1, 100'000));
  cli.add_option("--threads", o.threads)->check(CLI::Range(1, 64));
  cli.add_option("--server-pid", o.server_pid, "read the server's RSS from /proc/<pid>");
  cli.add_option("--json", o.json_out, "also write the report as JSON to this file");
  cli.add_option("--hold-tickets", o.hold_tickets,
                 "before measuring, queue this many party tickets that cannot match (the server needs a long "
                 "gateway.resume_window and the --hold-mode mode)")
      ->check(CLI::Range(0, 1'000'000));
  cli.add_option("--hold-mode", o.hold_mode, "mode of the held tickets (e.g. 2 x 4, no bots, long ticket_ttl)");
  cli.add_option("--hold-party", o.hold_party, "players per held ticket")->check(CLI::Range(1, 16));
  cli.add_option("--hold-threads", o.hold_threads, "client threads that queue the held tickets")
      ->check(CLI::Range(1, 256));
  cli.add_option("--logins-per-second", o.background.logins_per_second, "background guest logins while measuring")
      ->check(CLI::Range(0.0, 100'000.0));
  cli.add_option("--mm-ops-per-second", o.background.mm_ops_per_second,
                 "background mm.enqueue/mm.cancel while measuring")
      ->check(CLI::Range(0.0, 100'000.0));
  cli.add_option("--mm-connections", o.background.mm_connections, "connections sending the background mm ops")
      ->check(CLI::Range(1, 1000));
  cli.add_option("--mm-mode", o.background.mm_mode, "mode of the background mm ops");
  CLI11_PARSE(cli, argc, argv);
  if (o.workload == "broadcast" && o.rate <= 0) {
    std::cerr << "broadcast needs --rate\n";
    return 2;
  }

  Shared sh;
  sh.opt = o;
  const auto t_login = Clock::now();
  std::vector<std::string> tokens;
  const arena::load::Target target{o.host, o.port};
  int held_tickets = 0;
  try {
    for (auto& g : arena::load::login_guests(target, o.connections, o.login_concurrency)) tokens.push_back(g.token);
    if (o.hold_tickets > 0) {
      const auto t0 = Clock::now();
      held_tickets = arena::load::hold_tickets(target, o.hold_mode, o.hold_tickets, o.hold_party, o.hold_threads);
      std::cout << "held " << held_tickets << " tickets of " << o.hold_party << " in " << o.hold_mode << " ("
                << std::chrono::duration<double>(Clock::now() - t0).count() << " s)\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "arena-load: logins against " << o.host << ":" << o.port << " failed: " << e.what() << "\n";
    return 1;
  }
  const double login_s = std::chrono::duration<double>(Clock::now() - t_login).count();
  // After the logins, so that only what the connections cost is counted.
  const std::size_t rss_before = o.server_pid > 0 ? rss_kib(o.server_pid) : 0;

  std::vector<std::unique_ptr<asio::io_context>> ctxs;
  std::vector<ThreadStats> stats(static_cast<std::size_t>(o.threads));
  for (int t = 0; t < o.threads; ++t) ctxs.push_back(std::make_unique<asio::io_context>(1));
  for (int i = 0; i < o.connections; ++i) {
    const auto t = static_cast<std::size_t>(i % o.threads);
    asio::co_spawn(*ctxs[t], client(i, tokens[static_cast<std::size_t>(i)], sh, stats[t]), asio::detached);
  }
  std::vector<std::thread> pool;
  for (auto& c : ctxs) pool.emplace_back([&c] { c->run(); });

  // Wait (bounded) for every connection to be ready or failed.
  const auto t_connect = Clock::now();
  while (sh.ready.load() + sh.failed.load() < o.connections && Clock::now() - t_connect < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double connect_s = std::chrono::duration<double>(Clock::now() - t_connect).count();
  arena::load::Background background(target, o.background);
  background.start();
  sh.start = Clock::now() + std::chrono::milliseconds(50);
  sh.end = sh.start + std::chrono::seconds(o.seconds);
  sh.go = true;
  std::this_thread::sleep_until(sh.end);
  background.stop();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::size_t rss_after = o.server_pid > 0 ? rss_kib(o.server_pid) : 0;
  const int held = sh.connected.load();
  sh.stop = true;
  for (auto& th : pool) th.join();

  ThreadStats total;
  for (auto& s : stats) {
    total.sent += s.sent;
    total.delivered += s.delivered;
    total.errors += s.errors;
    total.moves += s.moves;
    total.move_failures += s.move_failures;
    total.seq_gaps += s.seq_gaps;
    total.latency.merge(s.latency);
  }
  const double secs = o.seconds;
  const double per_conn =
      held > 0 && rss_after > rss_before ? static_cast<double>(rss_after - rss_before) * 1024.0 / held : 0;
  boost::json::object report{
      {"workload", o.workload},
      {"connections_requested", o.connections},
      {"connections_held", held},
      {"connections_failed", sh.failed.load()},
      {"login_seconds", login_s},
      {"connect_seconds", connect_s},
      {"server_rss_kib_before", rss_before},
      {"server_rss_kib_after", rss_after},
      {"server_rss_bytes_per_connection", per_conn},
      {"seconds", secs},
      {"sent", total.sent},
      {"sent_per_second", static_cast<double>(total.sent) / secs},
      {"delivered", total.delivered},
      {"delivered_per_second", static_cast<double>(total.delivered) / secs},
      {"errors", total.errors},
      {"moves", total.moves},
      {"move_failures", total.move_failures},
      {"seq_gaps", total.seq_gaps},
      {"held_tickets", held_tickets},
      {"background_logins_per_second", static_cast<double>(background.logins.load()) / secs},
      {"background_login_errors", background.login_errors.load()},
      {"background_mm_ops_per_second",
       static_cast<double>(background.mm_replies.load() + background.mm_errors.load()) / secs},
      {"background_mm_error_replies", background.mm_errors.load()},
      {"background_mm_reply_p99_ms", background.mm_reply_p99_ms()},
      {"latency_us",
       {{"p50", total.latency.percentile(0.50)},
        {"p99", total.latency.percentile(0.99)},
        {"p999", total.latency.percentile(0.999)}}},
  };
  std::cout << "workload=" << o.workload << " connections held=" << held << "/" << o.connections
            << " failed=" << sh.failed.load() << " (login " << login_s << " s, connect " << connect_s << " s)\n";
  if (o.server_pid > 0)
    std::cout << "server RSS " << rss_before << " KiB -> " << rss_after << " KiB: " << per_conn
              << " bytes per connection\n";
  if (o.workload != "idle")
    std::cout << "sent " << total.sent << " (" << static_cast<long>(total.sent / secs) << "/s), delivered "
              << total.delivered << " (" << static_cast<long>(total.delivered / secs) << "/s), errors " << total.errors
              << "\nlatency_us p50=" << total.latency.percentile(0.5) << " p99=" << total.latency.percentile(0.99)
              << " p999=" << total.latency.percentile(0.999) << "\n";
  if (o.background.logins_per_second > 0 || o.background.mm_ops_per_second > 0)
    std::cout << "background: logins " << static_cast<long>(background.logins.load() / secs) << "/s (errors "
              << background.login_errors.load() << "), mm ops "
              << static_cast<long>((background.mm_replies.load() + background.mm_errors.load()) / secs)
              << "/s (error replies " << background.mm_errors.load() << ", reply p99 " << background.mm_reply_p99_ms()
              << " ms)\n";
  if (!o.json_out.empty()) std::ofstream(o.json_out) << boost::json::serialize(report) << "\n";
  std::cout << boost::json::serialize(report) << "\n";
  return held == o.connections ? 0 : 1;
}
