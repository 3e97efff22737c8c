#include "ticket_args.hpp"

#include <cmath>

#include "arena/core/error.hpp"
#include "arena/core/json_input.hpp"

namespace arena::matchmaking {
namespace {
constexpr std::size_t kMaxRegions = 32;
constexpr std::size_t kMaxProperties = 16;
}  // namespace

TicketRequest ticket_args(const boost::json::object& d) {
  TicketRequest req;
  req.mode = core::Fields(d).required_string("mode", 1, 32);
  const auto* regions = d.if_contains("regions");
  if (regions == nullptr) throw Error(Code::missing_field, "regions is required: {\"<region>\": <ping ms>}");
  if (!regions->is_object() || regions->as_object().empty() || regions->as_object().size() > kMaxRegions)
    throw Error(Code::invalid_field, "regions must be an object of 1-32 region pings");
  for (const auto& [name, ping] : regions->as_object()) {
    if (!ping.is_number() || name.size() > 32)
      throw Error(Code::invalid_field, "regions maps region names to pings in milliseconds");
    const double ms = ping.to_number<double>();
    if (!std::isfinite(ms) || ms < 0 || ms > 60'000) throw Error(Code::invalid_field, "pings are 0..60000 ms");
    req.pings[std::string(name)] = static_cast<int>(std::lround(ms));
  }
  if (const auto* props = d.if_contains("properties"); props != nullptr && !props->is_null()) {
    if (!props->is_object() || props->as_object().size() > kMaxProperties)
      throw Error(Code::invalid_field, "properties must be an object of at most 16 entries");
    for (const auto& [k, v] : props->as_object()) {
      if (k.empty() || k.size() > 32) throw Error(Code::invalid_field, "property names are 1-32 characters");
      if (v.is_string() && v.as_string().size() <= 64) {
        req.properties[std::string(k)] = std::string(v.as_string());
      } else if (v.is_number() && std::isfinite(v.to_number<double>())) {
        req.properties[std::string(k)] = v.to_number<double>();
      } else {
        throw Error(Code::invalid_field, "property values are strings (up to 64 characters) or numbers");
      }
    }
  }
  return req;
}

}  // namespace arena::matchmaking
