// GraphQL documents: any bytes through the lexer and parser under tight limits (bytes, tokens,
// depth), so that what a hostile document can make it do is bounded; a parse either gives a
// document or a SyntaxError with a location inside the input, never anything else. Inputs that
// start with a '%' byte go to the schema (SDL) parser instead.
#include <cstdint>
#include <string_view>

#include "arena/graphql/parser.hpp"
#include "arena/graphql/sdl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  const arena::graphql::ParseLimits limits{.max_bytes = 16 * 1024, .max_tokens = 2'000, .max_depth = 16};
  try {
    if (!source.empty() && source.front() == '%') {
      source.remove_prefix(1);
      (void)arena::graphql::parse_schema(source, limits);
    } else {
      (void)arena::graphql::parse(source, limits);
    }
  } catch (const arena::graphql::SyntaxError& e) {
    if (e.location().line < 1 || e.location().column < 1 || static_cast<std::size_t>(e.location().line) > size + 1)
      __builtin_trap();
  }
  return 0;
}
