#pragma once
// RFC 6455 framing for the server side of a WebSocket, with no I/O. The gateway frames its own
// traffic so it can write every queued frame in one send and parse every frame a read brought
// in; Beast still does the opening handshake.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace arena::gateway::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes the reader asks for, and the one a close frame without a code stands for.
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kProtocolError = 1002;
inline constexpr std::uint16_t kNoStatus = 1005;  // never sent: "the close frame had no code"
inline constexpr std::uint16_t kInvalidPayload = 1007;
inline constexpr std::uint16_t kTooBig = 1009;

// Server frames are never masked, so a header is 2, 4 or 10 bytes.
inline constexpr std::size_t kMaxHeader = 10;
// Writes the header of one final (FIN) frame and returns its size.
std::size_t write_header(char* out, Opcode op, std::uint64_t payload_size);
// A whole control frame; the payload is cut to the 125 bytes a control frame may carry.
std::string control_frame(Opcode op, std::string_view payload);
// A close frame with `code` and a reason cut to fit (on a character boundary).
std::string close_frame(std::uint16_t code, std::string_view reason);

bool valid_utf8(std::string_view s);
// Codes a peer may send in a close frame (RFC 6455 section 7.4).
bool valid_close_code(std::uint16_t code);

// Parses client frames: checks masking, opcodes, lengths and fragmentation, unmasks payloads in
// place, reassembles fragmented messages and checks that text is UTF-8.
class Reader {
 public:
  enum class Kind { need_more, text, binary, ping, pong, close, error };
  struct Event {
    Kind kind = Kind::need_more;
    // A message, a ping/pong payload or a close reason. Points into the caller's buffer (or the
    // reader's own for a fragmented message) and is valid until the next call.
    std::string_view payload;
    std::uint16_t code = 0;  // close: the peer's code (kNoStatus when none); error: the code to close with
    const char* error = "";  // error: what was wrong, for the close reason
  };

  explicit Reader(std::size_t max_message) : max_(max_message) {}

  // The next event in data[used, size); advances `used` past the frames it consumed. need_more
  // leaves the bytes of an unfinished frame unconsumed. After an error the stream is unusable.
  Event next(char* data, std::size_t size, std::size_t& used);

  // True while a fragmented message is being reassembled.
  bool in_message() const { return in_message_; }

 private:
  Event fail(std::uint16_t code, const char* why);

  std::size_t max_;
  std::string message_;  // fragments so far (empty for unfragmented messages)
  bool in_message_ = false;
  bool text_ = false;
  bool failed_ = false;
};

}  // namespace arena::gateway::ws
