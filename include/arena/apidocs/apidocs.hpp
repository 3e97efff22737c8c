#pragma once
// The API's own documents, served by every process: the OpenAPI 3.1 document (api/openapi.json,
// built into the binary) at GET /openapi.json, and Swagger UI at GET /api-docs from the files
// the build puts beside the binary (npm package swagger-ui-dist; see cmake/CopySwaggerUi.cmake).
#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "arena/http/router.hpp"

namespace arena::apidocs {

// api/openapi.json as built in.
std::string_view openapi_json();

// Where the build puts Swagger UI's files: <directory of this executable>/../share/arena/swagger-ui.
std::string default_swagger_ui_dir();

struct StaticFile {
  std::string body;
  std::string content_type;
  std::string etag;  // "<first 32 hex digits of the SHA-256 of the body>"
  bool revalidate;   // the page and its initializer: Cache-Control no-cache; the rest a day
};

// The files directly in `dir` (no subdirectories, no names starting with '.', at most 64 files
// and 32 MiB), read once: requests are answered from memory, so no request ever reaches the
// file system and no path can leave the directory. A missing directory gives none.
std::map<std::string, StaticFile, std::less<>> load_static_files(const std::string& dir);

// GET /openapi.json, /api-docs (Swagger UI's page) and /api-docs/{file}, with ETag and
// If-None-Match (304). `swagger_ui_dir` empty: default_swagger_ui_dir().
void add_routes(http::Router& routes, const std::string& swagger_ui_dir);

}  // namespace arena::apidocs
