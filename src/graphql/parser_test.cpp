#include "arena/graphql/parser.hpp"

#include "arena/graphql/sdl.hpp"

#include <gtest/gtest.h>

namespace arena::graphql {
namespace {

// The message and location of the syntax error `source` gives ("" when it parses).
struct Refusal {
  std::string message;
  int line = 0;
  int column = 0;
};
Refusal refusal(std::string_view source, const ParseLimits& limits = {}) {
  try {
    parse(source, limits);
  } catch (const SyntaxError& e) {
    return {e.what(), e.location().line, e.location().column};
  }
  return {};
}

TEST(GraphqlParser, AKitchenSinkOfTheExecutableGrammar) {
  const auto doc = parse(R"(
    # a comment, then a BOM-free document with commas where they are ignored
    query Profile($id: ID!, $first: Int = 10, $modes: [String!] = ["duel", "ffa"]) @cached(ttl: 5) {
      me { ...Who }
      player(id: $id) {
        id, displayName
        history: matchHistory(first: $first, after: null) @include(if: true) {
          edges { node { id mode } }
        }
        ... on Player @skip(if: false) { rating(filter: {modes: $modes, min: -1.5e3, exact: 0, tag: GOLD}) }
        ... { __typename }
      }
    }
    mutation { updateAccount(displayName: "Ada \"L\" \u00e9\u{1F600}") { displayName } }
    { modes }
    fragment Who on Player { id }
  )");
  ASSERT_EQ(doc.operations.size(), 3u);
  ASSERT_EQ(doc.fragments.size(), 1u);
  const auto& q = doc.operations[0];
  EXPECT_EQ(q.kind, Operation::Kind::query);
  EXPECT_EQ(q.name, "Profile");
  ASSERT_EQ(q.variables.size(), 3u);
  EXPECT_EQ(q.variables[0].type.text(), "ID!");
  EXPECT_EQ(q.variables[1].default_value->text, "10");
  EXPECT_EQ(q.variables[2].type.text(), "[String!]");
  EXPECT_EQ(q.variables[2].default_value->list.size(), 2u);
  EXPECT_EQ(q.directives[0].name, "cached");
  EXPECT_EQ(q.loc.line, 3);
  EXPECT_EQ(q.loc.column, 5);
  const auto& player = q.selection_set.selections[1];
  EXPECT_EQ(player.name, "player");
  EXPECT_EQ(player.arguments[0].value.kind, Value::Kind::variable);
  const auto& history = player.selection_set.selections[2];
  EXPECT_EQ(history.alias, "history");
  EXPECT_EQ(history.name, "matchHistory");
  EXPECT_EQ(history.response_key(), "history");
  EXPECT_EQ(history.arguments[1].value.kind, Value::Kind::null);
  const auto& typed = player.selection_set.selections[3];
  EXPECT_EQ(typed.kind, Selection::Kind::inline_fragment);
  EXPECT_EQ(typed.type_condition, "Player");
  const auto& filter = typed.selection_set.selections[0].arguments[0].value;
  ASSERT_EQ(filter.kind, Value::Kind::object);
  EXPECT_EQ(filter.fields[1].value.kind, Value::Kind::float_);
  EXPECT_EQ(filter.fields[1].value.text, "-1.5e3");
  EXPECT_EQ(filter.fields[2].value.kind, Value::Kind::int_);
  EXPECT_EQ(filter.fields[3].value.kind, Value::Kind::enum_);
  EXPECT_EQ(player.selection_set.selections[4].type_condition, "");
  EXPECT_EQ(q.selection_set.selections[0].selection_set.selections[0].kind, Selection::Kind::fragment_spread);
  EXPECT_EQ(doc.operations[1].kind, Operation::Kind::mutation);
  EXPECT_EQ(doc.operations[1].selection_set.selections[0].arguments[0].value.text,
            "Ada \"L\" \xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_TRUE(doc.operations[2].name.empty());
  EXPECT_EQ(doc.fragments[0].type_condition, "Player");
}

TEST(GraphqlParser, BlockStringsLoseTheirCommonIndentAndBlankEdges) {
  const auto doc = parse("{ f(s: \"\"\"\n    first\n      second\n    \\\"\"\" quoted\n\n  \"\"\") }");
  EXPECT_EQ(doc.operations[0].selection_set.selections[0].arguments[0].value.text, "first\n  second\n\"\"\" quoted");
  EXPECT_EQ(block_string_value("  x  "), "  x  ");  // the first line keeps its indent
  EXPECT_EQ(block_string_value("\r\n  a\r  b\n"), "a\nb");
  EXPECT_EQ(block_string_value(" \n\t\n"), "");
}

TEST(GraphqlParser, SurrogatePairsJoinAndLoneSurrogatesAreRefused) {
  const auto doc = parse(R"({ f(s: "\uD83D\uDE00") })");
  EXPECT_EQ(doc.operations[0].selection_set.selections[0].arguments[0].value.text, "\xF0\x9F\x98\x80");
  EXPECT_NE(refusal(R"({ f(s: "\uD83D") })").message.find("Invalid Unicode escape sequence"), std::string::npos);
  EXPECT_NE(refusal(R"({ f(s: "\u{D800}") })").message.find("Invalid Unicode escape sequence"), std::string::npos);
  EXPECT_NE(refusal(R"({ f(s: "\u{110000}") })").message.find("Invalid Unicode escape sequence"), std::string::npos);
}

TEST(GraphqlParser, SyntaxErrorsSayWhatAndWhereAsGraphqlJsDoes) {
  struct Case {
    const char* source;
    const char* message;
    int line, column;
  };
  for (const auto& c : std::vector<Case>{
           {"", "Syntax Error: Unexpected <EOF>.", 1, 1},
           {"{", "Syntax Error: Expected Name, found <EOF>.", 1, 2},
           {"{ a(b: ) }", "Syntax Error: Unexpected \")\".", 1, 8},
           {"query { a }\n  }", "Syntax Error: Unexpected \"}\".", 2, 3},
           {"{ a(b: 01) }", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 9},
           {"{ a(b: 1.) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1, 10},
           {"{ a(b: 1x) }", "Syntax Error: Invalid number, expected digit but got: \"x\".", 1, 9},
           {"{ a(b: \"x) }", "Syntax Error: Unterminated string.", 1, 13},
           {"{ a(b: \"\\q\") }", "Syntax Error: Invalid character escape sequence: \"\\q\".", 1, 9},
           {"{ a(b: 'x') }",
            "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?", 1, 8},
           {"{ a \x01 }", "Syntax Error: Unexpected character: U+0001.", 1, 5},
           {"{ a. }", "Syntax Error: Unexpected character: \".\".", 1, 4},
           {"fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10},
           {"query Q($v: Int = $w) { a }", "Syntax Error: Unexpected variable \"$w\" in constant value.", 1, 19},
           {"type T { a: Int }", "Syntax Error: Unexpected Name \"type\": type system definitions cannot be executed.",
            1, 1},
           {"{ ... on }", "Syntax Error: Expected Name, found \"}\".", 1, 10},
       }) {
    const auto r = refusal(c.source);
    EXPECT_EQ(r.message, c.message) << c.source;
    EXPECT_EQ(r.line, c.line) << c.source;
    EXPECT_EQ(r.column, c.column) << c.source;
  }
}

TEST(GraphqlParser, ColumnsCountCharactersNotBytes) {
  const auto r = refusal("{ f(s: \"\xC3\xA9\xC3\xA9\") ! }");
  EXPECT_EQ(r.column, 14);
}

TEST(GraphqlParser, BadBytesAreRefusedNotRead) {
  EXPECT_NE(refusal("{ a(b: \"\xFF\") }").message.find("UTF-8"), std::string::npos);
  EXPECT_NE(refusal("{ a } # \xC3").message.find("UTF-8"), std::string::npos);
  // Any Unicode scalar value may be in a string (October 2021), control characters too; outside
  // one it is no token.
  EXPECT_TRUE(refusal(std::string("{ a(b: \"\0\") }", 13)).message.empty());
  EXPECT_NE(refusal(std::string("{ a \0 }", 7)).message.find("U+0000"), std::string::npos);
  EXPECT_TRUE(refusal("\xEF\xBB\xBF{ a }").message.empty());  // a byte order mark is ignored
}

TEST(GraphqlParser, LimitsRefuseBigDeepAndLongDocumentsEarly) {
  EXPECT_NE(refusal(std::string(70 * 1024, ' ') + "{a}").message.find("larger than 65536 bytes"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{a";
  deep += std::string(40, '}');
  const auto r = refusal(deep);
  EXPECT_NE(r.message.find("nests deeper than 32 levels"), std::string::npos) << r.message;
  std::string deep_value = "{ a(b: " + std::string(100'000 / 2, '[') + ") }";
  EXPECT_NE(refusal(deep_value, {.max_bytes = 1 << 20}).message.find("nests deeper"), std::string::npos);
  std::string deep_type = "query($v: " + std::string(40, '[') + "Int" + std::string(40, ']') + ") { a }";
  EXPECT_NE(refusal(deep_type).message.find("nests deeper"), std::string::npos);
  std::string many = "{";
  for (int i = 0; i < 200; ++i) many += " a";
  many += " }";
  EXPECT_NE(refusal(many, {.max_tokens = 100}).message.find("more than 100 tokens"), std::string::npos);
  EXPECT_TRUE(refusal(many).message.empty());
}

TEST(GraphqlSchemaParser, ReadsEveryKindOfTypeSystemDefinition) {
  const auto doc = parse_schema(R"(
    "The schema" schema { query: Q mutation: M }
    """
    A player.
    """
    type Player implements Node & Named @key(fields: "id") {
      "Its id." id: ID!
      history("How many." first: Int = 20 @deprecated(reason: "use limit"), after: String): [Match!]! @deprecated
    }
    interface Node { id: ID! }
    union Result = | Win | Loss
    enum Outcome { WIN "a loss" LOSS @deprecated DRAW }
    input Filter { modes: [String!] = ["duel"], min: Float }
    scalar JSON @specifiedBy(url: "https://www.json.org")
    directive @key(fields: String!) repeatable on | OBJECT | INTERFACE
  )");
  ASSERT_TRUE(doc.schema.has_value());
  EXPECT_EQ(doc.schema->description, "The schema");
  ASSERT_EQ(doc.schema->roots.size(), 2u);
  EXPECT_EQ(doc.schema->roots[1].first, Operation::Kind::mutation);
  EXPECT_EQ(doc.schema->roots[1].second, "M");
  ASSERT_EQ(doc.types.size(), 6u);
  const auto& player = doc.types[0];
  EXPECT_EQ(player.kind, TypeDefinition::Kind::object);
  EXPECT_EQ(player.description, "A player.");
  EXPECT_EQ(player.interfaces, (std::vector<std::string>{"Node", "Named"}));
  EXPECT_EQ(player.directives[0].name, "key");
  ASSERT_EQ(player.fields.size(), 2u);
  EXPECT_EQ(player.fields[0].description, "Its id.");
  EXPECT_EQ(player.fields[1].type.text(), "[Match!]!");
  EXPECT_EQ(player.fields[1].arguments[0].description, "How many.");
  EXPECT_EQ(player.fields[1].arguments[0].default_value->text, "20");
  EXPECT_EQ(player.fields[1].arguments[0].directives[0].name, "deprecated");
  EXPECT_EQ(doc.types[2].members, (std::vector<std::string>{"Win", "Loss"}));
  ASSERT_EQ(doc.types[3].values.size(), 3u);
  EXPECT_EQ(doc.types[3].values[1].description, "a loss");
  EXPECT_EQ(doc.types[4].input_fields[0].default_value->list.size(), 1u);
  EXPECT_EQ(doc.types[5].kind, TypeDefinition::Kind::scalar);
  ASSERT_EQ(doc.directives.size(), 1u);
  EXPECT_TRUE(doc.directives[0].repeatable);
  EXPECT_EQ(doc.directives[0].locations, (std::vector<std::string>{"OBJECT", "INTERFACE"}));
  EXPECT_THROW(parse_schema("type T { a: Int } { a }"), SyntaxError);
  EXPECT_THROW(parse_schema("extend type T { b: Int }"), SyntaxError);
}

}  // namespace
}  // namespace arena::graphql
