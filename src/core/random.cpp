#include "arena/core/random.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>

#include "arena/core/encoding.hpp"

namespace arena::core {
namespace {
struct SodiumInit {
  SodiumInit() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  }
};
void ensure_sodium() {
  static const SodiumInit init;
}
}  // namespace

void random_bytes(std::span<unsigned char> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

std::string random_token(std::size_t bytes) {
  std::array<unsigned char, 64> buf{};
  if (bytes > buf.size()) throw std::invalid_argument("random_token: too many bytes");
  random_bytes({buf.data(), bytes});
  return base64url_encode({buf.data(), bytes});
}

std::string new_uuid() {
  // RFC 9562 UUIDv7 with a 12-bit counter in rand_a ("method 1"), so ids made by this process
  // strictly increase even within one millisecond; the rest is random.
  static std::mutex mu;
  static std::uint64_t last_ms = 0;
  static std::uint32_t counter = 0;
  std::array<unsigned char, 16> b{};
  random_bytes(b);
  auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  {
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;  // same millisecond (or the clock stepped back): count on
      if (++counter > 0xfff) {
        ++ms;  // counter exhausted: borrow the next millisecond
        counter = 0;
      }
    } else {
      counter = b[7] & 0x3ffU;  // a random start that leaves room to count
    }
    last_ms = ms;
    b[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7 + counter high bits
    b[7] = static_cast<unsigned char>(counter & 0xff);
  }
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = hex_encode(b);
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' +
         hex.substr(20);
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace arena::core
