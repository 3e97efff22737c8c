// The REST edge and the login service over real HTTP, against a server on 127.0.0.1:0.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

#include "arena/core/encoding.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/jwt_forge.hpp"
#include "arena/testing/test_server.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::HttpClient;
using testing::HttpResult;
using testing::TestServer;
namespace json = boost::json;

std::string field(const HttpResult& r, const char* name) {
  const auto v = r.json();
  const auto* f = v.as_object().if_contains(name);
  return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

class HttpApi : public ::testing::Test {
 protected:
  TestServer server;
  HttpClient http{server.port()};

  HttpResult guest() { return http.post_json("/v1/auth/guest", ""); }
};

TEST_F(HttpApi, HealthReadinessAndMetrics) {
  auto h = http.get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(field(h, "status"), "ok");
  EXPECT_EQ(h.headers["content-type"], "application/json");
  EXPECT_FALSE(h.headers["x-request-id"].empty());
  auto r = http.get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(field(r, "status"), "ready");
  guest();
  auto m = http.get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find(R"(http_requests_total{route="/healthz",method="GET",status="200"} 1)"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find(R"(http_request_duration_seconds_bucket{route="/v1/auth/guest",le="+Inf"} 1)"),
            std::string::npos);
  EXPECT_NE(m.body.find("process_resident_memory_bytes"), std::string::npos);
  EXPECT_NE(m.body.find("process_open_fds"), std::string::npos);
  EXPECT_NE(m.body.find(R"(auth_logins_total{method="guest",result="ok"} 1)"), std::string::npos);
}

TEST_F(HttpApi, GuestLoginAnswersTheStableShape) {
  auto r = guest();
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = r.json().as_object();
  for (const char* k : {"user_id", "access_token", "refresh_token"}) EXPECT_TRUE(o.at(k).is_string()) << k;
  EXPECT_EQ(o.at("expires_in").as_int64(), 900);
  auto named = http.post_json("/v1/auth/guest", R"({"display_name":"Zoë"})");
  auto acc = http.get("/v1/account", field(named, "access_token"));
  EXPECT_EQ(field(acc, "display_name"), "Zoë");
  EXPECT_EQ(field(acc, "kind"), "guest");
}

TEST_F(HttpApi, DeviceLoginIsStablePerDevice) {
  auto a = http.post_json("/v1/auth/device", R"({"device_id":"ios-5F2C-9911"})");
  auto b = http.post_json("/v1/auth/device", R"({"device_id":"ios-5F2C-9911"})");
  auto c = http.post_json("/v1/auth/device", R"({"device_id":"android-0001"})");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(field(a, "user_id"), field(b, "user_id"));
  EXPECT_NE(field(a, "user_id"), field(c, "user_id"));
  EXPECT_NE(field(a, "refresh_token"), field(b, "refresh_token"));
}

TEST_F(HttpApi, BadBodiesGetClearStableErrors) {
  struct Case {
    const char* target;
    std::string body;
    int status;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"/v1/auth/device", "{", 400, "malformed_json"},
      {"/v1/auth/device", "[]", 400, "invalid_body"},
      {"/v1/auth/device", "{}", 400, "missing_field"},
      {"/v1/auth/device", R"({"device_id":42})", 400, "invalid_field"},
      {"/v1/auth/device", R"({"device_id":"abc"})", 400, "invalid_field"},
      {"/v1/auth/device", R"({"device_id":"valid-device-1","display_name":["x"]})", 400, "invalid_field"},
      {"/v1/auth/guest", R"({"display_name":""})", 400, "invalid_field"},
      {"/v1/auth/guest", "nul\x01l", 400, "malformed_json"},
      {"/v1/auth/register", R"({"email":"a@b.co","password":"long-enough"})", 400, "missing_field"},
      {"/v1/auth/register", R"({"email":"a@b.co","password":12345678,"display_name":"A"})", 400, "invalid_field"},
      {"/v1/auth/register", R"({"email":"nope","password":"long-enough","display_name":"A"})", 400, "invalid_field"},
      {"/v1/auth/login", R"({"email":"a@b.co"})", 400, "missing_field"},
      {"/v1/auth/refresh", R"({"refresh_token":null})", 400, "missing_field"},
      {"/v1/auth/refresh", R"({"refresh_token":true})", 400, "invalid_field"},
      {"/v1/auth/guest", std::string(40, '[') + std::string(40, ']'), 400, "malformed_json"},
  };
  for (const auto& c : cases) {
    auto r = http.post_json(c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << c.body << " -> " << r.body;
    EXPECT_EQ(r.error_code(), c.code) << c.target << " " << c.body << " -> " << r.body;
    EXPECT_FALSE(r.json().at("error").at("message").as_string().empty());
  }
  // Nothing was created by any of that.
  EXPECT_EQ(http.get("/metrics").body.find("auth_logins_total{method=\"device\""), std::string::npos);
}

TEST_F(HttpApi, WrongContentTypeOversizeBodyAndBigHeaders) {
  auto r =
      http.request("POST", "/v1/auth/device", R"({"device_id":"valid-device-1"})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.error_code(), "unsupported_media_type");
  auto ok = http.request("POST", "/v1/auth/device", R"({"device_id":"valid-device-1"})",
                         {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(ok.status, 200) << ok.body;

  const std::string big = R"({"device_id":")" + std::string(server.settings().http.max_body_bytes, 'x') + "\"}";
  HttpClient fresh(server.port());
  auto too_big = fresh.post_json("/v1/auth/device", big);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.error_code(), "body_too_large");

  HttpClient other(server.port());
  auto hdr = other.request("GET", "/healthz", {}, {{"X-Junk", std::string(20'000, 'h')}});
  EXPECT_EQ(hdr.status, 431);
  EXPECT_EQ(hdr.error_code(), "headers_too_large");
  EXPECT_EQ(http.get("/healthz").status, 200);  // the server is fine
}

TEST_F(HttpApi, MalformedHttpUnknownRoutesAndMethods) {
  auto garbage = http.raw("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.error_code(), "bad_request");
  auto nf = http.get("/v1/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.error_code(), "not_found");
  auto na = http.request("DELETE", "/v1/account");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.error_code(), "method_not_allowed");
  EXPECT_EQ(na.headers["allow"], "GET, PATCH");
  auto head = http.request("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

// Hardening (issue 9, defect 1): a chunk-size line, chunk extension or trailer section that
// never ends is refused once it passes a bound; it used to be buffered without limit.
TEST_F(HttpApi, EndlessChunkLinesAndTrailersAreRefusedNotBuffered) {
  const std::string head =
      "POST /v1/auth/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  constexpr std::size_t kEndless = std::size_t{8} << 20;  // far past any limit
  auto ext = http.raw_stream(head + "2;", 'a', kEndless);
  EXPECT_EQ(ext.status, 400);
  EXPECT_EQ(ext.error_code(), "chunk_line_too_large");
  auto size = http.raw_stream(head, '0', kEndless);  // a chunk-size of endless zeros
  EXPECT_EQ(size.status, 400);
  EXPECT_EQ(size.error_code(), "chunk_line_too_large");
  auto trailer = http.raw_stream(head + "2\r\n{}\r\n0\r\nX-Trailer: ", 't', kEndless);
  EXPECT_EQ(trailer.status, 400);
  EXPECT_EQ(trailer.error_code(), "chunk_line_too_large");
  // A complete chunk line whose extension is merely long is refused by the extension cap.
  auto long_ext = http.raw(head + "2;" + std::string(1000, 'e') + "\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(long_ext.status, 400);
  EXPECT_EQ(long_ext.error_code(), "chunk_extension_too_large");
  // Short extensions and trailers are fine.
  auto ok = http.raw(head + "2;name=value\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(http.get("/healthz").status, 200);
}

// Hardening (issue 9, defect 3): framing that cannot be trusted is answered with an error and
// the connection closed (RFC 9112 §6.3), never read as an empty body followed by a request.
TEST_F(HttpApi, TransferEncodingsOtherThanChunkedAreRefused) {
  const std::string smuggled = "GET /v1/nope HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const char* te : {"chunked, gzip", "xchunked", "gzip", "identity", ""}) {
    auto r =
        http.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n" + smuggled);
    EXPECT_EQ(r.status, 400) << "Transfer-Encoding: " << te;
    EXPECT_EQ(r.error_code(), "bad_transfer_encoding") << "Transfer-Encoding: " << te;
  }
  auto two = http.raw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(two.status, 501);
  EXPECT_EQ(two.error_code(), "unsupported_transfer_coding");
  auto old = http.raw("GET /healthz HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(old.status, 400);
  EXPECT_EQ(old.error_code(), "bad_transfer_encoding");
  auto both = http.raw(
      "POST /v1/auth/guest HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(both.status, 400);
  auto chunked = http.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 200);
  EXPECT_NE(http.get("/metrics").body.find("http_rejected_total{reason=\"bad_framing\"}"), std::string::npos);
}

TEST_F(HttpApi, RequestIdsAreEchoedOrMinted) {
  auto given = http.request("GET", "/healthz", {}, {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(given.headers["x-request-id"], "trace-abc.123");
  auto bad = http.request("GET", "/healthz", {}, {{"X-Request-Id", "bad id with spaces"}});
  EXPECT_NE(bad.headers["x-request-id"], "bad id with spaces");
  EXPECT_EQ(bad.headers["x-request-id"].size(), 16u);
}

TEST_F(HttpApi, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(http.get("/healthz").status, 200);
  EXPECT_TRUE(http.connected());
  EXPECT_NE(http.get("/metrics").body.find("http_connections_total 1\n"), std::string::npos);
}

TEST_F(HttpApi, RegisterLoginAndRateLimit) {
  auto reg = http.post_json("/v1/auth/register",
                            R"({"email":"Kim@Example.com","password":"pa55-word!","display_name":"Kim"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto dup = http.post_json("/v1/auth/register",
                            R"({"email":"kim@example.com","password":"pa55-word!","display_name":"Kim"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.error_code(), "email_taken");
  auto login = http.post_json("/v1/auth/login", R"({"email":"kim@example.com","password":"pa55-word!"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(field(login, "user_id"), field(reg, "user_id"));
  EXPECT_EQ(field(http.get("/v1/account", field(login, "access_token")), "email"), "kim@example.com");
  auto bad = http.post_json("/v1/auth/login", R"({"email":"kim@example.com","password":"wrong-pass"})");
  auto nobody = http.post_json("/v1/auth/login", R"({"email":"who@example.com","password":"wrong-pass"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body, nobody.body);  // the answer does not reveal whether the email exists

  // Default per-account burst is 10: hammer one account until refused.
  HttpResult last;
  for (int i = 0; i < 12; ++i)
    last = http.post_json("/v1/auth/login", R"({"email":"kim@example.com","password":"wrong-pass"})");
  EXPECT_EQ(last.status, 429);
  EXPECT_EQ(last.error_code(), "rate_limited");
  EXPECT_GT(std::stoi(last.headers["retry-after"]), 0);
  server.clock().advance(10min);
  EXPECT_EQ(http.post_json("/v1/auth/login", R"({"email":"kim@example.com","password":"pa55-word!"})").status, 200);
}

TEST_F(HttpApi, RefreshRotatesAndReuseRevokesTheFamily) {
  auto t0 = guest();
  auto t1 = http.post_json("/v1/auth/refresh", R"({"refresh_token":")" + field(t0, "refresh_token") + "\"}");
  ASSERT_EQ(t1.status, 200) << t1.body;
  EXPECT_EQ(field(t1, "user_id"), field(t0, "user_id"));
  EXPECT_EQ(http.get("/v1/account", field(t1, "access_token")).status, 200);
  auto reuse = http.post_json("/v1/auth/refresh", R"({"refresh_token":")" + field(t0, "refresh_token") + "\"}");
  EXPECT_EQ(reuse.status, 401);
  EXPECT_EQ(reuse.error_code(), "refresh_token_reused");
  auto after = http.post_json("/v1/auth/refresh", R"({"refresh_token":")" + field(t1, "refresh_token") + "\"}");
  EXPECT_EQ(after.error_code(), "refresh_token_revoked");
  EXPECT_EQ(http.get("/v1/account", field(t1, "access_token")).error_code(), "token_revoked");
  auto junk = http.post_json("/v1/auth/refresh", R"({"refresh_token":"junk"})");
  EXPECT_EQ(junk.status, 401);
  EXPECT_EQ(junk.error_code(), "refresh_token_invalid");
}

TEST_F(HttpApi, LogoutByAccessTokenOrRefreshToken) {
  auto a = guest();
  auto out = http.post_json("/v1/auth/logout", "", field(a, "access_token"));
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(http.get("/v1/account", field(a, "access_token")).error_code(), "token_revoked");
  EXPECT_EQ(
      http.post_json("/v1/auth/refresh", R"({"refresh_token":")" + field(a, "refresh_token") + "\"}").error_code(),
      "refresh_token_revoked");
  auto b = guest();
  EXPECT_EQ(http.post_json("/v1/auth/logout", R"({"refresh_token":")" + field(b, "refresh_token") + "\"}").status, 204);
  EXPECT_EQ(http.get("/v1/account", field(b, "access_token")).error_code(), "token_revoked");
  EXPECT_EQ(http.post_json("/v1/auth/logout", "").error_code(), "unauthorized");
  EXPECT_EQ(http.post_json("/v1/auth/logout", "[1]").error_code(), "invalid_body");
}

// Registering is limited per email as logging in is: the same address again and again is refused.
TEST(HttpApiLimits, RegisteringOneEmailOverAndOverIsRateLimited) {
  TestServer server([](config::Settings& s) { s.auth.account_burst = 2; });
  HttpClient http(server.port());
  const std::string body = R"({"email":"lee@example.com","password":"pa55-word!","display_name":"Lee"})";
  EXPECT_EQ(http.post_json("/v1/auth/register", body).status, 201);
  EXPECT_EQ(http.post_json("/v1/auth/register", body).error_code(), "email_taken");
  const auto refused = http.post_json("/v1/auth/register", body);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.error_code(), "rate_limited");
  EXPECT_GT(std::stoi(refused.headers.at("retry-after")), 0);
}

// Behind a reverse proxy named in http.trusted_proxies, the login limits count the address the
// proxy forwards (X-Forwarded-For), and the proxy's own connections are not capped as one client's.
TEST(HttpApiLimits, BehindATrustedProxyTheForwardedClientIsLimitedNotTheProxy) {
  TestServer server([](config::Settings& s) {
    s.auth.ip_burst = 2;
    s.http.max_connections_per_ip = 1;
    s.http.trusted_proxies = "10.0.0.0/8, 127.0.0.1";
  });
  const std::string wrong = R"({"email":"pat@example.com","password":"wrong-pass"})";
  auto attempt = [&](HttpClient& http, const std::string& client) {
    return http.request("POST", "/v1/auth/login", wrong,
                        {{"Content-Type", "application/json"}, {"X-Forwarded-For", client}});
  };
  HttpClient one(server.port());
  HttpClient two(server.port());  // a second open connection from the proxy: not refused
  EXPECT_EQ(attempt(one, "198.51.100.7").status, 401);
  EXPECT_EQ(attempt(two, "198.51.100.7").status, 401);
  EXPECT_EQ(attempt(one, "198.51.100.7").error_code(), "rate_limited");
  EXPECT_EQ(attempt(two, "198.51.100.8").status, 401);  // another player behind the same proxy
  // What the client wrote left of the address the proxy saw is not believed.
  EXPECT_EQ(attempt(one, "203.0.113.1, 198.51.100.7").error_code(), "rate_limited");
}

// Without trusted proxies, X-Forwarded-For is the client's word and changes nothing.
TEST(HttpApiLimits, WithoutTrustedProxiesAForwardedForHeaderChangesNothing) {
  TestServer server([](config::Settings& s) {
    s.auth.ip_burst = 2;
    s.http.max_connections_per_ip = 1;
  });
  const std::string wrong = R"({"email":"pat@example.com","password":"wrong-pass"})";
  HttpClient http(server.port());
  for (const char* client : {"198.51.100.7", "198.51.100.8"})
    EXPECT_EQ(http.request("POST", "/v1/auth/login", wrong,
                           {{"Content-Type", "application/json"}, {"X-Forwarded-For", client}})
                  .status,
              401);
  const auto third = http.request("POST", "/v1/auth/login", wrong,
                                  {{"Content-Type", "application/json"}, {"X-Forwarded-For", "198.51.100.9"}});
  EXPECT_EQ(third.error_code(), "rate_limited");
  HttpClient second(server.port());  // this address's second connection
  EXPECT_EQ(second.get("/healthz").error_code(), "too_many_connections");
}

// A valid token whose account is not there (signed with the server's own key): 404, not a crash
// or someone else's account.
TEST(HttpApiLimits, AValidTokenOfNoAccountIsAnsweredAccountNotFound) {
  const std::string secret = "0123456789abcdefghijklmnopqrstuv";
  TestServer server([&](config::Settings& s) { s.auth.jwt_keys = "k1:" + core::base64url_encode(secret); });
  HttpClient http(server.port());
  const auto now = server.clock().now_unix();
  const auto& a = server.settings().auth;
  const std::string payload =
      R"({"sub":"0192f1c4-6d2e-7c31-9a55-3f2b8e4d1a07","sid":"0192f1c4-6d2e-7c31-9a55-3f2b8e4d1a08","iat":)" +
      std::to_string(now) + R"(,"exp":)" + std::to_string(now + 600) + R"(,"iss":")" + a.issuer + R"(","aud":")" +
      a.audience + R"("})";
  const std::string token = testing::forge_hs256(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", payload, secret);
  const auto got = http.get("/v1/account", token);
  EXPECT_EQ(got.status, 404) << got.body;
  EXPECT_EQ(got.error_code(), "account_not_found");
  const auto renamed =
      http.request("PATCH", "/v1/account", R"({"display_name":"Ghost"})", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(renamed.status, 404) << renamed.body;
  EXPECT_EQ(renamed.error_code(), "account_not_found");
}

TEST_F(HttpApi, AccountRenameNeedsAValidTokenAndName) {
  auto a = guest();
  const auto token = field(a, "access_token");
  auto p =
      http.request("PATCH", "/v1/account", R"({"display_name":"Renamed"})", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(field(p, "display_name"), "Renamed");
  EXPECT_EQ(field(http.get("/v1/account", token), "display_name"), "Renamed");
  auto bad = http.request("PATCH", "/v1/account", R"({"display_name":"bad\u0007name"})",
                          {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(bad.error_code(), "invalid_field");
  EXPECT_EQ(http.request("PATCH", "/v1/account", R"({"display_name":"x"})").error_code(), "unauthorized");
}

TEST_F(HttpApi, BadAccessTokensAreRefusedWithDistinctCodes) {
  auto a = guest();
  const std::string token = field(a, "access_token");
  const std::string payload_b64 = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  const std::string payload = *core::base64url_decode(payload_b64);

  std::string tampered = token;
  const auto pos = token.find('.') + 3;
  tampered[pos] = tampered[pos] == 'x' ? 'y' : 'x';
  const std::string none =
      core::base64url_encode(std::string(R"({"alg":"none","typ":"JWT"})")) + "." + payload_b64 + ".";
  const std::string wrong_key =
      testing::forge_hs256(R"({"alg":"HS256","typ":"JWT","kid":"k1"})", payload, std::string(32, 'w'));
  const std::string unknown_kid =
      testing::forge_hs256(R"({"alg":"HS256","typ":"JWT","kid":"zz"})", payload, std::string(32, 'w'));

  struct Case {
    std::string header;
    const char* code;
  };
  for (const auto& c : std::vector<Case>{{"", "unauthorized"},
                                         {"Basic abc", "unauthorized"},
                                         {"Bearer not-a-jwt", "token_malformed"},
                                         {"Bearer " + tampered, "token_bad_signature"},
                                         {"Bearer " + none, "token_bad_algorithm"},
                                         {"Bearer " + wrong_key, "token_bad_signature"},
                                         {"Bearer " + unknown_kid, "token_unknown_kid"}}) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!c.header.empty()) h.emplace_back("Authorization", c.header);
    auto r = http.request("GET", "/v1/account", {}, h);
    EXPECT_EQ(r.status, 401) << c.code;
    EXPECT_EQ(r.error_code(), c.code) << c.header.substr(0, 60) << " -> " << r.body;
  }
  server.clock().advance(16min);
  auto expired = http.get("/v1/account", token);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.error_code(), "token_expired");
}

TEST(HttpServer, DrainFinishesAndStopsAccepting) {
  auto server = std::make_unique<TestServer>();
  const auto port = server->port();
  HttpClient c(port);
  EXPECT_EQ(c.get("/healthz").status, 200);  // leaves an idle keep-alive connection open
  EXPECT_TRUE(server->app().drain());
  HttpClient after(port);
  EXPECT_THROW(after.get("/healthz"), std::exception);
}

TEST(HttpServer, DrainLetsAnInFlightRequestFinish) {
  // A deliberately slow password hash keeps the login in flight while the drain starts.
  TestServer server([](config::Settings& s) {
    s.auth.argon2_opslimit = 4;
    s.auth.argon2_memlimit = 64 * 1024 * 1024;
  });
  HttpClient setup(server.port());
  ASSERT_EQ(
      setup.post_json("/v1/auth/register", R"({"email":"d@e.fg","password":"pa55-word!","display_name":"D"})").status,
      201);
  HttpResult login;
  std::thread client([&] {
    HttpClient c(server.port());
    login = c.post_json("/v1/auth/login", R"({"email":"d@e.fg","password":"pa55-word!"})");
  });
  // Wait (bounded) until the login is in flight: the probe itself is the other one.
  bool in_flight = false;
  for (int i = 0; i < 2000 && !in_flight; ++i)
    in_flight = setup.get("/metrics").body.find("http_requests_in_flight 2\n") != std::string::npos;
  ASSERT_TRUE(in_flight);
  EXPECT_TRUE(server.app().drain());
  client.join();
  EXPECT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.headers["connection"], "close");
}

TEST(HttpServer, AuthRoutesHonourConfiguredLimits) {
  TestServer server([](config::Settings& s) {
    s.http.max_body_bytes = 100;
    s.auth.access_ttl = 60s;
  });
  HttpClient http(server.port());
  auto r = http.post_json("/v1/auth/guest", R"({"display_name":")" + std::string(120, 'x') + "\"}");
  EXPECT_EQ(r.status, 413);
  HttpClient again(server.port());
  auto g = again.post_json("/v1/auth/guest", "{}");
  EXPECT_EQ(g.json().at("expires_in").as_int64(), 60);
}

}  // namespace
}  // namespace arena
