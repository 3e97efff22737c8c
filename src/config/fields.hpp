#pragma once
// The table of settings (private to the config module).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "arena/config/settings.hpp"

namespace arena::config::detail {

struct Field {
  std::string key;
  std::string help;
  bool secret = false;
  // Parses `value` into `s`; throws std::invalid_argument describing what was expected.
  std::function<void(Settings& s, std::string_view value)> set;
  std::function<std::string(const Settings& s)> get;
};

const std::vector<Field>& fields();
const Field* find_field(std::string_view key);

std::string env_name(std::string_view key);   // http.max_body_bytes -> ARENA_HTTP_MAX_BODY_BYTES
std::string flag_name(std::string_view key);  // http.max_body_bytes -> --http-max-body-bytes

// Value parsers, exposed for tests.
std::int64_t parse_int(std::string_view v, std::int64_t min, std::int64_t max);
std::size_t parse_size(std::string_view v, std::size_t min, std::size_t max);
Millis parse_duration(std::string_view v, Millis min, Millis max);
bool parse_bool(std::string_view v);
std::string format_duration(Millis d);

}  // namespace arena::config::detail
