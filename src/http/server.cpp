// The HTTP server: lifecycle, the accept loop, and routing a request to its handler and pool.
#include "server_impl.hpp"

namespace arena::http {

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

// Over http.max_connections_per_ip: answered at once, before any request is read.
asio::awaitable<void> Server::Impl::refuse_connection(std::shared_ptr<HttpConnection> conn) {
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
    // A trusted proxy carries many clients' connections: it is not counted as one client.
    const auto peer = socket.remote_endpoint(ignored).address();
    const bool admitted = proxies.contains(peer) || slots->acquire(peer, slot);
    auto conn = std::make_shared<HttpConnection>(std::move(socket), std::move(slot));
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
  std::vector<std::shared_ptr<HttpConnection>> snapshot;
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
