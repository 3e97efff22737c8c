// The WebSocket frame reader as a connection drives it: bytes arrive in reads of varying size,
// unfinished frames are kept and completed by the next read, after an error nothing is parsed.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "gateway/protocol.hpp"
#include "gateway/ws_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace arena::gateway;
  if (size < 2) return 0;
  const std::size_t read = 1 + data[0] * 8u;  // bytes per read
  ws::Reader reader(1 + data[1] * 64u);       // gateway.max_frame_bytes
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string partial;
  std::vector<char> buf;
  bool failed = false;
  while (!input.empty() && !failed) {
    const std::size_t n = std::min(read, input.size());
    buf.assign(partial.begin(), partial.end());
    buf.insert(buf.end(), input.begin(), input.begin() + static_cast<std::ptrdiff_t>(n));
    input.remove_prefix(n);
    std::size_t used = 0;
    for (;;) {
      const auto e = reader.next(buf.data(), buf.size(), used);
      if (used > buf.size()) __builtin_trap();
      if (e.kind == ws::Reader::Kind::need_more) break;
      if (e.kind == ws::Reader::Kind::error) {
        if (e.code < 1000) __builtin_trap();  // every error closes with a real code
        failed = true;
        break;
      }
      if (e.kind == ws::Reader::Kind::text) {  // what the gateway does with a message
        Envelope env;
        try {
          parse_envelope(e.payload, 32, env);
        } catch (const std::exception&) {
        }
      }
      if (e.kind == ws::Reader::Kind::close) {
        failed = true;
        break;
      }
    }
    partial.assign(buf.data() + used, buf.size() - used);
  }
  return 0;
}
