// GraphQL documents: any bytes through the lexer and parser under tight limits (bytes, tokens,
// depth), so that what a hostile document can make it do is bounded; a parse either gives a
// document or a SyntaxError with a location inside the input, never anything else. A document
// that parses is validated against tests/graphql/validation_schema.graphql (every kind of type),
// with a small bound on the fields-merge comparisons, and a valid one is executed over
// tests/graphql/execution_root.json with variables taken from the input's tail. Inputs that start
// with a '%' byte go to the schema (SDL) parser instead.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "arena/graphql/execute.hpp"
#include "arena/graphql/parser.hpp"
#include "arena/graphql/schema.hpp"
#include "arena/graphql/sdl.hpp"
#include "arena/graphql/validate.hpp"

namespace {
// The schema documents are validated against; a fuzz run without it would test nothing.
std::string read(const char* name) {
  std::ifstream in(std::string(ARENA_SOURCE_DIR "/tests/graphql/") + name);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    std::fprintf(stderr, "graphql_fuzz: cannot read tests/graphql/%s\n", name);
    std::abort();
  }
  return text.str();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const arena::graphql::Executor executor(arena::graphql::Schema::from_sdl(read("validation_schema.graphql")));
  static const auto root = boost::json::parse(read("execution_root.json"));
  const auto& schema = executor.schema();
  std::string_view source(reinterpret_cast<const char*>(data), size);
  const arena::graphql::ParseLimits limits{.max_bytes = 16 * 1024, .max_tokens = 2'000, .max_depth = 16};
  try {
    if (!source.empty() && source.front() == '%') {
      source.remove_prefix(1);
      (void)arena::graphql::parse_schema(source, limits);
    } else {
      // A document, then (after a NUL byte) its variables as JSON.
      const auto cut = source.find('\0');
      const auto doc = arena::graphql::parse(source.substr(0, cut), limits);
      if (!arena::graphql::validate(schema, doc, {.max_merge_comparisons = 5'000}).empty()) return 0;
      for (const auto& op : doc.operations) (void)arena::graphql::check_limits(schema, doc, op, {});
      arena::graphql::ExecuteRequest req;
      req.document = &doc;
      req.root = root;
      if (cut != std::string_view::npos) {
        boost::system::error_code ec;
        const auto vars = boost::json::parse(source.substr(cut + 1), ec);
        if (!ec && vars.is_object()) req.variables = vars.as_object();
      }
      (void)executor.execute(req);
    }
  } catch (const arena::graphql::SyntaxError& e) {
    if (e.location().line < 1 || e.location().column < 1 || static_cast<std::size_t>(e.location().line) > size + 1)
      __builtin_trap();
  }
  return 0;
}
