// For tools/js/graphql-parse-corpus.mjs: reads a JSON array of GraphQL documents from the file
// named by argv[1] and prints, as a JSON array, what arena::graphql::parse says of each:
// {"ok":true} or {"ok":false,"message":...,"line":...,"column":...}.
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "arena/graphql/parser.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: graphql_parse_verdicts <corpus.json>\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::json::array out;
  const auto corpus = boost::json::parse(text.str());
  for (const auto& doc : corpus.as_array()) {
    const auto& source = doc.as_string();
    try {
      arena::graphql::parse(std::string_view(source.data(), source.size()));
      out.push_back(boost::json::object{{"ok", true}});
    } catch (const arena::graphql::SyntaxError& e) {
      out.push_back(boost::json::object{
          {"ok", false}, {"message", e.what()}, {"line", e.location().line}, {"column", e.location().column}});
    }
  }
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
