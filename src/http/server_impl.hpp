#pragma once
// The HTTP server's insides, shared by server.cpp (lifecycle, accepting, routing to handlers
// and pools) and serve.cpp (one connection: reading requests, answering, upgrades).
#include "arena/http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <latch>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "arena/core/encoding.hpp"
#include "arena/core/error.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "arena/http/trusted_proxies.hpp"
#include "arena/http/upgrade.hpp"
#include "request_reader.hpp"

namespace arena::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct HttpConnection {
  HttpConnection(tcp::socket s, IpSlot sl) : stream(std::move(s)), slot(std::move(sl)) {}
  beast::tcp_stream stream;
  IpSlot slot;
  bool idle = true;  // waiting for (the rest of) a request header; touched on the strand only
};

inline bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

inline std::string new_request_id() {
  std::array<unsigned char, 8> b{};
  core::random_bytes(b);
  return core::hex_encode(b);
}

inline bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (base.size() != 16) return false;
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(base[i])) != "application/json"[i]) return false;
  }
  return true;
}

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, HttpMetrics& m)
      : opts(std::move(o)),
        router(r),
        metrics(m),
        acceptor(asio::make_strand(ioc)),
        slow(opts.blocking_threads),
        storage(opts.storage_threads > 0 ? opts.storage_threads : kStorageThreadsSqlite),
        slots(std::make_shared<ConnectionSlots>(opts.max_connections_per_ip)),
        proxies(TrustedProxies::parse(opts.trusted_proxies)),
        log(log::get("http")),
        access(log::get("access")) {}

  ServerOptions opts;
  const Router& router;
  HttpMetrics& metrics;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  // A pool for handlers that must not run on an I/O thread, with a bound on waiting jobs.
  // Its threads run below the I/O threads' priority (Linux nice +5): on a saturated machine a
  // login burst slows logins, not the sockets of players already in.
  struct Pool {
    explicit Pool(int n) : size(std::max(1, n)), threads(static_cast<std::size_t>(size)) {
      // One task per thread: each waits until all have started (shared: a waiter may still be
      // leaving wait() when the constructor moves on).
      auto started = std::make_shared<std::latch>(size);
      for (int i = 0; i < size; ++i)
        asio::post(threads, [started] {
          setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);  // failure: normal priority
          started->arrive_and_wait();
        });
      started->wait();
    }
    int size;
    asio::thread_pool threads;
    std::atomic<std::size_t> pending{0};
  };
  Pool slow;
  Pool storage;
  std::shared_ptr<ConnectionSlots> slots;
  TrustedProxies proxies;  // http.trusted_proxies: whose X-Forwarded-For names the client
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;

  std::mutex conns_mu;
  std::condition_variable conns_cv;
  std::unordered_set<std::shared_ptr<HttpConnection>> conns;

  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<spdlog::logger> access;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<HttpConnection> conn);
  struct ReadResult {
    std::optional<Refusal> refusal;
    bool complete = false;  // a whole request was read
    unsigned version = 11;
  };
  asio::awaitable<ReadResult> read_request(HttpConnection& conn, beast::flat_buffer& buffer, RequestReader& reader);
  asio::awaitable<bool> serve_upgrade(std::shared_ptr<HttpConnection>& conn, const UpgradeRoute& up, Request req,
                                      bhttp::request<bhttp::string_body>& msg, beast::flat_buffer& buffer,
                                      unsigned version, const std::string& ip);
  asio::awaitable<bool> serve_request(HttpConnection& conn, Request& req, bool keep_alive_asked, unsigned version,
                                      std::chrono::steady_clock::time_point started, const std::string& ip);
  // Per route, resolved when the server starts: its duration histogram and, lazily, a counter
  // per status for requests of the route's own method. Nothing per request looks a label up.
  struct RouteStats {
    metrics::Histogram* duration = nullptr;
    std::array<std::atomic<metrics::Counter*>, 500> by_status{};  // status - 100
  };
  std::unordered_map<const Route*, std::unique_ptr<RouteStats>> route_stats;
  void count(const Route* route, Method method, int status, double secs);

  asio::awaitable<Response> handle(Request& req, const Route*& matched);
  Response invoke(const Route& route, Request& req);
  asio::awaitable<bool> write(HttpConnection& conn, unsigned version, bool head, Response res, const std::string& rid,
                              bool keep_alive);
  asio::awaitable<void> discard_input(HttpConnection& conn);
  asio::awaitable<void> refuse_connection(std::shared_ptr<HttpConnection> conn);
  void stop_threads();
};

}  // namespace arena::http
