// One HTTP connection: reading requests within their limits, answering, handing upgrades on.
#include "server_impl.hpp"

namespace arena::http {

asio::awaitable<bool> Server::Impl::write(HttpConnection& conn, unsigned version, bool head, Response r,
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
asio::awaitable<void> Server::Impl::discard_input(HttpConnection& conn) {
  constexpr std::size_t kMaxDiscard = std::size_t{1} << 20;
  std::array<char, 4096> sink{};
  conn.stream.expires_after(std::chrono::seconds(1));
  for (std::size_t total = 0; total < kMaxDiscard;) {
    auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), use_tuple);
    if (ec) break;
    total += n;
  }
}

// Reads one request (header, then body, answering `Expect: 100-continue`). Nothing: the
// connection ends quietly (end of stream, idle timeout, drain). A refusal: answer it and close.
asio::awaitable<Server::Impl::ReadResult> Server::Impl::read_request(HttpConnection& conn, beast::flat_buffer& buffer,
                                                                     RequestReader& reader) {
  auto& parser = reader.parser();
  conn.stream.expires_after(opts.idle_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(conn.stream, buffer, parser, use_tuple);
  conn.idle = false;
  ReadResult out;
  out.refusal = ec ? reader.refusal_for(ec) : reader.check_header();
  out.version = parser.get().version() >= 10 ? parser.get().version() : 11;
  if (ec && !out.refusal) co_return out;
  if (!out.refusal && !parser.is_done()) {
    if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
      bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, out.version};
      auto [wec, wn] = co_await bhttp::async_write(conn.stream, cont, use_tuple);
      if (wec) co_return out;
    }
    auto [bec, bn] = co_await bhttp::async_read(conn.stream, buffer, parser, use_tuple);
    if (bec) {
      out.refusal = reader.refusal_for(bec);
      co_return out;
    }
  }
  out.complete = !out.refusal;
  co_return out;
}

// GET of an upgrade route: refused with an answer (the connection then closes), or handed to the
// route's acceptor with the socket and what was read beyond the request. True when handed off.
asio::awaitable<bool> Server::Impl::serve_upgrade(std::shared_ptr<HttpConnection>& conn, const UpgradeRoute& up,
                                                  Request req, bhttp::request<bhttp::string_body>& msg,
                                                  beast::flat_buffer& buffer, unsigned version, const std::string& ip) {
  std::optional<Response> answer;
  if (!boost::beast::websocket::is_upgrade(msg)) {
    answer = Response::error(Code::upgrade_required, "this route speaks WebSocket only");
    answer->headers.emplace_back("Upgrade", "websocket");
  } else {
    try {
      answer = up.check(req);
    } catch (const Error& e) {
      answer = Response::error(e);
    } catch (const std::exception& e) {
      log->error("msg=\"upgrade check failed\" rid={} error=\"{}\"", req.request_id, e.what());
      answer = Response::error(Code::internal, "internal error");
    }
  }
  const int status = answer ? answer->status : 101;
  metrics.requests.with({up.path, "GET", std::to_string(status)}).inc();
  if (opts.access_log) access->info("method=GET path={} status={} rid={} ip={}", req.path, status, req.request_id, ip);
  if (answer) {
    co_await write(*conn, version, false, std::move(*answer), req.request_id, false);
    co_return false;
  }
  up.accept(Upgrade{std::move(conn->stream), std::move(msg), std::move(buffer), std::move(req), std::move(conn->slot)});
  co_return true;
}

// One routed request, answered. True when the connection may carry another.
asio::awaitable<bool> Server::Impl::serve_request(HttpConnection& conn, Request& req, bool keep_alive_asked,
                                                  unsigned version, std::chrono::steady_clock::time_point started,
                                                  const std::string& ip) {
  const Route* route = nullptr;
  metrics.in_flight.inc();
  Response res = co_await handle(req, route);
  const int status = res.status;
  const std::size_t bytes = res.body.size();
  const bool keep_alive = keep_alive_asked && !draining.load();
  const bool ok = co_await write(conn, version, req.method == Method::head, std::move(res), req.request_id, keep_alive);
  metrics.in_flight.dec();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  count(route, req.method, status, secs);
  if (opts.access_log) {
    access->info("method={} path={} status={} bytes={} dur_us={} rid={} ip={}", to_string(req.method), req.path, status,
                 bytes, static_cast<long long>(secs * 1e6), req.request_id, ip);
  }
  co_return ok&& keep_alive;
}

asio::awaitable<void> Server::Impl::serve(std::shared_ptr<HttpConnection> conn) {
  boost::system::error_code ep_ec;
  const auto peer = conn->stream.socket().remote_endpoint(ep_ec).address();
  const bool proxied = proxies.contains(peer);
  const std::string peer_ip = peer.to_string();
  const ReaderLimits limits{opts.max_header_bytes, opts.max_body_bytes};
  // Bounded: a chunk-size line, chunk extension or trailer section cannot grow it without end.
  beast::flat_buffer buffer(read_buffer_limit(limits));
  bool handed_off = false;
  bool linger = false;  // unread request bytes may follow a refusal
  for (;;) {
    conn->idle = true;
    if (draining.load()) break;
    RequestReader reader(limits);
    ReadResult got = co_await read_request(*conn, buffer, reader);
    const std::string rid = new_request_id();
    if (got.refusal) {  // answered, then the connection is closed: what follows cannot be framed
      metrics.rejected.with({got.refusal->reason}).inc();
      co_await write(*conn, got.version, false, std::move(got.refusal->response), rid, false);
      linger = true;
      break;
    }
    if (!got.complete) break;

    const auto started = std::chrono::steady_clock::now();
    auto& msg = reader.message();
    Request req = reader.take_request(peer_ip);
    std::string forwarded;  // the client a trusted proxy names; kept here, as req moves into serve_upgrade
    if (proxied) req.remote_ip = forwarded = proxies.client_ip(peer, req.header("x-forwarded-for"));
    const std::string& ip = proxied ? forwarded : peer_ip;
    const auto given_rid = req.header("x-request-id");
    req.request_id = valid_request_id(given_rid) ? std::string(given_rid) : rid;
    if (const UpgradeRoute* up = router.find_upgrade(req.path); up != nullptr && req.method == Method::get) {
      handed_off = co_await serve_upgrade(conn, *up, std::move(req), msg, buffer, got.version, ip);
      break;
    }
    if (!co_await serve_request(*conn, req, msg.keep_alive(), got.version, started, ip)) break;
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

}  // namespace arena::http
