// Messages on the event stream, as a broker hands them to the events consumer: any bytes, one
// event or a pack. Every part is read or refused with a stable reason; what is read encodes and
// reads back the same; a refused part keeps bytes for its dead letter.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "arena/events/event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena::events;
  static const Catalogue known;
  const Limits limits{.max_data_bytes = 512};
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto parts = decode_message(bytes, known, limits);
  if (parts.empty() || parts.size() > kMaxPack) std::abort();
  for (const auto& p : parts) {
    if (const auto* e = std::get_if<Event>(&p.result)) {
      const auto again = decode(encode(*e), known, limits);
      const auto* back = std::get_if<Event>(&again);
      if (back == nullptr || back->id != e->id || back->type != e->type || back->data != e->data ||
          back->time_ms != e->time_ms || back->user_id != e->user_id)
        std::abort();
    } else if ((p.bytes.empty() && !bytes.empty()) || to_string(std::get<Rejected>(p.result).reason).empty()) {
      std::abort();  // a dead letter without its bytes or its reason
    }
  }
  return 0;
}
