// api/openapi.json held to the code: the route table and the document name the same operations,
// every error code the document lists is a real one answered with the status it is listed under,
// the answers every route can give (415, 413, 503 overloaded) are documented exactly where they
// happen, and the document and Swagger UI are served as files should be. The responses here are
// recorded with the rest of the suite's and checked against the document's schemas
// (OpenApi.EveryResponseOfTheSuiteMatchesTheDocument, tools/js/check-traffic.mjs).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "arena/apidocs/apidocs.hpp"
#include "arena/core/error.hpp"
#include "arena/http/router.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/test_server.hpp"
#include "arena/testing/ws_client.hpp"

namespace arena {
namespace {

using testing::HttpClient;
using testing::TestServer;
namespace json = boost::json;

const json::value& root() {
  static const json::value doc = json::parse(apidocs::openapi_json());
  return doc;
}

const json::object& document() {
  return root().as_object();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A `$ref` of the document followed to what it names.
const json::object& resolve(const json::object& o) {
  const auto* ref = o.if_contains("$ref");
  if (ref == nullptr) return o;
  std::string pointer(ref->as_string());
  pointer.erase(0, 1);  // "#/components/..." -> "/components/..."
  return resolve(root().at_pointer(pointer).as_object());
}

struct Operation {
  std::string method;  // upper case
  std::string path;
  const json::object* op;
  bool operator<(const Operation& o) const { return std::tie(path, method) < std::tie(o.path, o.method); }
};

std::vector<Operation> operations() {
  std::vector<Operation> out;
  for (const auto& [path, item] : document().at("paths").as_object())
    for (const auto& [method, op] : item.as_object()) {
      std::string m(method);
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back({m, std::string(path), &op.as_object()});
    }
  return out;
}

const json::object* operation(const std::string& method, const std::string& path) {
  const auto* item = document().at("paths").as_object().if_contains(path);
  if (item == nullptr) return nullptr;
  const auto* op = item->as_object().if_contains(lower(method));
  return op != nullptr ? &op->as_object() : nullptr;
}

bool documents(const json::object& op, int status) {
  return op.at("responses").as_object().contains(std::to_string(status));
}

// Every `enum` of error codes under a response (the `code` property of the Error schema).
void codes_in(const json::value& v, std::set<std::string>& out) {
  if (v.is_array()) {
    for (const auto& x : v.as_array()) codes_in(x, out);
    return;
  }
  if (!v.is_object()) return;
  // A $ref's target, and what stands beside the $ref (OpenAPI 3.1 narrows a reference so).
  for (const auto* o : {&resolve(v.as_object()), &v.as_object()}) {
    if (const auto* code = o->if_contains("code"); code != nullptr && code->is_object()) {
      const auto& c = resolve(code->as_object());
      if (const auto* e = c.if_contains("enum"))
        for (const auto& name : e->as_array()) out.insert(std::string(name.as_string()));
    }
    for (const auto& [k, x] : *o)
      if (k != "$ref") codes_in(x, out);
    if (o == &v.as_object()) break;
  }
}

// A concrete target for a path template: each {param} filled with "x".
std::string concrete(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    out += 'x';
    i = path.find('}', i);
  }
  return out;
}

void everything_on(config::Settings& s) {
  s.admin_key = "admin-key-for-the-openapi-tests";
  s.leaderboards.server_key = "server-key-for-the-openapi-tests";
}

TEST(OpenApi, TheDocumentAndTheRouteTableNameTheSameOperations) {
  TestServer server(everything_on);  // roles "all": every route there is
  std::set<Operation> in_code;
  for (const auto& r : server.app().routes().routes())
    in_code.insert({std::string(http::to_string(r.method)), r.pattern, nullptr});
  for (const auto& u : server.app().routes().upgrades()) in_code.insert({"GET", u.path, nullptr});
  std::set<Operation> documented;
  for (const auto& o : operations()) documented.insert(o);
  for (const auto& o : in_code)
    EXPECT_TRUE(documented.contains(o)) << o.method << " " << o.path << " is served but not in api/openapi.json";
  for (const auto& o : documented)
    EXPECT_TRUE(in_code.contains(o)) << o.method << " " << o.path << " is in api/openapi.json but no route serves it";
  EXPECT_GE(in_code.size(), 27u);  // a guard against an empty table
}

TEST(OpenApi, EveryErrorCodeListedIsRealAndAnsweredWithTheStatusItIsListedUnder) {
  std::size_t listed = 0;
  for (const auto& o : operations())
    for (const auto& [status, response] : o.op->at("responses").as_object()) {
      std::set<std::string> codes;
      codes_in(response, codes);
      for (const auto& name : codes) {
        ++listed;
        const auto code = code_named(name);
        ASSERT_TRUE(code.has_value()) << o.method << " " << o.path << " " << status << " lists '" << name
                                      << "', which is no error code";
        EXPECT_EQ(std::to_string(http::status_of(*code)), std::string(status))
            << o.method << " " << o.path << ": '" << name << "' is answered with " << http::status_of(*code);
      }
      if (status.front() == '4' || status.front() == '5') {
        EXPECT_FALSE(codes.empty()) << o.method << " " << o.path << " " << status << " lists no error code";
      }
    }
  // The edge's own answers, which come on any route.
  for (const auto& [status, response] : document().at("x-arena-any-route").at("responses").as_object()) {
    std::set<std::string> codes;
    codes_in(response, codes);
    EXPECT_FALSE(codes.empty()) << status;
    for (const auto& name : codes) {
      ++listed;
      const auto code = code_named(name);
      ASSERT_TRUE(code.has_value()) << name;
      EXPECT_EQ(std::to_string(http::status_of(*code)), std::string(status)) << name;
    }
  }
  EXPECT_GT(listed, 100u);
}

// The storage and slow pools refuse work beyond their queue with 503 overloaded before the
// handler runs: with a queue of none, every route that runs there says so, and only those
// document it.
TEST(OpenApi, EveryRouteOffTheIoThreadsDocumentsAndAnswers503Overloaded) {
  TestServer server([](config::Settings& s) {
    everything_on(s);
    s.http.max_blocking_queue = 0;
  });
  HttpClient http(server.port());
  std::size_t checked = 0;
  for (const auto& r : server.app().routes().routes()) {
    const std::string method(http::to_string(r.method));
    const auto* op = operation(method, r.pattern);
    ASSERT_NE(op, nullptr) << method << " " << r.pattern;
    if (r.options.runs_on == http::RunsOn::io) {
      EXPECT_FALSE(documents(*op, 503)) << method << " " << r.pattern << " runs on an I/O thread: never 503";
      continue;
    }
    ++checked;
    EXPECT_TRUE(documents(*op, 503)) << method << " " << r.pattern;
    const bool body = op->contains("requestBody");
    const auto res = http.request(method, concrete(r.pattern), body ? "{}" : "");
    EXPECT_EQ(res.status, 503) << method << " " << r.pattern << ": " << res.body;
    EXPECT_EQ(res.error_code(), "overloaded") << method << " " << r.pattern;
    EXPECT_EQ(res.headers.at("retry-after"), "1");
  }
  EXPECT_GE(checked, 20u);
}

// Bodies: one that is not JSON is 415 and one over http.max_body_bytes 413, on every route that
// takes a body, and those document both.
TEST(OpenApi, EveryRouteWithABodyDocumentsAndAnswers413And415) {
  TestServer server([](config::Settings& s) {
    everything_on(s);
    s.http.max_body_bytes = 256;
  });
  std::size_t checked = 0;
  for (const auto& o : operations()) {
    const bool body = o.op->contains("requestBody");
    EXPECT_EQ(documents(*o.op, 413), body) << o.method << " " << o.path;
    EXPECT_EQ(documents(*o.op, 415), body) << o.method << " " << o.path;
    if (!body) continue;
    ++checked;
    HttpClient http(server.port());
    const auto text = http.request(o.method, concrete(o.path), "hello", {{"Content-Type", "text/plain"}});
    EXPECT_EQ(text.status, 415) << o.method << " " << o.path << ": " << text.body;
    EXPECT_EQ(text.error_code(), "unsupported_media_type");
    HttpClient fresh(server.port());  // a 413 ends the connection
    const auto big = fresh.request(o.method, concrete(o.path), R"({"display_name":")" + std::string(300, 'a') + "\"}");
    EXPECT_EQ(big.status, 413) << o.method << " " << o.path << ": " << big.body;
    EXPECT_EQ(big.error_code(), "body_too_large");
  }
  EXPECT_GE(checked, 8u);
  // A route that takes no body refuses an oversized one all the same, at the edge (x-arena-any-route).
  HttpClient http(server.port());
  const auto big = http.request("GET", "/healthz", std::string(300, 'a'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.error_code(), "body_too_large");
}

TEST(OpenApi, TheServedDocumentIsTheBuiltInOneWithAnETag) {
  TestServer server;
  HttpClient http(server.port());
  const auto r = http.get("/openapi.json");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.body, apidocs::openapi_json());
  EXPECT_EQ(r.json().at("openapi"), "3.1.0");
  const auto etag = r.headers.at("etag");
  EXPECT_EQ(r.headers.at("cache-control"), "no-cache");
  const auto again = http.request("GET", "/openapi.json", "", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(http.request("GET", "/openapi.json", "", {{"If-None-Match", "\"other\""}}).status, 200);
  // Its version is the project's (CMakeLists.txt: project(arena VERSION x.y.z)).
  std::ifstream cmake(std::string(ARENA_SOURCE_DIR) + "/CMakeLists.txt");
  const std::string lists((std::istreambuf_iterator<char>(cmake)), std::istreambuf_iterator<char>());
  const auto at = lists.find("project(arena VERSION ");
  ASSERT_NE(at, std::string::npos);
  const auto from = at + std::string_view("project(arena VERSION ").size();
  EXPECT_EQ(std::string(r.json().at("info").at("version").as_string()),
            lists.substr(from, lists.find(' ', from) - from));
  // The file in the repository is the one built in.
  std::ifstream in(std::string(ARENA_SOURCE_DIR) + "/api/openapi.json", std::ios::binary);
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(source, apidocs::openapi_json());
}

TEST(OpenApi, TheWebSocketRouteAnswersAsDocumented) {
  TestServer server;
  HttpClient http(server.port());
  EXPECT_EQ(http.get("/v1/ws").status, 426);
  const auto no_token = testing::ws_refused(server.port(), {});
  EXPECT_EQ(no_token.status, 401);
  const auto login = http.post_json("/v1/auth/guest", "").json();
  const std::string token(login.at("access_token").as_string());
  const auto bad_sid = testing::ws_refused(server.port(), {.token = token, .query = "sid=not-a-session"});
  EXPECT_EQ(bad_sid.status, 400);
  testing::WsClient ws(server.port(), {.token = token});
  EXPECT_TRUE(ws.is_open());
}

// Swagger UI's files, as the build installs them (npm swagger-ui-dist): content types, caching,
// revalidation; nothing outside the directory, whatever the path says.
TEST(SwaggerUi, ServesItsFilesWithTheirTypesAndCachingAndNothingElse) {
  TestServer server;
  HttpClient http(server.port());
  const auto page = http.get("/api-docs");
  ASSERT_EQ(page.status, 200) << page.body << " (make installs Swagger UI: scripts/npm.sh web, then the build)";
  EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.headers.at("cache-control"), "no-cache");
  EXPECT_EQ(page.headers.at("x-content-type-options"), "nosniff");
  EXPECT_NE(page.body.find("/api-docs/swagger-ui-bundle.js"), std::string::npos);
  const auto init = http.get("/api-docs/swagger-initializer.js");
  ASSERT_EQ(init.status, 200);
  EXPECT_NE(init.body.find("\"/openapi.json\""), std::string::npos);
  struct Want {
    const char* file;
    const char* type;
  };
  for (const auto& w : {Want{"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
                        Want{"swagger-ui.css", "text/css; charset=utf-8"}, Want{"favicon-32x32.png", "image/png"}}) {
    const auto f = http.get(std::string("/api-docs/") + w.file);
    ASSERT_EQ(f.status, 200) << w.file;
    EXPECT_EQ(f.headers.at("content-type"), w.type);
    EXPECT_EQ(f.headers.at("cache-control"), "public, max-age=86400");
    EXPECT_GT(f.body.size(), 100u);
    const auto again =
        http.request("GET", std::string("/api-docs/") + w.file, "", {{"If-None-Match", f.headers.at("etag")}});
    EXPECT_EQ(again.status, 304) << w.file;
  }
  const auto page_again = http.request("GET", "/api-docs", "", {{"If-None-Match", page.headers.at("etag")}});
  EXPECT_EQ(page_again.status, 304);
  for (const char* escape :
       {"/api-docs/..", "/api-docs/%2e%2e", "/api-docs/..%2F..%2Fjwt.keys", "/api-docs/..%2f..%2f..%2fetc%2fpasswd",
        "/api-docs/.hidden", "/api-docs/index.html%00.js", "/api-docs/nothing.js"}) {
    const auto r = http.get(escape);
    EXPECT_EQ(r.status, 404) << escape << ": " << r.body;
    EXPECT_EQ(r.error_code(), "not_found") << escape;
  }
  // Not a route at all (the router matches the path as sent, one segment per {param}).
  EXPECT_EQ(http.get("/api-docs/../openapi.json").status, 404);
  EXPECT_EQ(http.get("/api-docs/a/b").status, 404);
}

// A directory of its own: only the plain files directly in it are served; a subdirectory, a
// dotfile and a symbolic link to a file outside are not.
TEST(SwaggerUi, ServesOnlyThePlainFilesDirectlyInItsDirectory) {
  testing::TempDir dir;
  const auto ui = dir.path() / "ui";
  std::filesystem::create_directories(ui / "sub");
  std::ofstream(ui / "app.js") << "console.log(1)";
  std::ofstream(ui / ".secret") << "s";
  std::ofstream(ui / "sub" / "deep.js") << "d";
  std::ofstream(dir.path() / "outside.txt") << "outside";
  std::filesystem::create_symlink(dir.path() / "outside.txt", ui / "link.txt");
  TestServer server([&](config::Settings& s) { s.swagger_ui_dir = ui.string(); });
  HttpClient http(server.port());
  const auto app = http.get("/api-docs/app.js");
  EXPECT_EQ(app.status, 200);
  EXPECT_EQ(app.body, "console.log(1)");
  for (const char* no : {"/api-docs/.secret", "/api-docs/sub", "/api-docs/link.txt", "/api-docs/outside.txt"})
    EXPECT_EQ(http.get(no).status, 404) << no;
  const auto page = http.get("/api-docs");  // no index.html here
  EXPECT_EQ(page.status, 404);
  EXPECT_EQ(page.error_code(), "not_found");
}

}  // namespace
}  // namespace arena
