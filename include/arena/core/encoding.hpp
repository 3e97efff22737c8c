#pragma once
// Byte encodings used on the wire and in storage.
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace arena::core {

std::string base64url_encode(std::span<const unsigned char> bytes);
inline std::string base64url_encode(std::string_view s) {
  return base64url_encode({reinterpret_cast<const unsigned char*>(s.data()), s.size()});
}
// Strict: unpadded base64url only; nullopt on any other character or a bad length.
std::optional<std::string> base64url_decode(std::string_view text);
// Like base64url_decode but into a caller's buffer; returns the decoded length or nullopt.
std::optional<std::size_t> base64url_decode_into(std::string_view text, std::span<unsigned char> out);

std::string hex_encode(std::span<const unsigned char> bytes);
// Strict: an even number of [0-9a-fA-F]; nullopt otherwise.
std::optional<std::string> hex_decode(std::string_view hex);
// SHA-256 of `data`, hex-encoded: how opaque secrets (refresh tokens) are stored.
std::string sha256_hex(std::string_view data);

// True when `s` is valid UTF-8 without control characters (used for display names etc).
bool is_clean_utf8(std::string_view s);
// Number of code points in valid UTF-8.
std::size_t utf8_length(std::string_view s);

}  // namespace arena::core
