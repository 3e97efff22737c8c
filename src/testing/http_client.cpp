#include "arena/testing/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include <poll.h>

#include <chrono>

#include "arena/testing/http_capture.hpp"

namespace arena::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {
HttpResult convert(bhttp::response<bhttp::string_body>& res) {
  HttpResult out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
  return out;
}
}  // namespace

boost::json::value HttpResult::json() const {
  return boost::json::parse(body);
}

std::string HttpResult::error_code() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  const auto* err = v.as_object().if_contains("error");
  if (err == nullptr || !err->is_object()) return {};
  const auto* code = err->as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : std::string();
}

struct HttpClient::Impl {
  explicit Impl(std::uint16_t p) : port(p), stream(ioc) {}
  void connect() {
    if (stream.socket().is_open()) return;
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  std::uint16_t port;
  asio::io_context ioc;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::uint16_t port) : impl_(std::make_unique<Impl>(port)) {}
HttpClient::~HttpClient() = default;

bool HttpClient::connected() const {
  return impl_->stream.socket().is_open();
}

HttpResult HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  impl_->connect();
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.keep_alive(true);
  for (auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    if (req.find(bhttp::field::content_type) == req.end()) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  bhttp::write(impl_->stream, req);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::uint64_t{64} * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  bhttp::read(impl_->stream, impl_->buffer, parser);
  auto res = parser.release();
  const bool keep = res.keep_alive();
  HttpResult out = convert(res);
  capture_exchange(method, target, out.status, std::string(res[bhttp::field::content_type]), out.body);
  if (!keep) {
    beast::error_code ec;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    impl_->stream.close();
    impl_->buffer.clear();
  }
  return out;
}

HttpResult HttpClient::get(const std::string& target, const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> h;
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("GET", target, {}, std::move(h));
}

HttpResult HttpClient::post_json(const std::string& target, const std::string& body, const std::string& bearer) {
  std::vector<std::pair<std::string, std::string>> h;
  if (!bearer.empty()) h.emplace_back("Authorization", "Bearer " + bearer);
  return request("POST", target, body, std::move(h));
}

namespace {
// The next response on `s` within 10 s; status 0 if none came. Recorded as method RAW: the
// request was bytes as written, perhaps not HTTP at all.
HttpResult read_response(beast::tcp_stream& s, beast::flat_buffer& buf) {
  s.expires_after(std::chrono::seconds(10));
  bhttp::response<bhttp::string_body> res;
  beast::error_code ec;
  bhttp::read(s, buf, res, ec);
  if (ec) return {};
  HttpResult out = convert(res);
  capture_exchange("RAW", "", out.status, std::string(res[bhttp::field::content_type]), out.body);
  return out;
}
}  // namespace

HttpResult HttpClient::raw(const std::string& bytes) {
  asio::io_context ioc;
  beast::tcp_stream s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port));
  asio::write(s, asio::buffer(bytes));
  beast::flat_buffer buf;
  return read_response(s, buf);
}

HttpResult HttpClient::raw_stream(const std::string& head, char fill, std::size_t fill_bytes) {
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), impl_->port));
  asio::write(s, asio::buffer(head));
  const std::string chunk(16 * 1024, fill);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (std::size_t sent = 0; sent < fill_bytes && std::chrono::steady_clock::now() < deadline;) {
    pollfd p{s.native_handle(), POLLIN | POLLOUT, 0};
    if (::poll(&p, 1, 100) < 0) break;
    if ((p.revents & (POLLIN | POLLERR | POLLHUP)) != 0) break;  // the server answered (or gave up)
    if ((p.revents & POLLOUT) == 0) continue;
    beast::error_code ec;
    const std::size_t n = std::min(chunk.size(), fill_bytes - sent);
    sent += s.write_some(asio::buffer(chunk.data(), n), ec);
    if (ec) break;
  }
  beast::tcp_stream stream(std::move(s));
  beast::flat_buffer buf;
  return read_response(stream, buf);
}

struct HttpClient::Raw::Impl {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buf;
};

HttpClient::Raw::Raw(std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  impl_->stream.socket().set_option(tcp::no_delay(true));
}
HttpClient::Raw::~Raw() = default;

void HttpClient::Raw::send(const std::string& bytes) {
  asio::write(impl_->stream, asio::buffer(bytes));
}

HttpResult HttpClient::Raw::response() {
  return read_response(impl_->stream, impl_->buf);
}

}  // namespace arena::testing
