// For tools/js/graphql-parse-corpus.mjs: reads a JSON array of GraphQL documents from the file
// named by the last argument and prints, as a JSON array, what arena::graphql::parse (with
// --schema: parse_schema) says of each: {"ok":true} or {"ok":false,"message","line","column"}.
// With --validate <schema.graphql>, each document is parsed and validated against that schema:
// {"ok":true} or {"ok":false,"errors":[message...]}. With --execute <schema.graphql> <root.json>,
// the corpus holds requests ({"query","variables"?,"operationName"?}) and each is parsed,
// validated and executed over that root value with no resolvers (values as they are in it):
// the response, {"data"?,"errors"?}.
#include <boost/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "arena/graphql/execute.hpp"
#include "arena/graphql/parser.hpp"
#include "arena/graphql/sdl.hpp"
#include "arena/graphql/validate.hpp"

namespace {
std::string read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

int main(int argc, char** argv) {
  const bool schema = argc == 3 && std::string_view(argv[1]) == "--schema";
  const bool validate = argc == 4 && std::string_view(argv[1]) == "--validate";
  const bool execute = argc == 5 && std::string_view(argv[1]) == "--execute";
  if (argc != 2 && !schema && !validate && !execute) {
    std::cerr << "usage: graphql_parse_verdicts [--schema | --validate <schema.graphql>] <corpus.json>\n";
    return 2;
  }
  std::shared_ptr<const arena::graphql::Schema> against;
  if (validate || execute) against = arena::graphql::Schema::from_sdl(read(argv[2]));
  if (execute) {
    const arena::graphql::Executor executor(against);
    const auto root = boost::json::parse(read(argv[3]));
    const auto requests = boost::json::parse(read(argv[4]));
    boost::json::array responses;
    for (const auto& r : requests.as_array()) {
      const auto& q = r.at("query").as_string();
      const std::string_view text(q.data(), q.size());
      try {
        const auto doc = arena::graphql::parse(text);
        const auto errors = arena::graphql::validate(*against, doc);
        if (!errors.empty()) {
          boost::json::array list;
          for (const auto& e : errors) list.push_back(boost::json::object{{"message", e.message}});
          responses.push_back(boost::json::object{{"errors", std::move(list)}});
          continue;
        }
        arena::graphql::ExecuteRequest req;
        req.document = &doc;
        req.root = root;
        if (const auto* v = r.as_object().if_contains("variables")) req.variables = v->as_object();
        if (const auto* n = r.as_object().if_contains("operationName")) req.operation_name = n->as_string();
        responses.push_back(executor.execute(req));
      } catch (const arena::graphql::SyntaxError& e) {
        responses.push_back(
            boost::json::object{{"errors", boost::json::array{boost::json::object{{"message", e.what()}}}}});
      }
    }
    std::cout << boost::json::serialize(responses) << "\n";
    return 0;
  }
  boost::json::array out;
  const auto corpus = boost::json::parse(read(argv[argc - 1]));
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
