#include "arena/testing/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

#include "arena/testing/http_capture.hpp"

namespace arena::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
void decorate(websocket::stream<beast::tcp_stream>& ws, const WsOptions& o) {
  ws.set_option(websocket::stream_base::decorator([o](websocket::request_type& req) {
    if (o.via_subprotocol) {
      req.set(beast::http::field::sec_websocket_protocol, "arena.v1, bearer." + o.token);
    } else if (!o.token.empty()) {
      req.set(beast::http::field::authorization, "Bearer " + o.token);
    }
  }));
}
std::string target(const WsOptions& o) {
  return o.query.empty() ? "/v1/ws" : "/v1/ws?" + o.query;
}
}  // namespace

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buf;
  websocket::response_type response;
  bool open = false;
  int pongs = 0;
  int pings = 0;
};

WsClient::WsClient(std::uint16_t port, const WsOptions& options) : impl_(std::make_unique<Impl>()) {
  auto& sock = beast::get_lowest_layer(impl_->ws).socket();
  sock.open(tcp::v4());
  if (options.receive_buffer_bytes > 0)
    sock.set_option(asio::socket_base::receive_buffer_size(options.receive_buffer_bytes));
  beast::get_lowest_layer(impl_->ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  decorate(impl_->ws, options);
  impl_->ws.handshake(impl_->response, "127.0.0.1", target(options));
  capture_exchange("GET", target(options), 101, "", "");
  impl_->open = true;
  impl_->ws.control_callback([impl = impl_.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) ++impl->pongs;
    if (kind == websocket::frame_type::ping) ++impl->pings;
  });
}

WsClient::~WsClient() {
  if (impl_->open) {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  }
}

std::string WsClient::selected_subprotocol() const {
  return std::string(impl_->response[beast::http::field::sec_websocket_protocol]);
}

bool WsClient::send_text(const std::string& text) {
  impl_->ws.text(true);
  beast::error_code ec;
  impl_->ws.write(asio::buffer(text), ec);
  return !ec;
}

bool WsClient::send_fragmented(const std::vector<std::string>& parts) {
  impl_->ws.text(true);
  beast::error_code ec;
  for (std::size_t i = 0; i < parts.size() && !ec; ++i)
    impl_->ws.write_some(i + 1 == parts.size(), asio::buffer(parts[i]), ec);
  return !ec;
}

void WsClient::ping(const std::string& payload) {
  impl_->ws.ping(websocket::ping_data(payload));
}

int WsClient::pongs_heard() const {
  return impl_->pongs;
}

int WsClient::pings_heard() const {
  return impl_->pings;
}

void WsClient::send_raw(const std::string& bytes) {
  asio::write(beast::get_lowest_layer(impl_->ws).socket(), asio::buffer(bytes));
}

void WsClient::send_binary(const std::string& bytes) {
  impl_->ws.binary(true);
  impl_->ws.write(asio::buffer(bytes));
}

void WsClient::send(const boost::json::value& frame) {
  if (!send_text(boost::json::serialize(frame))) throw std::runtime_error("WebSocket write failed");
}

std::optional<boost::json::value> WsClient::recv(std::chrono::milliseconds timeout) {
  if (!impl_->open) return std::nullopt;
  std::optional<beast::error_code> result;
  impl_->buf.clear();
  impl_->ws.async_read(impl_->buf, [&](beast::error_code ec, std::size_t) { result = ec; });
  impl_->ioc.restart();
  impl_->ioc.run_for(timeout);
  if (!result) {
    // Timed out: cancel the read and let the cancellation complete.
    beast::get_lowest_layer(impl_->ws).socket().cancel();
    impl_->ioc.restart();
    impl_->ioc.run();
    if (result && !*result) return boost::json::parse(beast::buffers_to_string(impl_->buf.data()));
    if (result && *result != asio::error::operation_aborted) impl_->open = false;
    return std::nullopt;
  }
  if (*result) {
    impl_->open = false;
    return std::nullopt;
  }
  return boost::json::parse(beast::buffers_to_string(impl_->buf.data()));
}

std::optional<boost::json::value> WsClient::recv_op(const std::string& op, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = recv(left);
    if (!f) return std::nullopt;
    if (f->is_object() && f->as_object().contains("op") && f->as_object().at("op").as_string() == op) return f;
  }
  return std::nullopt;
}

std::optional<int> WsClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl_->open && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    recv(left);
  }
  if (impl_->open) return std::nullopt;
  return static_cast<int>(impl_->ws.reason().code);
}

bool WsClient::is_open() const {
  return impl_->open;
}

void WsClient::drop() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
  impl_->open = false;
}

Refusal ws_refused(std::uint16_t port, const WsOptions& options) {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  decorate(ws, options);
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1", target(options), ec);
  if (!ec) throw std::runtime_error("expected the upgrade to be refused");
  capture_exchange("GET", target(options), static_cast<int>(res.result_int()),
                   std::string(res[beast::http::field::content_type]), res.body());
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace arena::testing
