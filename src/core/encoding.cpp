#include "arena/core/encoding.hpp"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

namespace arena::core {

// Table-driven base64url. libsodium's codec is constant-time (meant for secrets) and cost half
// of a JWT verification; what passes through here is public (tokens, ids), so speed wins.
namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr auto kDecode = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}();
}  // namespace

std::string base64url_encode(std::span<const unsigned char> bytes) {
  std::string out;
  out.resize((bytes.size() * 4 + 2) / 3);
  std::size_t o = 0, i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    out[o++] = kAlphabet[(v >> 6) & 63];
    out[o++] = kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    const std::uint32_t v = (bytes[i] << 16) | (rest == 2 ? bytes[i + 1] << 8 : 0);
    out[o++] = kAlphabet[(v >> 18) & 63];
    out[o++] = kAlphabet[(v >> 12) & 63];
    if (rest == 2) out[o++] = kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::size_t> base64url_decode_into(std::string_view text, std::span<unsigned char> out) {
  // Unpadded base64 never has a length of 1 mod 4.
  if (text.size() % 4 == 1) return std::nullopt;
  const std::size_t need = text.size() * 3 / 4;
  if (need > out.size()) return std::nullopt;
  std::size_t o = 0, i = 0;
  auto sextet = [&](std::size_t k, std::uint32_t& acc) {
    const std::int8_t d = kDecode[static_cast<unsigned char>(text[k])];
    acc = (acc << 6) | static_cast<std::uint32_t>(d);
    return d >= 0;
  };
  for (; i + 4 <= text.size(); i += 4) {
    std::uint32_t v = 0;
    if (!(sextet(i, v) && sextet(i + 1, v) && sextet(i + 2, v) && sextet(i + 3, v))) return std::nullopt;
    out[o++] = static_cast<unsigned char>(v >> 16);
    out[o++] = static_cast<unsigned char>(v >> 8);
    out[o++] = static_cast<unsigned char>(v);
  }
  const std::size_t rest = text.size() - i;
  if (rest > 0) {
    std::uint32_t v = 0;
    bool ok = sextet(i, v) && sextet(i + 1, v);
    if (rest == 3) ok = ok && sextet(i + 2, v);
    if (!ok) return std::nullopt;
    // Unused low bits must be zero, so every text has exactly one encoding.
    if (rest == 2) {
      if ((v & 0xf) != 0) return std::nullopt;
      out[o++] = static_cast<unsigned char>(v >> 4);
    } else {
      if ((v & 0x3) != 0) return std::nullopt;
      out[o++] = static_cast<unsigned char>(v >> 10);
      out[o++] = static_cast<unsigned char>(v >> 2);
    }
  }
  return o;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(text.size() * 3 / 4 + 3, '\0');
  auto n = base64url_decode_into(text, {reinterpret_cast<unsigned char*>(out.data()), out.size()});
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string hex_encode(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data());
  return hex_encode(md);
}

namespace {
// Decodes one code point at s[i]; returns its byte length, or 0 if the sequence is invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    n = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, surrogate
  return n;
}
}  // namespace

bool is_clean_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    if (n == 0) return false;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029) return false;
    i += n;
  }
  return true;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (unsigned char c : s) count += (c & 0xc0) != 0x80 ? 1 : 0;
  return count;
}

}  // namespace arena::core
