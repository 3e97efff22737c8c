#pragma once
// What the player and board routes read from a request the same way (src/app/player_routes.cpp,
// src/app/board_routes.cpp).
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>

#include "arena/bus/payload.hpp"
#include "arena/core/error.hpp"
#include "arena/http/message.hpp"

namespace arena::app {

// A rating as shown: two decimals.
inline double shown(double v) {
  return std::round(v * 100) / 100;
}

// A number as JSON: a whole number as an integer (not 1.01E2), any other as a double.
inline boost::json::value number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

// `?limit=`: `def` when absent, else 1..max (400 invalid_field otherwise).
inline int page_limit(const http::Request& req, int def, int max) {
  const auto v = req.query_param("limit");
  if (!v) return def;
  int n = 0;
  const auto* end = v->data() + v->size();
  if (std::from_chars(v->data(), end, n).ptr != end || n < 1 || n > max)
    throw Error(Code::invalid_field, "limit is 1.." + std::to_string(max));
  return n;
}

// A key from a request against the configured one, in time that does not depend on where they
// differ (leaderboards.server_key, admin.api_key).
inline bool same_key(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Could this name something (a user, a match)? What cannot names nothing: 404 over REST, null
// over GraphQL, without a look in the store.
inline bool plausible_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && bus::valid_token(id);
}

// A path parameter that names an id: `unknown` when it cannot be one.
inline std::string id_param(const http::Request& req, std::string_view name, Code unknown) {
  const std::string id(req.param(name));
  if (!plausible_id(id)) throw Error(unknown, "no such id");
  return id;
}

}  // namespace arena::app
