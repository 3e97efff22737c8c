#pragma once
// Builds Settings from, in rising precedence: defaults < TOML file < .env < ARENA_* environment
// < flags. A key no source knows, or a value that does not parse, throws ConfigError naming the
// key and where it came from.
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "arena/config/settings.hpp"

namespace arena::config {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Sources {
  std::optional<std::filesystem::path> toml_file;          // must exist when given
  std::optional<std::filesystem::path> dotenv;             // read when it exists
  std::map<std::string, std::string> environment;          // the process environment (any names)
  std::vector<std::pair<std::string, std::string>> flags;  // key -> value, from the command line
};

Settings load(const Sources& sources);

// The process environment as a map (for Sources::environment).
std::map<std::string, std::string> process_environment();

// The key table, for flags, docs and `.env.example`.
struct FieldInfo {
  std::string key;   // "http.max_body_bytes"
  std::string env;   // "ARENA_HTTP_MAX_BODY_BYTES"
  std::string flag;  // "--http-max-body-bytes"
  std::string help;
  std::string default_value;
};
std::vector<FieldInfo> describe();

// Renders settings as `key = value` lines (secrets masked) for `arena config`.
std::string dump(const Settings& settings);

}  // namespace arena::config
