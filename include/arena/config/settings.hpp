#pragma once
// Every setting Arena reads, as plain structs. Defaults live here; src/config/fields.cpp
// declares each setting's key, help text and parser once, and every source (TOML file, .env,
// ARENA_* environment, command-line flags) goes through that table.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace arena::config {

using Millis = std::chrono::milliseconds;

struct HttpSettings {
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
  Millis idle_timeout{60'000};      // keep-alive idle and slow-request cut-off
  Millis shutdown_timeout{10'000};  // how long a drain waits for in-flight requests
  int threads = 0;                  // I/O threads; 0 = one per core
  int blocking_threads = 2;         // pool for slow handlers (password hashing)
  int storage_threads = 4;          // pool for handlers that wait for storage (logins, accounts)
  bool access_log = true;
  int json_max_depth = 32;
  int max_connections_per_ip = 1000;  // HTTP and WebSocket together; 0 = no limit
};

struct AuthSettings {
  std::string issuer = "arena";
  std::string audience = "arena";
  Millis access_ttl{15 * 60 * 1000};
  Millis refresh_ttl{30LL * 24 * 3600 * 1000};
  Millis clock_skew{5'000};
  // Key ring "kid:secret,kid:secret" (secret: base64url, >= 32 bytes). Empty: a key is generated
  // once and kept in <data_dir>/jwt.keys.
  std::string jwt_keys;
  std::string jwt_active_kid;  // signs new tokens; empty = the first key in the ring
  int argon2_opslimit = 2;
  std::size_t argon2_memlimit = std::size_t{64} * 1024 * 1024;
  // Token buckets for login/register: per client IP and per account (email).
  int ip_burst = 20;
  int ip_per_minute = 20;
  int account_burst = 10;
  int account_per_minute = 5;
};

struct GatewaySettings {
  std::size_t max_frame_bytes = std::size_t{64} * 1024;
  int messages_per_second = 50;
  int message_burst = 100;
  int send_queue_messages = 1024;
  std::size_t send_queue_bytes = std::size_t{1} << 20;
  Millis idle_timeout{60'000};
  Millis resume_window{30'000};
  int resume_buffer = 256;
  std::string second_connection = "allow";  // allow | replace
  int max_channels = 50;
  int max_body_chars = 2000;
  Millis close_timeout{2'000};  // a closing connection's close frame must go out (and be answered) in this
  int max_sessions_per_user = 8;
  int upgrades_per_ip_burst = 100;
  int upgrades_per_ip_per_minute = 600;
};

struct ChannelSettings {
  int max_members = 10'000;
};

struct MatchmakingSettings {
  std::chrono::milliseconds interval{250};       // how often matches are formed
  std::chrono::milliseconds invite_ttl{60'000};  // party invites expire
  int max_party_size = 5;
  int invites_per_minute = 20;                      // party invites one user may send (also the burst)
  int max_open_invites = 20;                        // open invites one user may hold
  std::chrono::milliseconds match_hold{1'800'000};  // a matched player cannot queue until match.ended, or this long
  int default_rating = 1500;                        // for players without a rating yet
  bool builtin_modes = true;  // run the built-in modes (duel, squads, teams, ffa, practice, four)
  // [matchmaking.modes.<name>] tables as written (TOML only): each overrides the built-in mode
  // of its name key by key, or adds a mode.
  std::map<std::string, std::map<std::string, std::string>> modes;
};

struct HostSettings {
  int threads = 2;                                    // scheduler threads that tick every match of this host
  std::string bot_policy;                             // host:port of a gRPC bot policy service; empty: rule-based bots
  std::chrono::milliseconds bot_policy_deadline{40};  // a later answer is replaced by the rule-based bot
};

struct LogSettings {
  std::string level = "info";
  std::string format = "text";
};

struct Settings {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./var";
  std::string node_id;         // empty: <hostname>-<random>
  std::string bus = "memory";  // memory | nats://host:port[,nats://...]
  std::string roles = "all";   // all, or a comma list of: auth, gateway, sessions, matchmaker, host
  HttpSettings http;
  AuthSettings auth;
  GatewaySettings gateway;
  ChannelSettings channels;
  MatchmakingSettings matchmaking;
  HostSettings host;
  LogSettings log;
};

// The roles in `roles` ("all" expands to every role). Throws std::invalid_argument.
std::vector<std::string> parse_roles(std::string_view roles);

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};
// "host:port", "[v6]:port"; throws std::invalid_argument.
Endpoint parse_endpoint(std::string_view text);

}  // namespace arena::config
