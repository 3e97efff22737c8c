#pragma once
// A logged-in WebSocket player for integration tests, and small JSON/metrics helpers.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "arena/testing/ws_client.hpp"

namespace arena::testing {

struct Login {
  std::string user_id, token;
};

// POST /v1/auth/guest.
Login guest(std::uint16_t port);

// The string at `path` inside nested objects (throws if absent).
std::string str(const boost::json::value& v, std::initializer_list<const char*> path);

// {"op","d","rid"?}
boost::json::value frame(const char* op, boost::json::object d = {}, boost::json::value rid = nullptr);

// Connects and consumes the welcome.
struct Player {
  Player(std::uint16_t port, Login l, const WsOptions& extra = {});
  // Sends a request and returns its reply; pushes that arrive first wait in the backlog.
  boost::json::value request(const char* op, boost::json::object d, int rid);
  // The next frame: from the backlog first, then the socket.
  std::optional<boost::json::value> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next frame with this op, skipping others (bounded).
  std::optional<boost::json::value> next(const std::string& op,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The next push with this op whose d.<key> equals `value` (e.g. mm.status with state "found").
  std::optional<boost::json::value> next_where(const std::string& op, const char* key, const std::string& value,
                                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  std::deque<boost::json::value> backlog;
  Login login;
  std::unique_ptr<WsClient> ws;
  boost::json::value welcome;
  std::string sid;
};

// GET /metrics, and the value of one series in it ("name{labels}"), 0 when it is not there yet.
std::string metrics(std::uint16_t port);
double metric(std::uint16_t port, const std::string& series);

}  // namespace arena::testing
