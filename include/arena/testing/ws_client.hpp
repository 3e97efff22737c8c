#pragma once
// A WebSocket test client (Beast) for 127.0.0.1: connect with a token, send frames, receive
// frames with a bounded wait, observe the close code.
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arena::testing {

struct WsOptions {
  std::string token;             // sent as Authorization: Bearer (unless via_subprotocol)
  bool via_subprotocol = false;  // "arena.v1, bearer.<token>" instead
  std::string query;             // e.g. "sid=...&last_seq=3"
  int receive_buffer_bytes = 0;  // SO_RCVBUF for slow-consumer tests (0 = default)
};

class WsClient {
 public:
  WsClient(std::uint16_t port, const WsOptions& options);
  ~WsClient();

  std::string selected_subprotocol() const;
  // False if the write failed (e.g. the server already closed: an oversize frame is refused
  // as soon as its header is read, before the client has finished writing it).
  bool send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  void send(const boost::json::value& frame);
  // The next frame (parsed), or nullopt if none arrived in time or the connection closed.
  std::optional<boost::json::value> recv(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Skips frames until one with this op arrives (bounded).
  std::optional<boost::json::value> recv_op(const std::string& op,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the server closes; returns the close code (0 if the TCP connection just ended).
  std::optional<int> wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends one text message split into frames of these parts (fragmentation).
  bool send_fragmented(const std::vector<std::string>& parts);
  // Sends a WebSocket ping; pongs and pings heard so far are counted while reading.
  void ping(const std::string& payload);
  int pongs_heard() const;
  int pings_heard() const;
  // Writes bytes straight onto the TCP connection, past the WebSocket layer (to send bad frames).
  void send_raw(const std::string& bytes);
  bool is_open() const;
  void drop();  // closes the TCP socket without a WebSocket close

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Upgrade attempt that is expected to be refused: returns the HTTP status and body.
struct Refusal {
  int status = 0;
  std::string body;
};
Refusal ws_refused(std::uint16_t port, const WsOptions& options);

}  // namespace arena::testing
