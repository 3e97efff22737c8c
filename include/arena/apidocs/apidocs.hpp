#pragma once
// The API's own documents, served by every process: the OpenAPI 3.1 document (api/openapi.json,
// built into the binary) at GET /openapi.json, Swagger UI at GET /api-docs, and the scripts of
// GraphiQL's page (GET /graphql, the worker role's) at /graphiql/{file}, from the files the build
// puts beside the binary (npm packages swagger-ui-dist, graphiql; see cmake/CopyWebFiles.cmake).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "arena/http/router.hpp"

namespace arena::apidocs {

// api/openapi.json as built in.
std::string_view openapi_json();

// Where the build puts the browser files `what` (swagger-ui, graphiql):
// <directory of this executable>/../share/arena/<what>.
std::string default_web_dir(std::string_view what);

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;  // "<first 32 hex digits of the SHA-256 of the body>"
  bool revalidate;   // pages and initializers: Cache-Control no-cache; the rest a day
};

// The files directly in `dir` (no subdirectories, no names starting with '.', at most 64 files
// and 32 MiB), read once: requests are answered from memory, so no request ever reaches the
// file system and no path can leave the directory. A missing directory gives none.
std::map<std::string, StaticFile, std::less<>> load_static_files(const std::string& dir);

// GET /openapi.json, /api-docs (Swagger UI's page), /api-docs/{file} and /graphiql/{file}, with
// ETag and If-None-Match (304). A directory left empty: default_web_dir().
void add_routes(http::Router& routes, const std::string& swagger_ui_dir, const std::string& graphiql_dir);

}  // namespace arena::apidocs
