#include "arena/core/json_input.hpp"

#include <gtest/gtest.h>

#include "arena/core/error.hpp"

namespace arena::core {
namespace {

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return std::string(e.code_name());
  }
  return "none";
}

}  // namespace

TEST(JsonInput, ParsesObjects) {
  auto o = parse_object(R"({"a":"b"})", {});
  EXPECT_EQ(o.at("a").as_string(), "b");
  EXPECT_TRUE(parse_object("", {}, true).empty());
}

TEST(JsonInput, RejectsMalformedNonObjectsAndDeepNesting) {
  EXPECT_EQ(code_of([] { parse_object("{", {}); }), "malformed_json");
  EXPECT_EQ(code_of([] { parse_object("", {}); }), "malformed_json");
  EXPECT_EQ(code_of([] { parse_object("{} {}", {}); }), "malformed_json");
  EXPECT_EQ(code_of([] { parse_object("[1]", {}); }), "invalid_body");
  EXPECT_EQ(code_of([] { parse_object(R"({"a":[[[[[[1]]]]]]})", JsonLimits{4}); }), "malformed_json");
}

TEST(JsonInput, FieldsCheckPresenceTypeAndLength) {
  auto o = parse_object(R"({"s":"hello","n":5,"bad":"a\u0001b","nul":null})", {});
  Fields f(o);
  EXPECT_EQ(f.required_string("s", 1, 10), "hello");
  EXPECT_EQ(code_of([&] { f.required_string("missing", 1, 10); }), "missing_field");
  EXPECT_EQ(code_of([&] { f.required_string("nul", 1, 10); }), "missing_field");
  EXPECT_EQ(code_of([&] { f.required_string("n", 1, 10); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.required_string("s", 6, 10); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.required_string("bad", 1, 10); }), "invalid_field");
  EXPECT_FALSE(f.optional_string("missing", 1, 10));
  EXPECT_EQ(f.optional_int("n", 0, 10), 5);
  EXPECT_EQ(code_of([&] { f.optional_int("n", 6, 10); }), "invalid_field");
  EXPECT_EQ(code_of([&] { f.optional_int("s", 0, 10); }), "invalid_field");
}

}  // namespace arena::core
