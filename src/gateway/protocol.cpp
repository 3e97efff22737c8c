#include "protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "arena/core/error.hpp"

namespace arena::gateway {
namespace json = boost::json;

void parse_envelope(std::string_view text, std::size_t max_depth, Envelope& e) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) throw Error(Code::malformed_json, "frame is not valid JSON: " + ec.message());
  if (!v.is_object()) throw Error(Code::invalid_envelope, "frame must be a JSON object");
  auto& o = v.as_object();
  if (auto* rid = o.if_contains("rid"); rid != nullptr && !rid->is_null()) {
    const bool ok = (rid->is_string() && rid->get_string().size() <= 64) || rid->is_int64() || rid->is_uint64();
    if (!ok) throw Error(Code::invalid_envelope, "rid must be a string (up to 64 bytes) or an integer");
    e.rid = *rid;
  }
  const auto* op = o.if_contains("op");
  if (op == nullptr || !op->is_string() || op->get_string().empty() || op->get_string().size() > 64) {
    throw Error(Code::invalid_envelope, "op must be a non-empty string of up to 64 bytes");
  }
  e.op = std::string(op->get_string());
  if (auto* d = o.if_contains("d"); d != nullptr && !d->is_null()) {
    if (!d->is_object()) throw Error(Code::invalid_envelope, "d must be an object");
    e.d = std::move(d->as_object());
  }
}

std::string reply_frame(std::string_view op, const json::value& rid, const json::object& d) {
  json::object o;
  o["op"] = op;
  if (!rid.is_null()) o["rid"] = rid;
  o["d"] = d;
  return json::serialize(o);
}

std::string error_frame(const json::value& rid, std::string_view code, std::string_view message) {
  return reply_frame("error", rid, json::object{{"code", code}, {"message", message}});
}

std::string event_frame(std::string_view op, const json::object& d) {
  return reply_frame(op, nullptr, d);
}

}  // namespace arena::gateway
