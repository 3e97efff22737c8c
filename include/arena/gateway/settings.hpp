#pragma once
// The gateway role's settings: the `gateway.*` section of the settings table
// (src/config/fields.cpp) parses straight into this struct.
#include <chrono>
#include <cstddef>
#include <string>

namespace arena::gateway {

// What a user's second connection does to the first.
enum class SecondConnection { allow, replace };

struct Settings {
  std::size_t max_frame_bytes = std::size_t{64} * 1024;
  int messages_per_second = 50;  // a connection's token bucket: regained per second,
  int message_burst = 100;       // and spent at once
  std::size_t send_queue_messages = 1024;
  std::size_t send_queue_bytes = std::size_t{1} << 20;
  // How long a connection holds messages sent to it (pushes, replies from services) so that those
  // arriving meanwhile share one socket write; 0 writes at once. Replies produced while reading
  // the client's frames go out at the end of that read regardless.
  std::chrono::milliseconds write_delay{0};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds resume_window{30'000};
  std::size_t resume_buffer = 256;  // pushes kept per session for resume
  SecondConnection second_connection = SecondConnection::allow;
  // Cluster mode (redis + NATS): sessions mirrored to Redis, routed pushes kept in a JetStream
  // stream of this many bytes at most, so a session can resume on another gateway.
  bool move_sessions = true;
  std::size_t history_max_bytes = std::size_t{256} << 20;
  std::size_t max_channels = 50;  // per session
  std::size_t max_body_chars = 2000;
  // A closing connection (slow consumer, policy, drain...) whose close frame has not gone out
  // and been answered after this long is dropped.
  std::chrono::milliseconds close_timeout{2'000};
  std::size_t max_sessions_per_user = 8;  // on this gateway, live or resumable
  int upgrades_per_ip_burst = 100;        // WebSocket upgrades one IP may make at once,
  int upgrades_per_ip_per_minute = 600;   // and regains per minute
  // Not gateway.* keys: the component fills these from the process's settings (node_id,
  // http.json_max_depth); tests set them directly.
  std::string node_id = "node-1";
  std::size_t json_max_depth = 32;
  std::chrono::milliseconds request_timeout{5'000};  // bus requests on behalf of a client op
};

}  // namespace arena::gateway
