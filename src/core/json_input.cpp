#include "arena/core/json_input.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "arena/core/encoding.hpp"
#include "arena/core/error.hpp"

namespace arena::core {
namespace json = boost::json;

json::value parse_json(std::string_view text, const JsonLimits& limits) {
  json::parse_options opts;
  opts.max_depth = limits.max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) {
    if (ec == json::error::too_deep)
      throw Error(Code::malformed_json, "JSON nests deeper than " + std::to_string(limits.max_depth));
    throw Error(Code::malformed_json, "body is not valid JSON: " + ec.message());
  }
  return v;
}

json::object parse_object(std::string_view text, const JsonLimits& limits, bool empty_ok) {
  if (text.empty() && empty_ok) return {};
  json::value v = parse_json(text, limits);
  if (!v.is_object()) throw Error(Code::invalid_body, "body must be a JSON object");
  return std::move(v.as_object());
}

namespace {
std::string check_string(std::string_view key, const json::value& v, std::size_t min_len, std::size_t max_len) {
  if (!v.is_string()) throw Error(Code::invalid_field, std::string(key) + " must be a string");
  const json::string& s = v.get_string();
  const std::string_view sv(s.data(), s.size());
  if (!is_clean_utf8(sv))
    throw Error(Code::invalid_field, std::string(key) + " contains control characters or bad UTF-8");
  const std::size_t len = utf8_length(sv);
  if (len < min_len || len > max_len)
    throw Error(Code::invalid_field, std::string(key) + " must be " + std::to_string(min_len) + " to " +
                                         std::to_string(max_len) + " characters");
  return std::string(sv);
}
}  // namespace

std::string Fields::required_string(std::string_view key, std::size_t min_len, std::size_t max_len) const {
  const json::value* v = obj_.if_contains(key);
  if (v == nullptr || v->is_null()) throw Error(Code::missing_field, std::string(key) + " is required");
  return check_string(key, *v, min_len, max_len);
}

std::optional<std::string> Fields::optional_string(std::string_view key, std::size_t min_len,
                                                   std::size_t max_len) const {
  const json::value* v = obj_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  return check_string(key, *v, min_len, max_len);
}

std::optional<std::int64_t> Fields::optional_int(std::string_view key, std::int64_t min, std::int64_t max) const {
  const json::value* v = obj_.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(max)) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else {
    throw Error(Code::invalid_field, std::string(key) + " must be an integer");
  }
  if (n < min || n > max)
    throw Error(Code::invalid_field,
                std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

}  // namespace arena::core
