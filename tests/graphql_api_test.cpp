// GraphQL at /graphql on a live embedded server: held to graphql-js and to the REST routes by
// tools/js/graphql-api-check.mjs (introspection prints as api/schema.graphql; the corpus
// tests/graphql/api_corpus.json gets graphql-js's verdicts and, for valid documents, what
// graphql-js gives over resolvers that call REST; graphql-http's audits), and its HTTP edges:
// the mutation, GET, content negotiation, limits, GraphiQL.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/temp_dir.hpp"
#include "arena/testing/test_server.hpp"
#include "four_game.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::duel_of_four;
using testing::HttpClient;
using testing::TestServer;
namespace json = boost::json;

testing::HttpResult post(std::uint16_t port, const std::string& body, const std::string& accept = "application/json",
                         const std::string& token = {}) {
  std::vector<std::pair<std::string, std::string>> h{{"Content-Type", "application/json"}, {"Accept", accept}};
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return HttpClient(port).request("POST", "/graphql", body, h);
}

json::object query_body(const std::string& query, json::object variables = {}) {
  return {{"query", query}, {"variables", std::move(variables)}};
}

// `path` ("a.b.0.c") of the response's JSON.
json::value at(const testing::HttpResult& r, std::initializer_list<json::string_view> path) {
  json::value v = r.json();
  for (const auto& p : path) {
    if (v.is_array())
      v = v.as_array().at(std::stoul(std::string(p)));
    else
      v = v.as_object().at(p);
  }
  return v;
}

TEST(GraphqlApi, AgreesWithGraphqlJsAndTheRestRoutesAndPassesTheHttpAudits) {
  TestServer server(duel_of_four);
  const auto port = server.port();
  testing::Player a(port, testing::guest(port)), b(port, testing::guest(port));
  for (int game = 0; game < 2; ++game) {
    ASSERT_FALSE(testing::play_four(a, b).is_null());
    // Rated (the worker's job committed) when both hear rating.changed.
    ASSERT_TRUE(a.next("rating.changed", 10s) && b.next("rating.changed", 10s));
  }
  ASSERT_EQ(testing::rated_games(port, b.login.user_id), 2);
  HttpClient http(port);
  const auto history = http.get("/v1/players/" + a.login.user_id + "/matches?limit=1").json();
  const auto board = http.get("/v1/leaderboards/duel4?limit=1").json();
  ASSERT_TRUE(history.at("next_cursor").is_string()) << history;
  ASSERT_TRUE(board.at("next_cursor").is_string()) << board;
  const json::object context{{"token", a.login.token},
                             {"vars",
                              {{"a", a.login.user_id},
                               {"b", b.login.user_id},
                               {"match", history.at("matches").at(0).at("match_id")},
                               {"board", "duel4"},
                               {"season", http.get("/v1/leaderboards").json().at("boards").at(0).at("season")},
                               {"history_cursor", history.at("next_cursor")},
                               {"board_cursor", board.at("next_cursor")}}}};
  testing::TempDir dir;
  const auto context_file = (dir.path() / "context.json").string();
  std::ofstream(context_file) << json::serialize(context);
  const std::string src = ARENA_SOURCE_DIR;
  const auto r = testing::run_command(
      "cd " + src + "/tools/js && node graphql-api-check.mjs http://127.0.0.1:" + std::to_string(port) + " " + src +
      "/api/schema.graphql " + src + "/tests/graphql/api_corpus.json " + context_file + " 2>&1");
  std::cout << r.output;  // the corpus and audit summary, in the test's log
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("all agree"), std::string::npos) << r.output;
}

TEST(GraphqlApi, UpdateAccountRenamesThePlayerAsPatchDoes) {
  TestServer server;
  const auto port = server.port();
  const auto me = testing::guest(port);
  const std::string rename = "mutation($n: String!) { updateAccount(displayName: $n) { userId displayName } }";
  auto r = post(port, json::serialize(query_body(rename, {{"n", "Renamed"}})), "application/json", me.token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(at(r, {"data", "updateAccount", "displayName"}), "Renamed");
  EXPECT_EQ(HttpClient(port).get("/v1/account", me.token).json().at("display_name"), "Renamed");
  // The REST route's checks and codes: a bad name, no token.
  r = post(port, json::serialize(query_body(rename, {{"n", std::string(40, 'x')}})), "application/json", me.token);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "invalid_field") << r.body;
  EXPECT_TRUE(at(r, {"data"}).is_null());
  r = post(port, json::serialize(query_body(rename, {{"n", "Nobody"}})));
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "unauthorized") << r.body;
  EXPECT_EQ(HttpClient(port).get("/v1/account", me.token).json().at("display_name"), "Renamed");
  // A mutation is not run by GET.
  HttpClient http(port);
  const auto get = http.request("GET", "/graphql?query=mutation%7BupdateAccount(displayName:%22G%22)%7BuserId%7D%7D",
                                "", {{"Authorization", "Bearer " + me.token}, {"Accept", "application/json"}});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers.at("allow"), "POST");
  EXPECT_EQ(at(get, {"errors", "0", "extensions", "code"}), "method_not_allowed");
  EXPECT_EQ(HttpClient(port).get("/v1/account", me.token).json().at("display_name"), "Renamed");
}

TEST(GraphqlApi, BadRequestsGetClearErrorsWithStableCodes) {
  TestServer server([](config::Settings& s) { s.graphql.max_aliases = 3; });
  const auto port = server.port();
  const std::string gr = "application/graphql-response+json";
  // Document errors: 400 with graphql-response+json, 200 with json (the legacy media type).
  auto r = post(port, R"({"query":"{ modes { name "})", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers.at("content-type"), "application/graphql-response+json; charset=utf-8");
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_syntax");
  EXPECT_FALSE(r.json().as_object().contains("data"));
  r = post(port, R"({"query":"{ modes { name "})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "application/json; charset=utf-8");
  r = post(port, R"({"query":"{ nope }"})", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "message"}), "Cannot query field \"nope\" on type \"Query\".");
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_invalid");
  r = post(port, R"({"query":"query($n: Int!) { leaderboards { id } }","variables":{}})", gr);
  EXPECT_EQ(r.status, 400);  // graphql-js: unused variable
  r = post(port, R"({"query":"query($b: String!) { leaderboard(board: $b) { board } }","variables":{"b":5}})", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_invalid") << r.body;
  // Limits: aliases (set to 3 here), depth (15: the introspection query's), complexity (5000).
  r = post(port, R"({"query":"{ a: modes { name } b: modes { name } c: modes { name } d: modes { name } }"})", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_too_complex") << r.body;
  std::string deep = "{ __schema { types { fields { type { name } } } } }";  // 5 deep; 16 below
  for (int i = 0; i < 11; ++i) deep.replace(deep.find("{ name }"), 8, "{ ofType { name } }");
  r = post(port, json::serialize(json::object{{"query", deep}}), gr);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_too_complex") << r.body;
  r = post(port,
           json::serialize(json::object{{"query",
                                         "query($ids: [ID!]!) { players(ids: $ids) { matches(first: 100) "
                                         "{ nodes { placements { seat } } } } }"},
                                        {"variables", {{"ids", json::array{"a"}}}}}),
           gr);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "graphql_too_complex") << r.body;
  // Requests that are not GraphQL requests: 400 with the REST codes, in GraphQL's shape.
  r = post(port, "{not json", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "malformed_json");
  for (const char* body : {R"({})", R"({"query":5})", R"({"query":"{ modes { name } }","variables":[1]})",
                           R"({"query":"{ modes { name } }","operationName":5})", R"([1])"}) {
    r = post(port, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "invalid_body") << body << " " << r.body;
  }
  r = post(port, R"({"query":"query A { modes { name } } query B { modes { game } }"})", gr);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "message"}), "Must provide operation name if query contains multiple operations.");
  // Only JSON answers are made: a client that takes neither gets 406.
  r = post(port, R"({"query":"{ modes { name } }"})", "text/html");
  EXPECT_EQ(r.status, 406);
  EXPECT_EQ(r.error_code(), "not_acceptable");
  HttpClient http(port);
  EXPECT_EQ(
      http.request("POST", "/graphql", R"({"query":"{ modes { name } }"})", {{"Content-Type", "text/plain"}}).status,
      415);
  // GET: a query with JSON variables in the query string.
  r = http.request("GET",
                   "/graphql?query=query(%24f%3ABoolean!)%7Bmodes%20%40include(if%3A%24f)%7Bname%7D%7D"
                   "&variables=%7B%22f%22%3Atrue%7D",
                   "", {{"Accept", gr}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(at(r, {"data", "modes"}).is_array());
  EXPECT_EQ(http.request("GET", "/graphql?query=%7Bmodes%7Bname%7D%7D", "", {{"Accept", "text/plain"}}).status, 406);
  r = http.request("GET", "/graphql?query=%7Bmodes%7Bname%7D%7D&variables=%5B1%5D", "", {{"Accept", gr}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(at(r, {"errors", "0", "extensions", "code"}), "invalid_body");
}

// GET /v1/modes and Query.modes: the worker's modes, the same in both.
TEST(GraphqlApi, ModesAreTheConfiguredOnesOverRestAndGraphql) {
  TestServer server(duel_of_four);
  const auto rest = HttpClient(server.port()).get("/v1/modes");
  ASSERT_EQ(rest.status, 200);
  const auto rest_body = rest.json();
  const auto& modes = rest_body.at("modes").as_array();
  const auto duel4 = std::find_if(modes.begin(), modes.end(), [](const auto& m) { return m.at("name") == "duel4"; });
  ASSERT_NE(duel4, modes.end()) << rest.body;
  EXPECT_EQ(duel4->at("game"), "four");
  EXPECT_EQ(duel4->at("seats"), 2);
  EXPECT_EQ(duel4->at("regions"), json::array{"eu"});
  EXPECT_TRUE(duel4->at("bots_after_s").is_null());  // bots_after_s = 0: never
  EXPECT_EQ(duel4->at("rating_model"), "glicko2");
  const auto gql = post(server.port(), R"({"query":"{ modes { name game seats teamSize botsAfterS ratingModel } }"})");
  const auto listed_value = at(gql, {"data", "modes"});
  const auto& listed = listed_value.as_array();
  ASSERT_EQ(listed.size(), modes.size());
  for (std::size_t i = 0; i < modes.size(); ++i) {
    EXPECT_EQ(listed[i].at("name"), modes[i].at("name"));
    EXPECT_EQ(listed[i].at("teamSize"), modes[i].at("team_size"));
    EXPECT_EQ(listed[i].at("botsAfterS"), modes[i].at("bots_after_s"));
  }
}

TEST(GraphqlApi, ABrowserGetsGraphiqlWithItsFiles) {
  TestServer server;
  HttpClient http(server.port());
  auto r = http.request("GET", "/graphql", "", {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("/graphiql/graphiql.min.js"), std::string::npos);
  for (const char* f :
       {"graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js"}) {
    r = http.get(std::string("/graphiql/") + f);
    EXPECT_EQ(r.status, 200) << f;
    EXPECT_GT(r.body.size(), 1000u) << f;
  }
  EXPECT_EQ(http.get("/graphiql/react.production.min.js").headers.at("content-type"), "text/javascript; charset=utf-8");
  const auto etag = http.get("/graphiql/graphiql.min.css").headers.at("etag");
  EXPECT_EQ(http.request("GET", "/graphiql/graphiql.min.css", "", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(http.get("/graphiql/..%2Fswagger-ui%2Findex.html").status, 404);
  EXPECT_EQ(http.get("/graphiql/nothing.js").error_code(), "not_found");
}

}  // namespace
}  // namespace arena
