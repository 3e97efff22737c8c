#pragma once
// Turning untrusted JSON bytes into typed values, with Errors that name the offending field.
// Codes: malformed_json (not JSON, too deep), invalid_body (not an object), missing_field,
// invalid_field (wrong type or out of range).
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace arena::core {

struct JsonLimits {
  std::size_t max_depth = 32;
};

// Parses `text` as any JSON value.
boost::json::value parse_json(std::string_view text, const JsonLimits& limits);
// Parses `text` as a JSON object. An empty text is an empty object when `empty_ok`.
boost::json::object parse_object(std::string_view text, const JsonLimits& limits, bool empty_ok = false);

// Typed access to an object's fields.
class Fields {
 public:
  explicit Fields(const boost::json::object& obj) : obj_(obj) {}

  // A string of min..max code points; missing -> missing_field, other type -> invalid_field.
  std::string required_string(std::string_view key, std::size_t min_len, std::size_t max_len) const;
  std::optional<std::string> optional_string(std::string_view key, std::size_t min_len, std::size_t max_len) const;
  std::optional<std::int64_t> optional_int(std::string_view key, std::int64_t min, std::int64_t max) const;
  const boost::json::object& object() const { return obj_; }

 private:
  const boost::json::object& obj_;
};

}  // namespace arena::core
