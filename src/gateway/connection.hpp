#pragma once
// One WebSocket connection, on its own strand. Beast does the opening handshake; after that the
// connection frames its own traffic (ws_frame.hpp): a read brings in every frame that has
// arrived, and every queued frame goes out in one send. An idle connection holds no read buffer
// and no coroutine, only a pending wait for readability.
// Thread-safe entry points: send(), close(), check_idle().
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "arena/core/mutex.hpp"
#include "arena/gateway/gateway.hpp"
#include "arena/http/upgrade.hpp"
#include "link.hpp"
#include "protocol.hpp"
#include "session.hpp"
#include "ws_frame.hpp"

namespace arena::gateway {

class Connection final : public Link, public std::enable_shared_from_this<Connection> {
 public:
  // The connection's life, on its strand. Allowed moves:
  //   handshaking -> open | finished       (the WebSocket handshake succeeded, or failed)
  //   open        -> closing | finished    (we queued our close frame, or the socket went)
  //   closing     -> close_sent | finished (our close frame is written, or the socket went)
  //   close_sent  -> finished              (the peer's close or EOF, or the close timer)
  enum class State { handshaking, open, closing, close_sent, finished };
  // What send() does with a new frame (any thread): queue it, or drop it because the queue
  // overflowed (the connection is being closed with 4008) or the connection is closing.
  enum class Intake { accepting, overflowed, closed };

  Connection(http::Upgrade&& up, LinkOwner& owner, const Settings& settings, GatewayMetrics& metrics,
             ConnectionInfo info);
  ~Connection() override;

  void start();
  void send(Outbound out) override;
  // Sends a close frame with `code` (after what is already being written) and ends the connection.
  void close(CloseCode code, std::string reason) override;

  // From the gateway's sweep: pings a connection that has been silent for half the idle
  // timeout, and drops one silent for all of it (a dead peer never answers a close).
  void check_idle(std::chrono::steady_clock::time_point now) override;

  const ConnectionInfo& info() const override { return info_; }
  void set_token_expiry(std::int64_t at) override;
  std::int64_t token_expiry() const override;
  void set_session(std::shared_ptr<Session> s) override;
  std::shared_ptr<Session> session() const override;

 private:
  struct Handshake;
  using Clock = std::chrono::steady_clock;

  void on_handshake(bool ok);
  void wait_readable();                                           // on the strand
  void on_readable();                                             // on the strand
  bool on_frame(const ws::Reader::Event& e);                      // false: stop reading frames
  void flush();                                                   // on the strand: writes what is queued
  void wait_writable();                                           // on the strand
  bool fill_output();                                             // on the strand: queue -> out_
  void after_flush();                                             // on the strand: close states
  void start_close(std::uint16_t code, std::string_view reason);  // on the strand
  void abort();                                                   // on the strand: closes the socket
  void finish();                                                  // on the strand, once: tells the owner
  void drop_queue() ARENA_REQUIRES(mu_);
  void move_to(State next);  // on the strand; asserts the move is allowed
  bool closing() const { return state_ >= State::closing; }
  bool allow_message();  // token bucket, read side

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<Handshake> handshake_;  // only until the handshake is done
  LinkOwner& owner_;
  const Settings& settings_;
  GatewayMetrics& metrics_;
  ConnectionInfo info_;
  http::IpSlot ip_slot_;  // counts under http.max_connections_per_ip until the socket closes

  mutable core::Mutex mu_;  // guards the fields below
  // Pending frames. A vector, not a deque: libstdc++'s deque allocates ~600 bytes up front,
  // for every idle connection.
  std::vector<Outbound> queue_ ARENA_GUARDED_BY(mu_);
  std::size_t queued_bytes_ ARENA_GUARDED_BY(mu_) = 0;
  Intake intake_ ARENA_GUARDED_BY(mu_) = Intake::accepting;
  bool flush_posted_ ARENA_GUARDED_BY(mu_) = false;   // a flush is on its way to the strand
  bool write_blocked_ ARENA_GUARDED_BY(mu_) = false;  // waiting for the socket to take more
  std::int64_t token_expires_at_ ARENA_GUARDED_BY(mu_) = 0;
  std::shared_ptr<Session> session_ ARENA_GUARDED_BY(mu_);

  // Read by the sweep thread:
  std::atomic<Clock::rep> last_heard_{0};
  std::atomic<bool> ping_sent_{false};

  // Only on the strand:
  ws::Reader reader_;
  std::string partial_;  // bytes of a frame not yet complete
  std::string out_;      // frames being written: headers, seq prefixes and bodies
  std::size_t out_pos_ = 0;
  std::size_t out_bytes_ = 0;  // of queued_bytes_, what out_ took
  std::string control_;        // pong and close frames to write next
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  State state_ = State::handshaking;
  bool waiting_write_ = false;  // a wait for writability is pending
  bool close_in_out_ = false;   // out_ ends with our close frame
  bool discard_ = false;        // no more frames are parsed (the peer's close came, or the stream was bad)
  bool peer_closed_ = false;    // the peer's close frame arrived
  double tokens_ = 0;
  Clock::time_point refilled_;
  int violations_ = 0;
};

}  // namespace arena::gateway
