#pragma once
#include <filesystem>
#include <string>

namespace arena::auth {

// The key ring spec kept in `path` ("kid:secret" per line), created with one fresh key (mode
// 0600) when missing. Used when no key ring is configured, so tokens survive restarts.
std::string load_or_create_key_file(const std::filesystem::path& path);

}  // namespace arena::auth
