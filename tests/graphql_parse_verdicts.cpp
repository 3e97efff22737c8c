// For tools/js/graphql-parse-corpus.mjs: reads a JSON array of GraphQL documents from the file
// named by the last argument and prints, as a JSON array, what arena::graphql::parse (with
// --schema: parse_schema) says of each: {"ok":true} or {"ok":false,"message","line","column"}.
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "arena/graphql/parser.hpp"
#include "arena/graphql/sdl.hpp"

int main(int argc, char** argv) {
  const bool schema = argc == 3 && std::string_view(argv[1]) == "--schema";
  if (argc != 2 && !schema) {
    std::cerr << "usage: graphql_parse_verdicts [--schema] <corpus.json>\n";
    return 2;
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
      if (schema)
        arena::graphql::parse_schema(document);
      else
        arena::graphql::parse(document);
      out.push_back(boost::json::object{{"ok", true}});
    } catch (const arena::graphql::SyntaxError& e) {
      out.push_back(boost::json::object{
          {"ok", false}, {"message", e.what()}, {"line", e.location().line}, {"column", e.location().column}});
    }
  }
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
