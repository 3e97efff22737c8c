#include "ws_frame.hpp"

#include <cstring>

namespace arena::gateway::ws {

namespace {

std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// XORs the payload with the 4-byte key, eight bytes at a time where it can.
void unmask(char* data, std::size_t n, const unsigned char key[4]) {
  std::size_t i = 0;
  if (n >= 8) {
    std::uint64_t k8 = 0;
    unsigned char rep[8];
    for (int j = 0; j < 8; ++j) rep[j] = key[j % 4];
    std::memcpy(&k8, rep, 8);
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, data + i, 8);
      w ^= k8;
      std::memcpy(data + i, &w, 8);
    }
  }
  for (; i < n; ++i) data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ key[i % 4]);
}

// Length of the longest prefix of `s` (at most `max` bytes) that ends on a character boundary.
std::size_t cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::size_t write_header(char* out, Opcode op, std::uint64_t payload_size) {
  out[0] = static_cast<char>(0x80 | static_cast<unsigned>(op));
  if (payload_size < 126) {
    out[1] = static_cast<char>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = static_cast<char>(126);
    out[2] = static_cast<char>(payload_size >> 8);
    out[3] = static_cast<char>(payload_size & 0xFF);
    return 4;
  }
  out[1] = static_cast<char>(127);
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>((payload_size >> (56 - 8 * i)) & 0xFF);
  return 10;
}

std::string control_frame(Opcode op, std::string_view payload) {
  payload = payload.substr(0, 125);
  std::string out(2 + payload.size(), '\0');
  write_header(out.data(), op, payload.size());
  if (!payload.empty()) std::memcpy(out.data() + 2, payload.data(), payload.size());
  return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, cut_utf8(reason, 123)));
  return control_frame(Opcode::close, payload);
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (end - p >= 8) {
      std::uint64_t w = 0;
      std::memcpy(&w, p, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        p += 8;
        continue;
      }
    }
    const unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::ptrdiff_t more = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;  // range of the first continuation byte
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (end - p <= more) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::ptrdiff_t i = 2; i <= more; ++i)
      if ((p[i] & 0xC0) != 0x80) return false;
    p += more + 1;
  }
  return true;
}

bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

Reader::Event Reader::fail(std::uint16_t code, const char* why) {
  failed_ = true;
  message_.clear();
  message_.shrink_to_fit();
  Event e;
  e.kind = Kind::error;
  e.code = code;
  e.error = why;
  return e;
}

Reader::Event Reader::next(char* data, std::size_t size, std::size_t& used) {
  if (failed_) return fail(kProtocolError, "read after a protocol error");
  if (!in_message_ && !message_.empty()) std::string().swap(message_);  // the last reassembled message
  for (;;) {
    const auto* p = reinterpret_cast<const unsigned char*>(data + used);
    const std::size_t avail = size - used;
    if (avail < 2) return {};
    const bool fin = (p[0] & 0x80) != 0;
    const unsigned op = p[0] & 0x0F;
    const bool control = (op & 0x08) != 0;
    if ((p[0] & 0x70) != 0) return fail(kProtocolError, "reserved bits set");
    if ((p[1] & 0x80) == 0) return fail(kProtocolError, "client frames must be masked");
    if (control ? op > 0xA : op > 0x2) return fail(kProtocolError, "unknown opcode");
    std::uint64_t len = p[1] & 0x7F;
    std::size_t header = 2;
    if (len == 126) {
      if (avail < 4) return {};
      len = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
      if (len < 126) return fail(kProtocolError, "length not minimally encoded");
    } else if (len == 127) {
      if (avail < 10) return {};
      len = load64(p + 2);
      header = 10;
      if (len >> 63) return fail(kProtocolError, "length too large");
      if (len <= 0xFFFF) return fail(kProtocolError, "length not minimally encoded");
    }
    if (control) {
      if (!fin) return fail(kProtocolError, "fragmented control frame");
      if (len > 125) return fail(kProtocolError, "control frame over 125 bytes");
    } else {
      if (op == 0 && !in_message_) return fail(kProtocolError, "continuation frame outside a message");
      if (op != 0 && in_message_) return fail(kProtocolError, "new message inside a fragmented one");
      // Refused from the header alone: an oversize message is never buffered.
      const std::uint64_t before = in_message_ ? message_.size() : 0;
      if (len > max_ || before + len > max_) return fail(kTooBig, "message too big");
    }
    header += 4;  // masking key
    if (avail < header || avail - header < len) return {};
    unsigned char key[4];
    std::memcpy(key, p + header - 4, 4);
    char* payload = data + used + header;
    const auto n = static_cast<std::size_t>(len);
    unmask(payload, n, key);
    used += header + n;
    const std::string_view body(payload, n);

    if (control) {
      Event e;
      if (op == static_cast<unsigned>(Opcode::ping)) {
        e.kind = Kind::ping;
        e.payload = body;
      } else if (op == static_cast<unsigned>(Opcode::pong)) {
        e.kind = Kind::pong;
        e.payload = body;
      } else {
        e.kind = Kind::close;
        e.code = kNoStatus;
        if (n == 1) return fail(kProtocolError, "close frame with a 1-byte payload");
        if (n >= 2) {
          e.code = static_cast<std::uint16_t>((static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8) |
                                              static_cast<unsigned char>(payload[1]));
          if (!valid_close_code(e.code)) return fail(kProtocolError, "invalid close code");
          e.payload = body.substr(2);
          if (!valid_utf8(e.payload)) return fail(kInvalidPayload, "close reason is not UTF-8");
        }
      }
      return e;
    }

    if (!in_message_) {
      if (fin) {
        const bool text = op == static_cast<unsigned>(Opcode::text);
        if (text && !valid_utf8(body)) return fail(kInvalidPayload, "text is not UTF-8");
        Event e;
        e.kind = text ? Kind::text : Kind::binary;
        e.payload = body;
        return e;
      }
      in_message_ = true;
      text_ = op == static_cast<unsigned>(Opcode::text);
      message_.assign(body);
      continue;
    }
    message_.append(body);
    if (!fin) continue;
    in_message_ = false;
    if (text_ && !valid_utf8(message_)) return fail(kInvalidPayload, "text is not UTF-8");
    Event e;
    e.kind = text_ ? Kind::text : Kind::binary;
    e.payload = message_;  // freed by the next call
    return e;
  }
}

}  // namespace arena::gateway::ws
