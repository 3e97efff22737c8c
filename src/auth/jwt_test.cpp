#include "arena/auth/jwt.hpp"

#include <gtest/gtest.h>

#include "arena/core/encoding.hpp"
#include "arena/testing/jwt_forge.hpp"

namespace arena::auth {
namespace {

const std::string kSecret1 = "test-secret-one-0123456789abcdef";
const std::string kSecret2 = "test-secret-two-0123456789abcdefghijklmn";
constexpr std::int64_t kNow = 1'700'000'000;

std::string ring_spec() {
  return "k1:" + core::base64url_encode(kSecret1) + ",k2:" + core::base64url_encode(kSecret2);
}

using testing::forge_hs256;

std::string payload(std::int64_t iat, std::int64_t exp, const std::string& iss = "arena",
                    const std::string& aud = "\"arena\"") {
  return R"({"iss":")" + iss + R"(","aud":)" + aud + R"(,"sub":"u1","sid":"s1","iat":)" + std::to_string(iat) +
         R"(,"exp":)" + std::to_string(exp) + "}";
}

Jwt make_jwt(std::string_view active = "k1") {
  return Jwt(KeyRing::parse(ring_spec(), active), JwtOptions{});
}

TokenError verify_error(const Jwt& jwt, const std::string& token, std::int64_t now = kNow) {
  return jwt.verify(token, now).error;
}

}  // namespace

TEST(Jwt, IssuesTokensThatVerifyWithTheirClaims) {
  Jwt jwt = make_jwt();
  const std::string t = jwt.issue("user-1", "sess-1", kNow);
  auto r = jwt.verify(t, kNow + 10);
  ASSERT_EQ(r.error, TokenError::none);
  EXPECT_EQ(r.claims.sub, "user-1");
  EXPECT_EQ(r.claims.sid, "sess-1");
  EXPECT_EQ(r.claims.iat, kNow);
  EXPECT_EQ(r.claims.exp, kNow + 900);
}

TEST(Jwt, AgreesWithAnIndependentHs256Implementation) {
  Jwt jwt = make_jwt();
  const auto t = forge_hs256(R"({"typ":"JWT","alg":"HS256","kid":"k1"})", payload(kNow, kNow + 60), kSecret1);
  EXPECT_EQ(verify_error(jwt, t), TokenError::none);
  const auto ours = jwt.issue("u1", "s1", kNow);
  const auto header = ours.substr(0, ours.find('.'));
  EXPECT_EQ(*core::base64url_decode(header), R"({"alg":"HS256","typ":"JWT","kid":"k1"})");
}

TEST(Jwt, RefusesAnyAlgorithmButHs256IncludingNone) {
  Jwt jwt = make_jwt();
  const std::string p = payload(kNow, kNow + 60);
  const auto none =
      core::base64url_encode(std::string(R"({"alg":"none","kid":"k1"})")) + "." + core::base64url_encode(p) + ".";
  EXPECT_EQ(verify_error(jwt, none), TokenError::bad_algorithm);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"HS512","kid":"k1"})", p, kSecret1)), TokenError::bad_algorithm);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"RS256","kid":"k1"})", p, kSecret1)), TokenError::bad_algorithm);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"hs256","kid":"k1"})", p, kSecret1)), TokenError::bad_algorithm);
}

TEST(Jwt, RefusesWrongKeysTamperingAndUnknownKids) {
  Jwt jwt = make_jwt();
  const std::string p = payload(kNow, kNow + 60);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"HS256","kid":"k1"})", p, std::string(32, 'z'))),
            TokenError::bad_signature);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"HS256","kid":"k1"})", p, kSecret2)), TokenError::bad_signature);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"HS256","kid":"k9"})", p, kSecret1)), TokenError::unknown_kid);
  EXPECT_EQ(verify_error(jwt, forge_hs256(R"({"alg":"HS256"})", p, kSecret1)), TokenError::unknown_kid);

  std::string t = jwt.issue("u1", "s1", kNow);
  const auto dot = t.find('.');
  std::string tampered = t;
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';  // flip a payload character
  EXPECT_EQ(verify_error(jwt, tampered), TokenError::bad_signature);
  std::string bad_sig = t;
  bad_sig.back() = bad_sig.back() == 'A' ? 'B' : 'A';
  EXPECT_NE(verify_error(jwt, bad_sig), TokenError::none);
}

TEST(Jwt, RefusesMalformedTokens) {
  Jwt jwt = make_jwt();
  const std::string good = jwt.issue("u1", "s1", kNow);
  for (const std::string& t : {std::string(), std::string("abc"), std::string("a.b"), good + ".x",
                               std::string("!!!.???.###"), std::string(5000, 'a')}) {
    EXPECT_EQ(verify_error(jwt, t), TokenError::malformed) << t.substr(0, 40);
  }
  const auto no_sub = forge_hs256(R"({"alg":"HS256","kid":"k1"})",
                                  R"({"iss":"arena","aud":"arena","iat":1,"exp":99999999999})", kSecret1);
  EXPECT_EQ(verify_error(jwt, no_sub), TokenError::malformed);
  const auto not_json = forge_hs256(R"({"alg":"HS256","kid":"k1"})", "not json", kSecret1);
  EXPECT_EQ(verify_error(jwt, not_json), TokenError::malformed);
}

TEST(Jwt, ChecksExpiryIssuerAudienceAndIssueTime) {
  Jwt jwt = make_jwt();
  const std::string t = jwt.issue("u1", "s1", kNow);
  EXPECT_EQ(verify_error(jwt, t, kNow + 900 + 4), TokenError::none);  // within leeway
  EXPECT_EQ(verify_error(jwt, t, kNow + 900 + 5), TokenError::expired);
  const std::string h = R"({"alg":"HS256","kid":"k1"})";
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(kNow, kNow + 60, "evil"), kSecret1)), TokenError::wrong_issuer);
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(kNow, kNow + 60, "arena", "\"other\""), kSecret1)),
            TokenError::wrong_audience);
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(kNow, kNow + 60, "arena", "[\"x\",\"arena\"]"), kSecret1)),
            TokenError::none);
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(kNow + 600, kNow + 900), kSecret1)), TokenError::not_yet_valid);
}

// Hardening (issue 9, defect 4): extreme times in a correctly signed token are refused with a
// code; exp + leeway and iat - leeway used to overflow (undefined behaviour; UBSan aborts).
TEST(Jwt, TimesOutsideTheSaneRangeAreRefusedWithoutOverflow) {
  Jwt jwt = make_jwt();
  const std::string h = R"({"alg":"HS256","kid":"k1"})";
  constexpr std::int64_t kMax = INT64_MAX;
  constexpr std::int64_t kMin = INT64_MIN;
  for (auto [iat, exp] : {std::pair{kNow, kMax}, std::pair{kMin, kNow + 60}, std::pair{kMin, kMax},
                          std::pair{kNow, kMax - 3}, std::pair{std::int64_t{-1}, kNow + 60},
                          std::pair{kNow, std::int64_t{253'402'300'800}}, std::pair{kNow + 60, kNow}}) {
    EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(iat, exp), kSecret1)), TokenError::bad_time)
        << iat << " " << exp;
  }
  // Unsigned values past INT64_MAX are not integers the token may carry.
  const std::string huge = R"({"iss":"arena","aud":"arena","sub":"u1","sid":"s1","iat":1,"exp":18446744073709551615})";
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, huge, kSecret1)), TokenError::malformed);
  EXPECT_EQ(name(code(TokenError::bad_time)), "token_bad_time");
  // The edge of the range is fine (and long expired by the clock given).
  EXPECT_EQ(verify_error(jwt, forge_hs256(h, payload(0, 253'402'300'799), kSecret1)), TokenError::none);
}

TEST(Jwt, KeyRotationOldKeysVerifyUntilRetired) {
  Jwt old_jwt = make_jwt("k1");
  const std::string by_k1 = old_jwt.issue("u1", "s1", kNow);
  Jwt rotated = make_jwt("k2");  // k2 signs, k1 still verifies
  EXPECT_EQ(verify_error(rotated, by_k1), TokenError::none);
  const std::string by_k2 = rotated.issue("u1", "s1", kNow);
  EXPECT_NE(by_k1.substr(0, by_k1.find('.')), by_k2.substr(0, by_k2.find('.')));
  Jwt retired(KeyRing::parse("k2:" + core::base64url_encode(kSecret2)), JwtOptions{});
  EXPECT_EQ(verify_error(retired, by_k1), TokenError::unknown_kid);
  EXPECT_EQ(verify_error(retired, by_k2), TokenError::none);
}

TEST(KeyRing, RejectsBadSpecs) {
  EXPECT_THROW(KeyRing::parse(""), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse("k1"), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse("k1:" + core::base64url_encode(std::string(16, 'a'))), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse("k1:***"), std::invalid_argument);
  // Hardening (issue 9): a secret of one repeated byte is refused, however long.
  EXPECT_THROW(KeyRing::parse("k1:" + core::base64url_encode(std::string(64, 'a'))), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse("k1:" + core::base64url_encode(std::string(32, '\0'))), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse(ring_spec(), "k3"), std::invalid_argument);
  EXPECT_THROW(KeyRing::parse(ring_spec() + "," + ring_spec()), std::invalid_argument);
  EXPECT_EQ(KeyRing::parse(KeyRing::generate_entry("gen")).active_kid(), "gen");
}

}  // namespace arena::auth
