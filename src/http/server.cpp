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
#include "arena/http/upgrade.hpp"
#include "request_reader.hpp"

namespace arena::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct Connection {
  Connection(tcp::socket s, IpSlot sl) : stream(std::move(s)), slot(std::move(sl)) {}
  beast::tcp_stream stream;
  IpSlot slot;
  bool idle = true;  // waiting for (the rest of) a request header; touched on the strand only
};

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

std::string new_request_id() {
  std::array<unsigned char, 8> b{};
  core::random_bytes(b);
  return core::hex_encode(b);
}

bool is_json_content_type(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  if (base.size() != 16) return false;
  for (std::size_t i = 0; i < base.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(base[i])) != "application/json"[i]) return false;
  }
  return true;
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, HttpMetrics& m)
      : opts(std::move(o)),
        router(r),
        metrics(m),
        acceptor(asio::make_strand(ioc)),
        slow(opts.blocking_threads),
        storage(opts.storage_threads),
        slots(std::make_shared<ConnectionSlots>(opts.max_connections_per_ip)),
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
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  std::uint16_t port = 0;

  std::mutex conns_mu;
  std::condition_variable conns_cv;
  std::unordered_set<std::shared_ptr<Connection>> conns;

  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<spdlog::logger> access;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(std::shared_ptr<Connection> conn);
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
  asio::awaitable<bool> write(Connection& conn, unsigned version, bool head, Response res, const std::string& rid,
                              bool keep_alive);
  asio::awaitable<void> discard_input(Connection& conn);
  asio::awaitable<void> refuse_connection(std::shared_ptr<Connection> conn);
  void stop_threads();
};

Response Server::Impl::invoke(const Route& route, Request& req) {
  try {
    return route.handler(req);
  } catch (const Error& e) {
    return Response::error(e);
  } catch (const std::exception& e) {
    log->error("msg=\"handler failed\" route={} rid={} error=\"{}\"", route.pattern, req.request_id, e.what());
    return Response::error(Code::internal, "internal error");
  }
}

void Server::Impl::count(const Route* route, Method method, int status, double secs) {
  if (route == nullptr) {  // 404, 405, 415 before routing: by label (rare, and bounded by the limits)
    metrics.requests.with({"unmatched", to_string(method), std::to_string(status)}).inc();
    metrics.duration.with({"unmatched"}).observe(secs);
    return;
  }
  auto& st = *route_stats.at(route);
  st.duration->observe(secs);
  if (method != route->method || status < 100 || status >= 600) {
    metrics.requests.with({route->pattern, to_string(method), std::to_string(status)}).inc();
    return;
  }
  auto& slot = st.by_status[static_cast<std::size_t>(status - 100)];
  metrics::Counter* c = slot.load(std::memory_order_acquire);
  if (c == nullptr) {  // first request with this status: resolve once (two threads may both; same child)
    c = &metrics.requests.with({route->pattern, to_string(method), std::to_string(status)});
    slot.store(c, std::memory_order_release);
  }
  c->inc();
}

asio::awaitable<Response> Server::Impl::handle(Request& req, const Route*& matched) {
  auto m = router.match(req);
  if (m.route == nullptr) {
    if (!m.path_known) co_return Response::error(Code::not_found, "no such route");
    Response r = Response::error(Code::method_not_allowed, "method not allowed on this route");
    r.headers.emplace_back("Allow", m.allow);
    co_return r;
  }
  matched = m.route;
  if (!req.body.empty() && !is_json_content_type(req.header("content-type")))
    co_return Response::error(Code::unsupported_media_type, "request bodies must be application/json");
  if (m.route->options.runs_on == RunsOn::io) co_return invoke(*m.route, req);

  Pool& pool = m.route->options.runs_on == RunsOn::slow ? slow : storage;
  if (pool.pending.fetch_add(1) >= opts.max_blocking_queue) {
    pool.pending.fetch_sub(1);
    Response r = Response::error(Code::overloaded, "server is busy, try again shortly");
    r.headers.emplace_back("Retry-After", "1");
    co_return r;
  }
  const Route& route = *m.route;
  Response r = co_await asio::co_spawn(
      pool.threads, [&]() -> asio::awaitable<Response> { co_return invoke(route, req); }, asio::use_awaitable);
  pool.pending.fetch_sub(1);
  co_return r;
}

asio::awaitable<bool> Server::Impl::write(Connection& conn, unsigned version, bool head, Response r,
                                          const std::string& rid, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "arena");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  res.set("X-Request-Id", rid);
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  if (head) {
    res.content_length(r.body.size());
  } else {
    res.body() = std::move(r.body);
    res.prepare_payload();
  }
  conn.stream.expires_after(opts.idle_timeout);
  auto [ec, n] = co_await bhttp::async_write(conn.stream, res, use_tuple);
  co_return !ec;
}

// Closing a socket with unread input makes the kernel send a reset, which can destroy the
// answer just written before the client reads it. After a refusal, read and drop what the client
// is still sending, bounded in time and bytes, until it sees the answer and goes.
asio::awaitable<void> Server::Impl::discard_input(Connection& conn) {
  constexpr std::size_t kMaxDiscard = std::size_t{1} << 20;
  std::array<char, 4096> sink{};
  conn.stream.expires_after(std::chrono::seconds(1));
  for (std::size_t total = 0; total < kMaxDiscard;) {
    auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), use_tuple);
    if (ec) break;
    total += n;
  }
}

asio::awaitable<void> Server::Impl::serve(std::shared_ptr<Connection> conn) {
  boost::system::error_code ep_ec;
  const std::string ip = conn->stream.socket().remote_endpoint(ep_ec).address().to_string();
  const ReaderLimits limits{opts.max_header_bytes, opts.max_body_bytes};
  // Bounded: a chunk-size line, chunk extension or trailer section cannot grow it without end.
  beast::flat_buffer buffer(read_buffer_limit(limits));
  bool handed_off = false;
  bool linger = false;  // unread request bytes may follow a refusal
  for (;;) {
    conn->idle = true;
    if (draining.load()) break;
    RequestReader reader(limits);
    auto& parser = reader.parser();
    conn->stream.expires_after(opts.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(conn->stream, buffer, parser, use_tuple);
    conn->idle = false;
    const std::string rid = new_request_id();
    std::optional<Refusal> refusal = ec ? reader.refusal_for(ec) : reader.check_header();
    if (ec && !refusal) break;  // end of stream, idle timeout, drain
    const unsigned version = parser.get().version() >= 10 ? parser.get().version() : 11;
    if (!refusal && !parser.is_done()) {
      if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
        auto [wec, wn] = co_await bhttp::async_write(conn->stream, cont, use_tuple);
        if (wec) break;
      }
      auto [bec, bn] = co_await bhttp::async_read(conn->stream, buffer, parser, use_tuple);
      if (bec) {
        refusal = reader.refusal_for(bec);
        if (!refusal) break;
      }
    }
    if (refusal) {  // answered, then the connection is closed: what follows cannot be framed
      metrics.rejected.with({refusal->reason}).inc();
      co_await write(*conn, version, false, std::move(refusal->response), rid, false);
      linger = true;
      break;
    }

    const auto started = std::chrono::steady_clock::now();
    auto& msg = reader.message();
    Request req = reader.take_request(ip);
    const auto given_rid = req.header("x-request-id");
    req.request_id = valid_request_id(given_rid) ? std::string(given_rid) : rid;

    if (const UpgradeRoute* up = router.find_upgrade(req.path); up != nullptr && req.method == Method::get) {
      const bool is_ws = boost::beast::websocket::is_upgrade(msg);
      std::optional<Response> answer;
      if (!is_ws) {
        answer = Response::error(Code::upgrade_required, "this route speaks WebSocket only");
        answer->headers.emplace_back("Upgrade", "websocket");
      } else {
        try {
          answer = up->check(req);
        } catch (const Error& e) {
          answer = Response::error(e);
        } catch (const std::exception& e) {
          log->error("msg=\"upgrade check failed\" rid={} error=\"{}\"", req.request_id, e.what());
          answer = Response::error(Code::internal, "internal error");
        }
      }
      const int status = answer ? answer->status : 101;
      metrics.requests.with({up->path, "GET", std::to_string(status)}).inc();
      if (opts.access_log)
        access->info("method=GET path={} status={} rid={} ip={}", req.path, status, req.request_id, ip);
      if (answer) {
        co_await write(*conn, version, false, std::move(*answer), req.request_id, false);
        break;
      }
      handed_off = true;
      up->accept(
          Upgrade{std::move(conn->stream), std::move(msg), std::move(buffer), std::move(req), std::move(conn->slot)});
      break;
    }

    const Route* route = nullptr;
    metrics.in_flight.inc();
    Response res = co_await handle(req, route);
    const int status = res.status;
    const std::size_t bytes = res.body.size();
    const bool keep_alive = msg.keep_alive() && !draining.load();
    const bool ok =
        co_await write(*conn, version, req.method == Method::head, std::move(res), req.request_id, keep_alive);

    metrics.in_flight.dec();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    count(route, req.method, status, secs);
    if (opts.access_log) {
      access->info("method={} path={} status={} bytes={} dur_us={} rid={} ip={}", to_string(req.method), req.path,
                   status, bytes, static_cast<long long>(secs * 1e6), req.request_id, ip);
    }
    if (!ok || !keep_alive) break;
  }
  if (!handed_off) {
    boost::system::error_code ignored;
    conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    if (linger) co_await discard_input(*conn);
    conn->stream.close();
  }
  metrics.connections_open.dec();
  std::lock_guard lock(conns_mu);
  conns.erase(conn);
  conns_cv.notify_all();
}

// Over http.max_connections_per_ip: answered at once, before any request is read.
asio::awaitable<void> Server::Impl::refuse_connection(std::shared_ptr<Connection> conn) {
  Response r = Response::error(Code::too_many_connections, "too many open connections from this address");
  r.headers.emplace_back("Retry-After", "1");
  co_await write(*conn, 11, false, std::move(r), new_request_id(), false);
  boost::system::error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_await discard_input(*conn);
  conn->stream.close();
}

asio::awaitable<void> Server::Impl::accept_loop() {
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use_tuple);
    if (ec) {
      if (draining.load() || !acceptor.is_open()) co_return;
      log->warn("msg=\"accept failed\" error=\"{}\"", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));  // e.g. out of file descriptors
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    IpSlot slot;
    const bool admitted = slots->acquire(socket.remote_endpoint(ignored).address(), slot);
    auto conn = std::make_shared<Connection>(std::move(socket), std::move(slot));
    if (!admitted) {
      metrics.rejected.with({"too_many_connections"}).inc();
      asio::co_spawn(conn->stream.get_executor(), refuse_connection(conn), asio::detached);
      continue;
    }
    {
      std::lock_guard lock(conns_mu);
      conns.insert(conn);
    }
    metrics.connections_open.inc();
    metrics.connections_total.inc();
    asio::co_spawn(conn->stream.get_executor(), serve(conn), asio::detached);
  }
}

void Server::Impl::stop_threads() {
  if (stopped.exchange(true)) return;
  slow.threads.join();
  storage.threads.join();
  ioc.stop();
  for (auto& t : threads)
    if (t.joinable()) t.join();
}

Server::Server(ServerOptions options, const Router& router, HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() {
  impl_->draining = true;
  impl_->slow.threads.stop();
  impl_->storage.threads.stop();
  impl_->stop_threads();
}

void Server::start() {
  auto& im = *impl_;
  for (const auto& r : im.router.routes()) {
    auto st = std::make_unique<Impl::RouteStats>();
    st->duration = &im.metrics.duration.with({r.pattern});
    im.route_stats.emplace(&r, std::move(st));
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(im.opts.host, ec);
  if (ec) throw std::runtime_error("listen: '" + im.opts.host + "' is not an IP address");
  const tcp::endpoint ep(address, im.opts.port);
  im.acceptor.open(ep.protocol(), ec);
  if (!ec) im.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor.bind(ep, ec);
  if (!ec) im.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + im.opts.host + ":" + std::to_string(im.opts.port) + ": " +
                             ec.message());
  }
  im.port = im.acceptor.local_endpoint().port();
  asio::co_spawn(im.acceptor.get_executor(), im.accept_loop(), asio::detached);
  const int n =
      im.opts.threads > 0 ? im.opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    im.threads.emplace_back([&im] {
      for (;;) {
        try {
          im.ioc.run();
          return;
        } catch (const std::exception& e) {
          im.log->error("msg=\"io thread caught exception\" error=\"{}\"", e.what());
        }
      }
    });
  }
}

std::uint16_t Server::port() const {
  return impl_->port;
}
bool Server::draining() const {
  return impl_->draining.load();
}

bool Server::drain() {
  auto& im = *impl_;
  if (im.draining.exchange(true)) return true;
  asio::post(im.acceptor.get_executor(), [&im] {
    boost::system::error_code ignored;
    im.acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> snapshot;
  {
    std::lock_guard lock(im.conns_mu);
    snapshot.assign(im.conns.begin(), im.conns.end());
  }
  for (auto& c : snapshot) {
    asio::post(c->stream.get_executor(), [c] {
      if (c->idle) c->stream.cancel();
    });
  }
  bool finished = false;
  {
    std::unique_lock lock(im.conns_mu);
    finished = im.conns_cv.wait_for(lock, im.opts.shutdown_timeout, [&] { return im.conns.empty(); });
    if (!finished) {
      im.log->warn("msg=\"drain timed out\" open_connections={}", im.conns.size());
      for (const auto& c : im.conns) asio::post(c->stream.get_executor(), [c] { c->stream.close(); });
    }
  }
  im.stop_threads();
  return finished;
}

}  // namespace arena::http
