#pragma once
// Structured, module-tagged logging on spdlog. Messages are logfmt-style `key=value` pairs so
// that they stay greppable and machine-parseable; `format = "json"` wraps each line as JSON.
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>

namespace arena::log {

struct Options {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text or json
};

// Applies to every module logger, existing and future. Throws std::invalid_argument on a bad level/format.
void configure(const Options& options);
// The logger of one module ("http", "auth", ...), created on first use.
std::shared_ptr<spdlog::logger> get(std::string_view module);

}  // namespace arena::log
