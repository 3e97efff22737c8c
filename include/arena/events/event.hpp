#pragma once
// Game events: what happened, for analytics. One envelope for every type (docs/events.md lists
// the types and their `data`): `id` (UUIDv7, the de-duplication key), `type`, `time` (unix ms),
// `node`, the optional `user_id`, `match_id`, `mode`, `region`, and a JSON object `data`.
//
// On a stream (the in-process queue, NATS JetStream, RabbitMQ) an event travels as its JSON, in
// a pack with others of its type (decode_message). The consumer
// decodes strictly against a Catalogue of the types it knows: anything else (not JSON, an
// unknown type, data over the limit, a field of the wrong shape) is dead-lettered with one of
// the stable reasons below, never written and never retried.
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace arena::events {

struct Event {
  std::string id;
  std::string type;
  std::int64_t time_ms = 0;
  std::string node;
  std::string user_id, match_id, mode, region;  // empty: none
  std::string data = "{}";                      // a JSON object, serialised
};

// Optional envelope fields of an event being emitted.
struct About {
  std::string user_id, match_id, mode, region;
  std::int64_t time_ms = 0;  // when it happened, if not now (an event re-published from a durable write)
};

struct TypeInfo {
  std::string type;
  // May be dropped when a process's buffer is full (counted). The others come from durable
  // writes (a stored result, a completed job) and are never dropped by the buffer.
  bool droppable = true;
};

// The types a consumer accepts: the built-in ones and those game modes declare.
class Catalogue {
 public:
  Catalogue();  // the built-in types
  // A game mode's own type ("<mode>.<what>", e.g. "cycles.crash"). Throws std::invalid_argument
  // for a malformed name or one that clashes with a built-in type.
  void add(std::string type, bool droppable = true);
  const TypeInfo* find(std::string_view type) const;
  std::vector<TypeInfo> all() const;

 private:
  std::unordered_map<std::string, TypeInfo> types_;
};

// A type name: 3..64 of [a-z0-9_.], two or more dot-separated tokens.
bool valid_type_name(std::string_view type);

struct Limits {
  std::size_t max_data_bytes = 8192;  // the serialised `data`
};

std::string encode(const Event& e);

// Why a message was dead-lettered (stored with it).
enum class Reject { malformed_json, invalid_envelope, unknown_type, data_too_large };
std::string_view to_string(Reject r);

struct Rejected {
  Reject reason;
  std::string detail;
};
std::variant<Event, Rejected> decode(std::string_view bytes, const Catalogue& known, const Limits& limits);

// A message on the stream carries one event (its JSON object) or a pack of them: a JSON array of
// up to kMaxPack encoded events, all of one type (so a broker routes the pack by that type). Packs
// make a broker's work per event small: it stores, confirms, delivers and acks one message for
// many events.
inline constexpr std::size_t kMaxPack = 1000;
std::string encode_pack(const std::vector<std::string>& encoded);  // of encode()'s results
// Each event of a message, decoded as decode() does, with the bytes of each refused one (what its
// dead letter keeps). A message that is no event and no array of them is one refusal.
struct Decoded {
  std::variant<Event, Rejected> result;
  std::string bytes;  // when refused
};
std::vector<Decoded> decode_message(std::string_view bytes, const Catalogue& known, const Limits& limits);

}  // namespace arena::events
