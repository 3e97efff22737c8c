// The HTTP request path as the server drives it: bytes arrive in pieces into a buffer capped
// at read_buffer_limit(), RequestReader parses them with every limit set, the framing checks
// run once the header is in, a failure maps to its refusal, and a complete request is routed, its
// client address read from X-Forwarded-For as behind a trusted proxy.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdint>
#include <string>

#include "arena/http/router.hpp"
#include "arena/http/trusted_proxies.hpp"
#include "http/request_reader.hpp"

namespace {

const arena::http::Router& router() {
  static const arena::http::Router r = [] {
    arena::http::Router x;
    auto ok = [](arena::http::Request&) { return arena::http::Response::json(200, "{}"); };
    x.add(arena::http::Method::get, "/healthz", ok);
    x.add(arena::http::Method::post, "/v1/auth/guest", ok);
    x.add(arena::http::Method::get, "/v1/players/{id}", ok);
    x.add(arena::http::Method::patch, "/v1/account", ok);
    return x;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena::http;
  namespace bhttp = boost::beast::http;
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;  // how the bytes arrive: in pieces of this size
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ReaderLimits limits{1024, 4096};
  const std::size_t cap = read_buffer_limit(limits);
  // Requests on one connection, as the server loops over them (keep-alive, pipelining).
  std::string buf;
  for (int request = 0; request < 8; ++request) {
    RequestReader reader(limits);
    auto& parser = reader.parser();
    bool checked = false;
    std::optional<Refusal> refusal;
    boost::system::error_code ec;
    while (!parser.is_done()) {
      if (!buf.empty()) {
        const std::size_t n = parser.put(boost::asio::buffer(buf), ec);
        buf.erase(0, n);
        if (!ec && parser.is_header_done() && !checked) {
          checked = true;
          refusal = reader.check_header();
          if (refusal) break;
        }
        if (!ec) continue;
        if (ec != bhttp::error::need_more) break;
        ec = {};
      }
      if (buf.size() >= cap) {
        ec = bhttp::error::buffer_overflow;
        break;
      }
      if (input.empty()) {
        if (!parser.got_some() && buf.empty()) return 0;  // the peer closed between requests
        parser.put_eof(ec);
        if (!ec) ec = bhttp::error::partial_message;
        break;
      }
      const std::size_t n = std::min({piece, input.size(), cap - buf.size()});
      buf.append(input.substr(0, n));
      input.remove_prefix(n);
    }
    if (!refusal && ec) refusal = reader.refusal_for(ec);
    if (refusal) {
      if (refusal->response.status < 400 || refusal->reason.empty()) __builtin_trap();
      return 0;  // the server answers and closes
    }
    if (ec) return 0;  // the peer left mid-request: nothing is owed
    if (!checked) refusal = reader.check_header();
    if (refusal) return 0;
    Request req = reader.take_request("127.0.0.1");
    static const TrustedProxies proxies = TrustedProxies::parse("127.0.0.0/8, 10.0.0.0/8, fd00::/8");
    req.remote_ip = proxies.client_ip(boost::asio::ip::make_address_v4("127.0.0.1"), req.header("x-forwarded-for"));
    if (req.remote_ip.empty()) __builtin_trap();
    auto m = router().match(req);
    if (m.route != nullptr) (void)m.route->handler(req);
    (void)req.bearer_token();
    (void)req.query_param("sid");
    if (!reader.message().keep_alive()) return 0;
  }
  return 0;
}
