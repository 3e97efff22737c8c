// Execution with resolvers and a request context, beyond the corpus held to graphql-js
// (tests/graphql/execution_corpus.json, run over plain values).
#include "arena/graphql/execute.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "arena/graphql/parser.hpp"
#include "arena/graphql/validate.hpp"

namespace arena::graphql {
namespace {
namespace json = boost::json;

constexpr std::string_view kSdl = R"(
  type Query { me: Account, player(id: ID!): Player, broken: Player!, players(ids: [ID!]!): [Player]! }
  type Account { name: String! }
  type Player { id: ID!, name: String!, friends(first: Int = 2): [Player!]! }
)";

struct Caller {
  std::string user;
};

Executor executor() {
  std::map<std::string, Resolver, std::less<>> r;
  r["Query.me"] = [](const ResolveInfo& i) -> json::value {
    const auto* caller = static_cast<const Caller*>(i.context);
    if (caller == nullptr || caller->user.empty()) throw FieldError("not logged in");
    return json::object{{"name", caller->user}};
  };
  r["Query.player"] = [](const ResolveInfo& i) -> json::value {
    const std::string id(i.args.at("id").as_string());
    if (id == "ghost") return json::object{{"id", id}, {"name", nullptr}};
    return json::object{{"id", id}, {"name", "P" + id}};
  };
  r["Query.broken"] = [](const ResolveInfo&) -> json::value { throw std::runtime_error("store is down"); };
  r["Query.players"] = [](const ResolveInfo& i) -> json::value {
    json::array out;
    for (const auto& id : i.args.at("ids").as_array())
      out.push_back(id == "x" ? json::value(nullptr) : json::value(json::object{{"id", id}, {"name", "N"}}));
    return out;
  };
  r["Player.friends"] = [](const ResolveInfo& i) -> json::value {
    json::array out;
    for (std::int64_t n = 0; n < i.args.at("first").as_int64(); ++n)
      out.push_back(json::object{{"id", std::to_string(n)}, {"name", "F"}});
    return out;
  };
  return Executor(Schema::from_sdl(kSdl), std::move(r));
}

json::object run(std::string_view query, const Caller* caller = nullptr, json::object variables = {}) {
  static const auto ex = executor();
  const auto doc = parse(query);
  EXPECT_TRUE(validate(ex.schema(), doc).empty()) << query;
  ExecuteRequest req;
  req.document = &doc;
  req.context = caller;
  req.variables = std::move(variables);
  return ex.execute(req);
}

TEST(GraphqlExecution, ResolversGetArgumentsDefaultsAndTheRequestsContext) {
  const Caller ada{"Ada"};
  const auto r = run(
      "query($id: ID!) { me { name } p: player(id: $id) { id name friends { id } more: friends(first: 3) { id } } }",
      &ada, {{"id", 7}});
  EXPECT_FALSE(r.contains("errors")) << json::serialize(r);
  const auto& data = r.at("data").as_object();
  EXPECT_EQ(data.at("me").at("name"), "Ada");
  EXPECT_EQ(data.at("p").at("id"), "7");  // an ID variable given as a number is a string
  EXPECT_EQ(data.at("p").at("friends").as_array().size(), 2u);
  EXPECT_EQ(data.at("p").at("more").as_array().size(), 3u);
}

TEST(GraphqlExecution, AFailingFieldIsNullWithAnErrorWithItsPath) {
  const auto r = run("{ me { name } player(id: 1) { id } }");
  ASSERT_TRUE(r.contains("errors"));
  const auto& e = r.at("errors").as_array().at(0).as_object();
  EXPECT_EQ(e.at("message"), "not logged in");
  EXPECT_EQ(e.at("path"), json::array({"me"}));
  EXPECT_EQ(e.at("locations").as_array().at(0).at("column"), 3);
  EXPECT_TRUE(r.at("data").at("me").is_null());
  EXPECT_EQ(r.at("data").at("player").at("id"), "1");  // the rest of the response stands
}

TEST(GraphqlExecution, NullsInNonNullPlacesNullTheNearestNullableParent) {
  // player.name is String! and null for "ghost": player (nullable) becomes null.
  auto r = run("{ player(id: \"ghost\") { id name } }");
  EXPECT_TRUE(r.at("data").at("player").is_null());
  EXPECT_EQ(r.at("errors").at(0).at("message"), "Cannot return null for non-nullable field Player.name.");
  EXPECT_EQ(r.at("errors").at(0).at("path"), json::array({"player", "name"}));
  // broken is Player!: nothing above it is nullable, so data itself is null.
  r = run("{ broken { id } player(id: 1) { id } }");
  EXPECT_TRUE(r.at("data").is_null());
  EXPECT_EQ(r.at("errors").at(0).at("message"), "store is down");
  // A null item of [Player]! stays a null item.
  r = run("{ players(ids: [\"a\", \"x\"]) { id } }");
  EXPECT_FALSE(r.contains("errors"));
  EXPECT_TRUE(r.at("data").at("players").at(1).is_null());
}

TEST(GraphqlExecution, RequestsThatCannotRunSayWhyWithoutData) {
  auto r = run("query($id: ID!) { player(id: $id) { id } }");
  EXPECT_FALSE(r.contains("data"));
  EXPECT_EQ(r.at("errors").at(0).at("message"), "Variable \"$id\" of required type \"ID!\" was not provided.");
  r = run("query($id: ID!) { player(id: $id) { id } }", nullptr, {{"id", json::object()}});
  EXPECT_NE(std::string(r.at("errors").at(0).at("message").as_string()).find("got invalid value"), std::string::npos);
  static const auto ex = executor();
  const auto doc = parse("query A { me { name } } query B { me { name } }");
  ExecuteRequest req;
  req.document = &doc;
  EXPECT_EQ(ex.execute(req).at("errors").at(0).at("message"),
            "Must provide operation name if query contains multiple operations.");
  req.operation_name = "C";
  EXPECT_EQ(ex.execute(req).at("errors").at(0).at("message"), "Unknown operation named \"C\".");
}

}  // namespace
}  // namespace arena::graphql

namespace arena::graphql {
namespace {

TEST(GraphqlExecution, AFieldErrorsCodeGoesInItsExtensions) {
  std::map<std::string, Resolver, std::less<>> r;
  r["Query.me"] = [](const ResolveInfo&) -> json::value { throw FieldError("log in first", "unauthorized"); };
  r["Query.broken"] = [](const ResolveInfo&) -> json::value { throw FieldError("no code"); };
  const Executor ex(Schema::from_sdl(kSdl), std::move(r));
  const auto doc = parse("{ me { name } player: broken { id } }");
  ExecuteRequest req;
  req.document = &doc;
  const auto out = ex.execute(req);
  EXPECT_EQ(out.at("errors").at(0).at("extensions"), (json::object{{"code", "unauthorized"}}));
  EXPECT_EQ(out.at("errors").at(0).at("message"), "log in first");
  EXPECT_FALSE(out.at("errors").at(1).as_object().contains("extensions"));
}

TEST(GraphqlExecution, TheDefaultResolverReadsTheMemberTheApiNames) {
  constexpr std::string_view sdl = "type Query { player: Player } type Player { userId: ID!, displayName: String }";
  std::map<std::string, Resolver, std::less<>> r;
  r["Query.player"] = [](const ResolveInfo&) -> json::value {
    return json::object{{"user_id", "u1"}, {"display_name", "Ada"}, {"userId", "wrong"}};
  };
  const std::map<std::string, std::string, std::less<>> members{{"userId", "user_id"}, {"displayName", "display_name"}};
  const Executor ex(Schema::from_sdl(sdl), std::move(r), [&members](std::string_view field) -> std::string_view {
    const auto it = members.find(field);
    return it != members.end() ? std::string_view(it->second) : field;
  });
  const auto doc = parse("{ player { userId displayName __typename } }");
  ExecuteRequest req;
  req.document = &doc;
  EXPECT_EQ(ex.execute(req).at("data").at("player"),
            (json::object{{"userId", "u1"}, {"displayName", "Ada"}, {"__typename", "Player"}}));
}

}  // namespace
}  // namespace arena::graphql
