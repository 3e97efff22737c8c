#include "arena/auth/jwt.hpp"

#include <openssl/crypto.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <stdexcept>

#include "arena/core/encoding.hpp"
#include "arena/core/random.hpp"
#include "hmac.hpp"

namespace arena::auth {
namespace json = boost::json;

namespace {
constexpr std::size_t kMaxTokenBytes = 4096;
constexpr std::size_t kMinSecretBytes = 32;
constexpr std::int64_t kMaxTokenTime = 253'402'300'799;  // 9999-12-31T23:59:59Z

bool valid_kid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char c : kid)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

std::string encoded_header(std::string_view kid) {
  json::object h;
  h["alg"] = "HS256";
  h["typ"] = "JWT";
  h["kid"] = kid;
  return core::base64url_encode(json::serialize(h));
}

const json::string* get_string(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_string() : nullptr;
}

std::optional<std::int64_t> get_int(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

// Parses base64url(JSON object) into `out` using `mr`; false if it is not one.
bool decode_object(std::string_view b64, json::monotonic_resource& mr, json::object& out) {
  std::array<unsigned char, kMaxTokenBytes> buf{};
  auto n = core::base64url_decode_into(b64, buf);
  if (!n) return false;
  boost::system::error_code ec;
  json::value v = json::parse(std::string_view(reinterpret_cast<const char*>(buf.data()), *n), ec, &mr);
  if (ec || !v.is_object()) return false;
  out = std::move(v.as_object());
  return true;
}
}  // namespace

KeyRing::KeyRing() = default;
KeyRing::~KeyRing() = default;
KeyRing::KeyRing(KeyRing&&) noexcept = default;
KeyRing& KeyRing::operator=(KeyRing&&) noexcept = default;

void KeyRing::add(std::string kid, std::string_view secret) {
  if (!valid_kid(kid)) throw std::invalid_argument("key id '" + kid + "' must be 1-64 of [A-Za-z0-9._-]");
  if (secret.size() < kMinSecretBytes) throw std::invalid_argument("key '" + kid + "' is shorter than 32 bytes");
  if (std::all_of(secret.begin(), secret.end(), [&](char c) { return c == secret.front(); }))
    throw std::invalid_argument("key '" + kid + "' repeats one byte value: use random bytes (arena generates them)");
  if (keys_.contains(kid)) throw std::invalid_argument("key id '" + kid + "' appears twice");
  keys_.emplace(kid, std::make_unique<HmacKey>(secret));
  if (active_.empty()) active_ = kid;
}

void KeyRing::set_active(std::string_view kid) {
  if (!keys_.contains(kid)) throw std::invalid_argument("active key id '" + std::string(kid) + "' is not in the ring");
  active_ = std::string(kid);
}

std::vector<std::string> KeyRing::kids() const {
  std::vector<std::string> out;
  for (const auto& [kid, key] : keys_) out.push_back(kid);
  return out;
}

const HmacKey* KeyRing::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

KeyRing KeyRing::parse(std::string_view spec, std::string_view active_kid) {
  KeyRing ring;
  while (!spec.empty()) {
    const auto comma = spec.find(',');
    std::string_view entry = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\n')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\n' || entry.back() == '\r'))
      entry.remove_suffix(1);
    if (entry.empty()) continue;
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("key ring entries are kid:secret");
    auto secret = core::base64url_decode(entry.substr(colon + 1));
    if (!secret) throw std::invalid_argument("key '" + std::string(entry.substr(0, colon)) + "' is not base64url");
    ring.add(std::string(entry.substr(0, colon)), *secret);
  }
  if (ring.size() == 0) throw std::invalid_argument("key ring is empty");
  if (!active_kid.empty()) ring.set_active(active_kid);
  return ring;
}

std::string KeyRing::generate_entry(std::string_view kid) {
  return std::string(kid) + ":" + core::random_token(32);
}

Code code(TokenError e) {
  switch (e) {
    case TokenError::none: return Code::internal;  // not an error; never sent
    case TokenError::malformed: return Code::token_malformed;
    case TokenError::bad_algorithm: return Code::token_bad_algorithm;
    case TokenError::unknown_kid: return Code::token_unknown_kid;
    case TokenError::bad_signature: return Code::token_bad_signature;
    case TokenError::expired: return Code::token_expired;
    case TokenError::wrong_issuer: return Code::token_wrong_issuer;
    case TokenError::wrong_audience: return Code::token_wrong_audience;
    case TokenError::not_yet_valid: return Code::token_not_yet_valid;
    case TokenError::bad_time: return Code::token_bad_time;
  }
  return Code::token_malformed;
}

std::string_view message(TokenError e) {
  switch (e) {
    case TokenError::none: return "ok";
    case TokenError::malformed: return "access token is not a well-formed JWT";
    case TokenError::bad_algorithm: return "access token uses an algorithm other than HS256";
    case TokenError::unknown_kid: return "access token was signed with an unknown or retired key";
    case TokenError::bad_signature: return "access token signature does not verify";
    case TokenError::expired: return "access token has expired";
    case TokenError::wrong_issuer: return "access token was issued by someone else";
    case TokenError::wrong_audience: return "access token is meant for another audience";
    case TokenError::not_yet_valid: return "access token is issued in the future";
    case TokenError::bad_time: return "access token's iat/exp are outside the accepted range";
  }
  return "invalid access token";
}

Jwt::Jwt(KeyRing keys, JwtOptions options) : keys_(std::move(keys)), options_(std::move(options)) {
  if (keys_.size() == 0) throw std::invalid_argument("JWT key ring is empty");
  active_header_ = encoded_header(keys_.active_kid());
  for (const auto& kid : keys_.kids()) header_kid_[encoded_header(kid)] = kid;
}

Jwt::~Jwt() = default;

std::string Jwt::issue(std::string_view sub, std::string_view sid, std::int64_t now) const {
  json::object p;
  p["iss"] = options_.issuer;
  p["aud"] = options_.audience;
  p["sub"] = sub;
  p["sid"] = sid;
  p["iat"] = now;
  p["exp"] = now + options_.ttl_seconds;
  std::string token = active_header_;
  token.push_back('.');
  token += core::base64url_encode(json::serialize(p));
  const auto mac = keys_.find(keys_.active_kid())->mac(token);
  token.push_back('.');
  token += core::base64url_encode(mac);
  return token;
}

Jwt::Result Jwt::verify(std::string_view token, std::int64_t now) const {
  Result r;
  auto fail = [&r](TokenError e) {
    r.error = e;
    return r;
  };
  if (token.empty() || token.size() > kMaxTokenBytes) return fail(TokenError::malformed);
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return fail(TokenError::malformed);
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return fail(TokenError::malformed);
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_b64 = token.substr(dot2 + 1);

  unsigned char scratch[2048];
  json::monotonic_resource mr(scratch, sizeof scratch);

  // Tokens we issued carry a header we know byte for byte; anything else is decoded and checked.
  std::string kid;
  if (auto known = header_kid_.find(header_b64); known != header_kid_.end()) {
    kid = known->second;
  } else {
    json::object header;
    if (!decode_object(header_b64, mr, header)) return fail(TokenError::malformed);
    const json::string* alg = get_string(header, "alg");
    if (alg == nullptr) return fail(TokenError::malformed);
    if (*alg != "HS256") return fail(TokenError::bad_algorithm);
    const json::string* k = get_string(header, "kid");
    if (k == nullptr) return fail(TokenError::unknown_kid);
    kid = std::string(k->data(), k->size());
  }
  const HmacKey* key = keys_.find(kid);
  if (key == nullptr) return fail(TokenError::unknown_kid);

  std::array<unsigned char, 64> sig{};
  auto sig_len = core::base64url_decode_into(sig_b64, sig);
  if (!sig_len || *sig_len != 32) return fail(TokenError::bad_signature);
  const auto expected = key->mac(token.substr(0, dot2));
  if (CRYPTO_memcmp(expected.data(), sig.data(), expected.size()) != 0) return fail(TokenError::bad_signature);

  json::object payload;
  if (!decode_object(payload_b64, mr, payload)) return fail(TokenError::malformed);
  const json::string* iss = get_string(payload, "iss");
  if (iss == nullptr || *iss != options_.issuer) return fail(TokenError::wrong_issuer);
  bool aud_ok = false;
  if (const json::value* aud = payload.if_contains("aud")) {
    if (aud->is_string()) {
      aud_ok = aud->get_string() == options_.audience;
    } else if (aud->is_array()) {
      for (const auto& a : aud->get_array()) aud_ok = aud_ok || (a.is_string() && a.get_string() == options_.audience);
    }
  }
  if (!aud_ok) return fail(TokenError::wrong_audience);
  const json::string* sub = get_string(payload, "sub");
  const json::string* sid = get_string(payload, "sid");
  const auto iat = get_int(payload, "iat");
  const auto exp = get_int(payload, "exp");
  if (sub == nullptr || sid == nullptr || !iat || !exp || sub->empty() || sid->empty())
    return fail(TokenError::malformed);
  // Times outside [0, kMaxTokenTime] (year 9999) or an exp before iat are refused before any
  // arithmetic, so exp + leeway and iat - leeway cannot overflow.
  if (*iat < 0 || *exp < 0 || *iat > kMaxTokenTime || *exp > kMaxTokenTime || *exp < *iat)
    return fail(TokenError::bad_time);
  if (*exp + options_.leeway_seconds <= now) return fail(TokenError::expired);
  if (*iat - options_.leeway_seconds > now) return fail(TokenError::not_yet_valid);
  r.claims = {std::string(sub->data(), sub->size()), std::string(sid->data(), sid->size()), *iat, *exp};
  return r;
}

}  // namespace arena::auth
