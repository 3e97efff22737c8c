#pragma once
// A number as JavaScript prints it (graphql-js's messages and values): whole numbers without a
// fraction, others in their shortest round-trip form.
#include <charconv>
#include <cmath>
#include <string>

namespace arena::graphql {

inline std::string js_number(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e21) return std::to_string(static_cast<long long>(d));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

}  // namespace arena::graphql
