#include "connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>

namespace arena::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kCloseGrace = std::chrono::seconds(2);

websocket::close_reason reason_of(CloseCode code, std::string_view text) {
  websocket::close_reason r;
  r.code = static_cast<std::uint16_t>(code);
  r.reason = std::string(text);
  return r;
}
}  // namespace

Connection::Connection(http::Upgrade&& up, ConnectionOwner& owner, const GatewaySettings& settings,
                       GatewayMetrics& metrics, ConnectionInfo info)
    : ws_(up.stream.release_socket()),
      upgrade_request_(std::move(up.request)),
      owner_(owner),
      settings_(settings),
      metrics_(metrics),
      info_(std::move(info)),
      token_expires_at_(info_.token_expires_at) {}

Connection::~Connection() = default;

void Connection::start() {
  asio::co_spawn(
      ws_.get_executor(),
      [self = shared_from_this()]() -> asio::awaitable<void> {
        auto& ws = self->ws_;
        ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), self->settings_.idle_timeout,
                                                      /*keep_alive_pings=*/true});
        ws.read_message_max(self->settings_.max_frame_bytes);
        ws.set_option(websocket::stream_base::decorator([sp = self->info_.subprotocol](websocket::response_type& res) {
          res.set(beast::http::field::server, "arena");
          if (!sp.empty()) res.set(beast::http::field::sec_websocket_protocol, sp);
        }));
        auto [aec] = co_await ws.async_accept(self->upgrade_request_, use_tuple);
        self->upgrade_request_ = {};
        if (aec) co_return;
        ws.text(true);
        self->metrics_.connections_open.inc();
        self->metrics_.connections_total.inc();
        self->tokens_ = self->settings_.message_burst;
        self->refilled_ = std::chrono::steady_clock::now();
        if (self->owner_.on_open(self)) {
          for (;;) {
            // One message, read in pieces. The first piece asks for little: a plain async_read
            // prepares Beast's 1.5 KB frame size in the buffer before any byte arrives, which every
            // idle socket would then hold while it waits.
            beast::error_code ec;
            std::size_t limit = 64;
            do {
              auto [rec, n] = co_await ws.async_read_some(self->read_buf_, limit, use_tuple);
              ec = rec;
              limit = 4096;
            } while (!ec && !ws.is_message_done());
            if (ec) break;
            const bool allowed = self->allow_message();
            if (!allowed) {
              self->owner_.on_rate_limited(self, self->violations_ > self->settings_.message_burst);
            } else if (!ws.got_text()) {
              self->owner_.on_binary(self);
            } else {
              const auto data = self->read_buf_.cdata();
              self->owner_.on_text(self, std::string_view(static_cast<const char*>(data.data()), data.size()));
            }
            self->read_buf_.consume(self->read_buf_.size());
            // Keep a small buffer for the next small message; give back what a big one needed.
            if (self->read_buf_.capacity() > 512) self->read_buf_.shrink_to_fit();
          }
        }
        {
          std::lock_guard lock(self->mu_);
          self->closing_ = true;
          self->drop_queue();
        }
        self->metrics_.connections_open.dec();
        self->owner_.on_closed(self);
      },
      asio::detached);
}

bool Connection::allow_message() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(settings_.message_burst, tokens_ + elapsed * settings_.messages_per_second);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  ++violations_;
  return false;
}

void Connection::send(Outbound out) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (closing_ || overflow_) return;
    if (queue_.size() - queue_head_ >= settings_.send_queue_messages ||
        queued_bytes_ + out.size() > settings_.send_queue_bytes) {
      overflow_ = true;
      post = !pump_posted_;
      pump_posted_ = true;
    } else {
      queued_bytes_ += out.size();
      queue_.push_back(std::move(out));
      if (!pump_posted_ && !writing_) {
        pump_posted_ = true;
        post = true;
      }
    }
  }
  // One strand hop per batch of sends, not per message.
  if (post) asio::post(ws_.get_executor(), [self = shared_from_this()] { self->pump(); });
}

void Connection::pump() {
  enum class Next { nothing, fail, write } next = Next::nothing;
  {
    std::lock_guard lock(mu_);
    pump_posted_ = false;
    if (overflow_ && !closing_) {
      closing_ = true;
      drop_queue();
      next = Next::fail;
    } else if (!writing_ && queue_head_ < queue_.size() && !closing_) {
      writing_ = true;
      current_ = std::move(queue_[queue_head_++]);
      if (queue_head_ == queue_.size()) drop_queue_storage();
      next = Next::write;
    }
  }
  if (next == Next::fail) fail_slow_consumer();
  if (next != Next::write) return;
  metrics_.frames_out.inc();
  auto done = [self = shared_from_this()](beast::error_code ec, std::size_t) {
    {
      std::lock_guard lock(self->mu_);
      self->writing_ = false;
      self->queued_bytes_ -= std::min(self->queued_bytes_, self->current_.size());
      if (ec) {
        self->closing_ = true;
        self->drop_queue();
      }
    }
    self->current_ = {};
    if (!ec) self->pump();
  };
  if (current_.seq != 0) {
    const int len = std::snprintf(seq_prefix_.data(), seq_prefix_.size(), "{\"seq\":%llu,",
                                  static_cast<unsigned long long>(current_.seq));
    seq_prefix_len_ = static_cast<std::size_t>(len);
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(seq_prefix_.data(), seq_prefix_len_),
                                                 asio::buffer(*current_.body)};
    ws_.async_write(bufs, std::move(done));
  } else {
    ws_.async_write(asio::buffer(*current_.body), std::move(done));
  }
}

void Connection::fail_slow_consumer() {
  metrics_.closes.with({"4008"}).inc();
  auto self = shared_from_this();
  // The peer is not reading: the close frame may never get out, so the grace timer ends it.
  auto timer = std::make_shared<asio::steady_timer>(ws_.get_executor(), kCloseGrace);
  timer->async_wait([self, timer](beast::error_code) {
    beast::error_code ignored;
    self->ws_.next_layer().close(ignored);
  });
  ws_.async_close(reason_of(CloseCode::slow_consumer, "slow consumer"),
                  [self, timer](beast::error_code) { timer->cancel(); });
}

void Connection::close(CloseCode code, std::string reason) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), code, reason = std::move(reason)]() { self->do_close(code, reason); });
}

void Connection::do_close(CloseCode code, const std::string& reason) {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
    drop_queue();
  }
  metrics_.closes.with({std::to_string(static_cast<int>(code))}).inc();
  auto self = shared_from_this();
  auto timer = std::make_shared<asio::steady_timer>(ws_.get_executor(), kCloseGrace);
  timer->async_wait([self, timer](beast::error_code ec) {
    if (ec) return;  // the close finished first
    beast::error_code ignored;
    self->ws_.next_layer().close(ignored);
  });
  ws_.async_close(reason_of(code, reason), [self, timer](beast::error_code) { timer->cancel(); });
}

void Connection::drop_queue() {
  queue_.clear();
  queue_head_ = 0;
  queued_bytes_ = 0;
}

void Connection::drop_queue_storage() {
  queue_.clear();
  queue_head_ = 0;
  if (queue_.capacity() > 16) queue_.shrink_to_fit();  // a burst's storage is not kept by an idle socket
}

void Connection::set_token_expiry(std::int64_t at) {
  std::lock_guard lock(mu_);
  token_expires_at_ = at;
}

std::int64_t Connection::token_expiry() const {
  std::lock_guard lock(mu_);
  return token_expires_at_;
}

void Connection::set_session(std::shared_ptr<Session> s) {
  std::lock_guard lock(mu_);
  session_ = std::move(s);
}

std::shared_ptr<Session> Connection::session() const {
  std::lock_guard lock(mu_);
  return session_;
}

}  // namespace arena::gateway
