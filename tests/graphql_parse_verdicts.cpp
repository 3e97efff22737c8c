// For tools/js/graphql-parse-corpus.mjs: reads a JSON array of GraphQL documents from the file
// named by the last argument and prints, as a JSON array, what arena::graphql::parse (with
// --schema: parse_schema) says of each: {"ok":true} or {"ok":false,"message","line","column"}.
// With --validate <schema.graphql>, each document is parsed and validated against that schema:
// {"ok":true} or {"ok":false,"errors":[message...]}.
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "arena/graphql/parser.hpp"
#include "arena/graphql/sdl.hpp"
#include "arena/graphql/validate.hpp"

int main(int argc, char** argv) {
  const bool schema = argc == 3 && std::string_view(argv[1]) == "--schema";
  const bool validate = argc == 4 && std::string_view(argv[1]) == "--validate";
  if (argc != 2 && !schema && !validate) {
    std::cerr << "usage: graphql_parse_verdicts [--schema | --validate <schema.graphql>] <corpus.json>\n";
    return 2;
  }
  std::shared_ptr<const arena::graphql::Schema> against;
  if (validate) {
    std::ifstream sdl(argv[2], std::ios::binary);
    std::stringstream sdl_text;
    sdl_text << sdl.rdbuf();
    against = arena::graphql::Schema::from_sdl(sdl_text.str());
  }
  std::ifstream in(argv[argc - 1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::json::array out;
  const auto corpus = boost::json::parse(text.str());
  for (const auto& doc : corpus.as_array()) {
    const auto& source = doc.as_string();
    try {
      const std::string_view document(source.data(), source.size());
      if (schema) {
        arena::graphql::parse_schema(document);
      } else if (validate) {
        const auto errors = arena::graphql::validate(*against, arena::graphql::parse(document));
        boost::json::array messages;
        for (const auto& e : errors) messages.push_back(boost::json::string(e.message));
        if (!messages.empty()) {
          out.push_back(boost::json::object{{"ok", false}, {"errors", std::move(messages)}});
          continue;
        }
      } else {
        arena::graphql::parse(document);
      }
      out.push_back(boost::json::object{{"ok", true}});
    } catch (const arena::graphql::SyntaxError& e) {
      out.push_back(boost::json::object{
          {"ok", false}, {"message", e.what()}, {"line", e.location().line}, {"column", e.location().column}});
    }
  }
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
