#pragma once
// One WebSocket connection (Beast), on its own strand. Reads frames and hands them to the
// owner; sends frames from a bounded queue. Thread-safe entry points: send(), close().
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arena/gateway/gateway.hpp"
#include "arena/http/upgrade.hpp"
#include "protocol.hpp"
#include "session.hpp"

namespace arena::gateway {

class Connection;

class ConnectionOwner {
 public:
  virtual ~ConnectionOwner() = default;
  // After the WebSocket handshake; false closes the connection.
  virtual bool on_open(const std::shared_ptr<Connection>& c) = 0;
  virtual void on_text(const std::shared_ptr<Connection>& c, std::string_view text) = 0;
  virtual void on_binary(const std::shared_ptr<Connection>& c) = 0;
  virtual void on_rate_limited(const std::shared_ptr<Connection>& c, bool close) = 0;
  virtual void on_closed(const std::shared_ptr<Connection>& c) = 0;
};

struct ConnectionInfo {
  std::string user_id;
  std::string login_id;  // the JWT's sid
  std::int64_t token_expires_at = 0;
  std::string remote_ip;
  std::string subprotocol;  // "arena.v1" when the client offered it
  std::optional<std::string> resume_sid;
  std::optional<std::uint64_t> resume_last_seq;
};

class Connection final : public Sink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(http::Upgrade&& up, ConnectionOwner& owner, const GatewaySettings& settings, GatewayMetrics& metrics,
             ConnectionInfo info);
  ~Connection() override;

  void start();
  void send(Outbound out) override;
  // Sends a close frame with `code` (after what is already being written) and ends the connection.
  void close(CloseCode code, std::string reason);

  const ConnectionInfo& info() const { return info_; }
  void set_token_expiry(std::int64_t at);
  std::int64_t token_expiry() const;
  void set_session(std::shared_ptr<Session> s);
  std::shared_ptr<Session> session() const;

 private:
  // On a plain socket: the WebSocket layer keeps its own timeouts, so tcp_stream's timer
  // state (about 1 KB per connection) would be dead weight.
  using Stream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;
  void pump();  // on the strand
  void fail_slow_consumer();
  void drop_queue();                                         // under mu_
  void drop_queue_storage();                                 // under mu_, when everything queued has been taken
  void do_close(CloseCode code, const std::string& reason);  // on the strand
  bool allow_message();                                      // token bucket, read side

  Stream ws_;
  boost::beast::http::request<boost::beast::http::string_body> upgrade_request_;
  boost::beast::flat_buffer read_buf_;
  ConnectionOwner& owner_;
  const GatewaySettings& settings_;
  GatewayMetrics& metrics_;
  ConnectionInfo info_;

  mutable std::mutex mu_;  // guards the fields below
  // Pending frames from queue_head_ on. A vector, not a deque: libstdc++'s deque allocates
  // ~600 bytes up front, for every idle connection.
  std::vector<Outbound> queue_;
  std::size_t queue_head_ = 0;
  std::size_t queued_bytes_ = 0;
  bool pump_posted_ = false;
  bool writing_ = false;
  bool overflow_ = false;
  bool closing_ = false;
  std::int64_t token_expires_at_ = 0;
  std::shared_ptr<Session> session_;

  // Only on the strand:
  Outbound current_;
  std::array<char, 32> seq_prefix_{};
  std::size_t seq_prefix_len_ = 0;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refilled_;
  int violations_ = 0;
};

}  // namespace arena::gateway
