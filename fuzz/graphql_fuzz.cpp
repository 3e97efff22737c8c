// GraphQL documents: any bytes through the lexer and parser under tight limits (bytes, tokens,
// depth), so that what a hostile document can make it do is bounded; a parse either gives a
// document or a SyntaxError with a location inside the input, never anything else. A document
// that parses is validated against tests/graphql/validation_schema.graphql (every kind of type),
// with a small bound on the fields-merge comparisons. Inputs that start with a '%' byte go to
// the schema (SDL) parser instead.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "arena/graphql/parser.hpp"
#include "arena/graphql/schema.hpp"
#include "arena/graphql/sdl.hpp"
#include "arena/graphql/validate.hpp"

namespace {
// The schema documents are validated against; a fuzz run without it would test nothing.
std::shared_ptr<const arena::graphql::Schema> load_schema() {
  std::ifstream in(ARENA_SOURCE_DIR "/tests/graphql/validation_schema.graphql");
  std::stringstream sdl;
  sdl << in.rdbuf();
  if (!in || sdl.str().empty()) {
    std::fprintf(stderr, "graphql_fuzz: cannot read tests/graphql/validation_schema.graphql\n");
    std::abort();
  }
  return arena::graphql::Schema::from_sdl(sdl.str());
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = load_schema();
  std::string_view source(reinterpret_cast<const char*>(data), size);
  const arena::graphql::ParseLimits limits{.max_bytes = 16 * 1024, .max_tokens = 2'000, .max_depth = 16};
  try {
    if (!source.empty() && source.front() == '%') {
      source.remove_prefix(1);
      (void)arena::graphql::parse_schema(source, limits);
    } else {
      const auto doc = arena::graphql::parse(source, limits);
      (void)arena::graphql::validate(*schema, doc, {.max_merge_comparisons = 5'000});
    }
  } catch (const arena::graphql::SyntaxError& e) {
    if (e.location().line < 1 || e.location().column < 1 || static_cast<std::size_t>(e.location().line) > size + 1)
      __builtin_trap();
  }
  return 0;
}
