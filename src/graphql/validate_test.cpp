// The schema model and validation, beyond the corpus held to graphql-js
// (tests/graphql/validation_corpus.json): where errors point, what a bad schema is refused for,
// and the bound on the work a document can cause.
#include "arena/graphql/validate.hpp"

#include <gtest/gtest.h>

#include "arena/graphql/parser.hpp"

namespace arena::graphql {
namespace {

constexpr std::string_view kSdl = R"(
  type Query { player(id: ID!): Player, players: [Player!]! }
  type Player { id: ID!, name: String, friends: [Player!]! }
)";

std::vector<GraphqlError> errors_of(std::string_view doc, const ValidationLimits& limits = {}) {
  static const auto schema = Schema::from_sdl(kSdl);
  return validate(*schema, parse(doc), limits);
}

TEST(GraphqlSchema, KnowsItsTypesAndTheBuiltIns) {
  const auto s = Schema::from_sdl(kSdl);
  EXPECT_EQ(s->query_type().name, "Query");
  EXPECT_EQ(s->mutation_type(), nullptr);
  EXPECT_NE(s->type("Int"), nullptr);
  EXPECT_NE(s->type("__Schema"), nullptr);
  EXPECT_NE(s->directive("skip"), nullptr);
  EXPECT_EQ(s->types().front()->name, "Query");  // the schema's own first, in SDL order
  const auto* player = s->type("Player");
  ASSERT_NE(player, nullptr);
  EXPECT_NE(s->field(*player, "__typename"), nullptr);
  EXPECT_EQ(s->field(*player, "__schema"), nullptr);  // only on the query type
  EXPECT_NE(s->field(s->query_type(), "__type"), nullptr);
}

TEST(GraphqlSchema, RefusesASchemaThatIsNotWhole) {
  for (const char* bad :
       {"type Query { a: Nope }", "type Query { a: Int } type Query { b: Int }", "type Query { a(x: Query): Int }",
        "input In { a: Int } type Query { a: In }", "type Query { a: U } union U = Int",
        "type Query { a: Int } type T implements Query { a: Int }", "type NotQuery { a: Int }",
        "scalar Int type Query { a: Int }", "schema { query: In } input In { a: Int }"})
    EXPECT_THROW(Schema::from_sdl(bad), std::invalid_argument) << bad;
  EXPECT_THROW(Schema::from_sdl("type Query {"), SyntaxError);
}

TEST(GraphqlValidation, ErrorsPointAtWhatIsWrong) {
  const auto e = errors_of("{\n  player(id: 1) {\n    nope\n  }\n}");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message, "Cannot query field \"nope\" on type \"Player\".");
  ASSERT_EQ(e[0].locations.size(), 1u);
  EXPECT_EQ(e[0].locations[0].line, 3);
  EXPECT_EQ(e[0].locations[0].column, 5);
  const auto dup = errors_of("query A { players { id } } query A { players { id } }");
  ASSERT_EQ(dup.size(), 1u);
  EXPECT_EQ(dup[0].locations.size(), 2u);  // both operations
  EXPECT_TRUE(errors_of("query($id: ID!) { player(id: $id) { id name friends { id } } }").empty());
}

// Same-named fields are compared pairwise, and through fragments the pairs can multiply: past
// a bound the document is refused as too complex instead of keeping a thread busy.
TEST(GraphqlValidation, FieldsToMergeAreBoundedWork) {
  std::string many = "{ players {";
  for (int i = 0; i < 400; ++i) many += " id";
  many += " } }";
  const auto e = errors_of(many, {.max_merge_comparisons = 10'000});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("too complex"), std::string::npos);
  EXPECT_TRUE(errors_of(many).empty());  // 79,800 comparisons, under the default bound: fine
  // Nested fragments that each spread the next twice under same-named fields.
  std::string nested = "{ players { ...F0 } }";
  for (int i = 0; i < 12; ++i)
    nested += " fragment F" + std::to_string(i) + " on Player { friends { ...F" + std::to_string(i + 1) +
              " } friends { ...F" + std::to_string(i + 1) + " } }";
  nested += " fragment F12 on Player { id }";
  const auto n = errors_of(nested, {.max_merge_comparisons = 50'000});
  ASSERT_FALSE(n.empty());
  EXPECT_NE(n.back().message.find("too complex"), std::string::npos);
}

// Found by fuzzing: a fragment that spreads itself under a field made the merge check compare
// subfields forever (a stack overflow). The cycle is reported, and the check stops.
TEST(GraphqlValidation, AFragmentCycleUnderFieldsEndsInAnErrorNotAStackOverflow) {
  const auto e = errors_of("{ player(id: 1) { ...F } } fragment F on Player { friends { ...F } friends { ...F } }");
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(std::any_of(e.begin(), e.end(), [](const GraphqlError& x) {
    return x.message == "Cannot spread fragment \"F\" within itself.";
  }));
}

std::vector<GraphqlError> limits_of(std::string_view text, const RequestLimits& limits,
                                    const std::map<std::string, std::int64_t>& vars = {}) {
  static const auto schema = Schema::from_sdl(kSdl);
  const auto doc = parse(text);
  EXPECT_TRUE(validate(*schema, doc).empty()) << text;
  return check_limits(*schema, doc, doc.operations.front(), limits, vars);
}

TEST(GraphqlLimits, DepthAliasesAndComplexityAreBoundedPerRequest) {
  EXPECT_TRUE(limits_of("{ player(id: 1) { friends { friends { id } } } }", {}).empty());
  auto e = limits_of("{ player(id: 1) { friends { friends { id } } } }", {.max_depth = 3});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message, "The query nests fields 4 deep; the limit is 3.");
  EXPECT_EQ(e[0].locations[0].column, 39);  // the first field past the limit
  // Depth through fragments counts as the query will run.
  e = limits_of("{ player(id: 1) { ...F } } fragment F on Player { friends { friends { id } } }", {.max_depth = 3});
  EXPECT_EQ(e.size(), 1u);
  e = limits_of("{ a: player(id: 1) { x: id } b: player(id: 2) { id } }", {.max_aliases = 2});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message, "The query has 3 aliases; the limit is 2.");
  // Lists multiply what they select: 20 players a page by default, 20 friends each.
  EXPECT_TRUE(limits_of("{ players { id } }", {.max_complexity = 25}).empty());  // 1 + 20
  e = limits_of("{ players { id friends { id } } }", {.max_complexity = 400});   // 1 + 20 + 20 + 400
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].message.find("more than 400 fields"), std::string::npos);
}

}  // namespace
}  // namespace arena::graphql
