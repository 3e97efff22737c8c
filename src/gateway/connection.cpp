#include "connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstring>

namespace arena::gateway {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
constexpr int kReadsPerWakeup = 4;              // then other connections get a turn
constexpr std::size_t kMaxControlBytes = 1024;  // pongs owed to a peer that pings without reading

bool would_block(const error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}
}  // namespace

struct Connection::Handshake {
  websocket::stream<asio::ip::tcp::socket> ws;
  beast::http::request<beast::http::string_body> request;
};

Connection::Connection(http::Upgrade&& up, LinkOwner& owner, const Settings& settings, GatewayMetrics& metrics,
                       ConnectionInfo info)
    : socket_(up.stream.get_executor()),
      handshake_(
          new Handshake{websocket::stream<asio::ip::tcp::socket>(up.stream.release_socket()), std::move(up.request)}),
      owner_(owner),
      settings_(settings),
      metrics_(metrics),
      info_(std::move(info)),
      ip_slot_(std::move(up.slot)),
      token_expires_at_(info_.token_expires_at),
      reader_(settings.max_frame_bytes) {}

Connection::~Connection() = default;

void Connection::start() {
  auto& ws = handshake_->ws;
  ws.set_option(websocket::stream_base::timeout{kHandshakeTimeout, websocket::stream_base::none(), false});
  ws.set_option(websocket::stream_base::decorator([sp = info_.subprotocol](websocket::response_type& res) {
    res.set(beast::http::field::server, "arena");
    if (!sp.empty()) res.set(beast::http::field::sec_websocket_protocol, sp);
  }));
  ws.async_accept(handshake_->request, [self = shared_from_this()](error_code ec) { self->on_handshake(!ec); });
}

void Connection::on_handshake(bool ok) {
  // From here on the connection frames its own traffic on the bare socket.
  socket_ = std::move(handshake_->ws.next_layer());
  handshake_.reset();
  error_code ec;
  if (!ok || (socket_.non_blocking(true, ec), ec)) {
    socket_.close(ec);
    return;
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  move_to(State::open);
  metrics_.connections_open.inc();
  metrics_.connections_total.inc();
  tokens_ = settings_.message_burst;
  refilled_ = Clock::now();
  last_heard_.store(refilled_.time_since_epoch().count(), std::memory_order_relaxed);
  owner_.on_open(shared_from_this());
  wait_readable();
  flush();
}

void Connection::wait_readable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (ec) {
      self->abort();
      self->finish();
      return;
    }
    self->on_readable();
  });
}

void Connection::on_readable() {
  // One buffer per I/O thread: an idle connection keeps only the bytes of an unfinished frame.
  thread_local std::vector<char> buf;
  // The flush at the end writes whatever the frames queue (replies, pushes from any thread
  // meanwhile): send() posts no flush of its own until then.
  bool hold_flush = false;
  {
    core::Lock lock(mu_);
    hold_flush = !flush_posted_;
    flush_posted_ = true;
  }
  for (int round = 0; round < kReadsPerWakeup && socket_.is_open(); ++round) {
    const std::size_t keep = partial_.size();
    if (buf.size() < keep + kReadChunk) buf.resize(keep + kReadChunk);
    if (keep != 0) std::memcpy(buf.data(), partial_.data(), keep);
    error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buf.data() + keep, kReadChunk), ec);
    if (would_block(ec)) break;
    if (ec) {  // EOF or reset: no close handshake to wait for
      abort();
      break;
    }
    last_heard_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    ping_sent_.store(false, std::memory_order_relaxed);
    const std::size_t size = keep + n;
    std::size_t used = 0;
    while (!discard_ && socket_.is_open()) {
      const auto e = reader_.next(buf.data(), size, used);
      if (e.kind == ws::Reader::Kind::need_more) break;
      discard_ = !on_frame(e);
    }
    if (discard_) {
      partial_.clear();  // after a close or a protocol error, what follows is read and dropped
    } else {
      partial_.assign(buf.data() + used, size - used);
    }
    if (partial_.empty() && partial_.capacity() > 64) std::string().swap(partial_);
    if (n < kReadChunk) break;
  }
  if (hold_flush) {
    core::Lock lock(mu_);
    flush_posted_ = false;
  }
  if (socket_.is_open()) flush();  // replies and pongs the frames produced, in one send
  if (!socket_.is_open()) {
    finish();
    return;
  }
  wait_readable();
}

bool Connection::on_frame(const ws::Reader::Event& e) {
  using Kind = ws::Reader::Kind;
  auto self = shared_from_this();
  switch (e.kind) {
    case Kind::text:
    case Kind::binary:
      if (closing()) return true;  // messages are dropped
      if (!allow_message()) {
        owner_.on_rate_limited(self, violations_ > settings_.message_burst);
      } else if (e.kind == Kind::binary) {
        owner_.on_binary(self);
      } else {
        owner_.on_text(self, e.payload);
      }
      return true;
    case Kind::ping:
      if (!closing() && control_.size() < kMaxControlBytes) control_ += ws::control_frame(ws::Opcode::pong, e.payload);
      return true;
    case Kind::pong: return true;
    case Kind::close:
      peer_closed_ = true;
      if (state_ == State::close_sent) {
        abort();  // the close handshake is complete
      } else {
        start_close(e.code == ws::kNoStatus ? ws::kNormal : e.code, {});  // echo the peer's code
      }
      return false;
    case Kind::error:
      metrics_.closes.with({std::to_string(e.code)}).inc();
      start_close(e.code, e.error);
      return false;
    case Kind::need_more: break;
  }
  return true;
}

bool Connection::allow_message() {
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ = std::min(static_cast<double>(settings_.message_burst), tokens_ + elapsed * settings_.messages_per_second);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  ++violations_;
  return false;
}

void Connection::send(Outbound out) {
  bool post = false;
  bool overflowed = false;
  {
    core::Lock lock(mu_);
    if (intake_ != Intake::accepting) return;
    if (queue_.size() >= settings_.send_queue_messages || queued_bytes_ + out.size() > settings_.send_queue_bytes) {
      intake_ = Intake::overflowed;
      overflowed = true;
    } else {
      queued_bytes_ += out.size();
      queue_.push_back(std::move(out));
    }
    if (!flush_posted_ && !write_blocked_) {
      flush_posted_ = true;
      post = true;
    }
  }
  // Past its bound the connection is closed now, not when (if ever) the socket drains: a peer
  // that stops reading but keeps sending would otherwise stay open for ever. The close frame
  // waits behind what is being written; the close timer drops the socket if it never goes.
  if (overflowed) {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->closing() || !self->socket_.is_open()) return;
      self->metrics_.closes.with({"4008"}).inc();
      self->start_close(static_cast<std::uint16_t>(CloseCode::slow_consumer), "slow consumer");
      self->flush();
    });
  }
  // One strand hop per batch of sends, not per message; with a write delay, the hop waits so
  // what comes meanwhile goes out in the same write.
  if (post) {
    auto run = [self = shared_from_this()] {
      {
        core::Lock lock(self->mu_);
        self->flush_posted_ = false;
      }
      self->flush();
    };
    if (settings_.write_delay.count() == 0) {
      asio::post(socket_.get_executor(), std::move(run));
    } else {
      // A timer per delayed flush, owned by its handler: an idle connection keeps none.
      auto timer = std::make_shared<asio::steady_timer>(socket_.get_executor(), settings_.write_delay);
      timer->async_wait([timer, run = std::move(run)](error_code) { run(); });
    }
  }
}

// Moves what is queued into out_: control frames first (they may go between messages, never
// inside one), then every queued message, each framed, with its seq prefix.
bool Connection::fill_output() {
  out_.clear();
  out_pos_ = 0;
  {
    core::Lock lock(mu_);
    queued_bytes_ -= std::min(queued_bytes_, out_bytes_);
    out_bytes_ = 0;
  }
  if (!control_.empty()) {
    if (state_ == State::closing) close_in_out_ = true;  // the close frame is the last control frame
    out_.swap(control_);
    std::string().swap(control_);
  }
  core::Lock lock(mu_);
  if (!queue_.empty()) {
    std::size_t total = out_.size();
    for (const auto& o : queue_) total += ws::kMaxHeader + 24 + o.body->size();
    out_.reserve(total);
    std::array<char, ws::kMaxHeader + 32> head{};
    for (const auto& o : queue_) {
      std::size_t prefix = 0;
      char seq[32] = {};
      if (o.seq != 0)
        prefix = static_cast<std::size_t>(
            std::snprintf(seq, sizeof seq, "{\"seq\":%llu,", static_cast<unsigned long long>(o.seq)));
      const std::size_t h = ws::write_header(head.data(), ws::Opcode::text, prefix + o.body->size());
      std::memcpy(head.data() + h, seq, prefix);
      out_.append(head.data(), h + prefix);
      out_.append(*o.body);
      out_bytes_ += o.size();
    }
    metrics_.frames_out.inc(queue_.size());
    queue_.clear();
    queue_.shrink_to_fit();  // an idle socket keeps no queue storage
  }
  return !out_.empty();
}

void Connection::flush() {
  if (waiting_write_ || !socket_.is_open()) return;
  for (;;) {
    if (out_pos_ == out_.size()) {
      if (close_in_out_) break;  // our close frame is out: nothing may follow it
      if (!fill_output()) break;
    }
    error_code ec;
    const std::size_t n = socket_.write_some(asio::buffer(out_.data() + out_pos_, out_.size() - out_pos_), ec);
    if (would_block(ec)) {
      wait_writable();
      return;
    }
    if (ec) {
      abort();
      return;
    }
    metrics_.writes.inc();
    out_pos_ += n;
  }
  std::string().swap(out_);  // an idle socket keeps no write buffer
  out_pos_ = 0;
  if (close_in_out_) {
    close_in_out_ = false;
    move_to(State::close_sent);
    if (peer_closed_) {
      abort();  // the close handshake is complete
    } else {
      // Our half is done; read (and drop) until the peer's close frame or EOF, or the grace timer.
      error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    }
  }
}

void Connection::wait_writable() {
  waiting_write_ = true;
  {
    core::Lock lock(mu_);
    write_blocked_ = true;
  }
  socket_.async_wait(asio::ip::tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
    self->waiting_write_ = false;
    {
      core::Lock lock(self->mu_);
      self->write_blocked_ = false;
    }
    if (ec) {
      self->abort();
      return;
    }
    self->flush();
  });
}

void Connection::start_close(std::uint16_t code, std::string_view reason) {
  if (state_ != State::open) return;
  move_to(State::closing);
  {
    core::Lock lock(mu_);
    intake_ = Intake::closed;
    drop_queue();
  }
  control_ += ws::close_frame(code, reason);
  // The peer may never answer (or never read): the close timer ends the connection regardless.
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), settings_.close_timeout);
  close_timer_->async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->abort();
  });
}

void Connection::close(CloseCode code, std::string reason) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() {
    if (self->state_ != State::open) return;
    self->metrics_.closes.with({std::to_string(static_cast<int>(code))}).inc();
    self->flush();  // what was sent before the close goes first, even while a write delay holds it
    self->start_close(static_cast<std::uint16_t>(code), reason);
    self->flush();
  });
}

void Connection::check_idle(Clock::time_point now) {
  const auto heard = Clock::time_point(Clock::duration(last_heard_.load(std::memory_order_relaxed)));
  if (heard.time_since_epoch().count() == 0) return;  // not open yet
  const auto quiet = now - heard;
  if (quiet >= settings_.idle_timeout) {
    // Dead or gone: a close frame would not be answered.
    last_heard_.store(0, std::memory_order_relaxed);
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::finished) return;
      self->metrics_.closes.with({"idle"}).inc();
      self->abort();
    });
  } else if (quiet >= settings_.idle_timeout / 2 && !ping_sent_.exchange(true, std::memory_order_relaxed)) {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->closing() || !self->socket_.is_open()) return;
      self->control_ += ws::control_frame(ws::Opcode::ping, {});
      self->flush();
    });
  }
}

void Connection::abort() {
  if (!socket_.is_open()) return;
  error_code ignored;
  socket_.close(ignored);  // cancels the pending waits; the read side then calls finish()
}

void Connection::finish() {
  if (state_ == State::finished) return;
  const bool was_open = state_ != State::handshaking;
  move_to(State::finished);
  {
    core::Lock lock(mu_);
    intake_ = Intake::closed;
    drop_queue();
  }
  if (close_timer_) close_timer_->cancel();
  ip_slot_.reset();
  std::string().swap(out_);
  std::string().swap(control_);
  std::string().swap(partial_);
  if (!was_open) return;
  metrics_.connections_open.dec();
  owner_.on_closed(shared_from_this());
}

void Connection::move_to(State next) {
  const bool allowed = [&] {
    switch (state_) {
      case State::handshaking: return next == State::open || next == State::finished;
      case State::open: return next == State::closing || next == State::finished;
      case State::closing: return next == State::close_sent || next == State::finished;
      case State::close_sent: return next == State::finished;
      case State::finished: return false;
    }
    return false;
  }();
  assert(allowed && "a connection state move that is not allowed");
  (void)allowed;
  state_ = next;
}

void Connection::drop_queue() {
  queue_.clear();
  queue_.shrink_to_fit();
  queued_bytes_ = 0;
}

void Connection::set_token_expiry(std::int64_t at) {
  core::Lock lock(mu_);
  token_expires_at_ = at;
}

std::int64_t Connection::token_expiry() const {
  core::Lock lock(mu_);
  return token_expires_at_;
}

void Connection::set_session(std::shared_ptr<Session> s) {
  core::Lock lock(mu_);
  session_ = std::move(s);
}

std::shared_ptr<Session> Connection::session() const {
  core::Lock lock(mu_);
  return session_;
}

}  // namespace arena::gateway
