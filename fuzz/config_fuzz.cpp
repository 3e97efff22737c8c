// The settings loader with every source at once: the input is a TOML file, a .env file and
// flags (key=value lines), separated by lines "%%". Then the game modes of the TOML, as start-up
// parses them. A bad value must be a ConfigError or invalid_argument naming the key, never a
// crash.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "arena/config/loader.hpp"
#include "arena/matchmaking/mode.hpp"

namespace {

// The run's scratch directory, removed when the fuzzer exits (libFuzzer ends with exit()).
struct WorkDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("arena-config-fuzz-" + std::to_string(::getpid()));
  WorkDir() { std::filesystem::create_directories(path); }
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::filesystem::path work_dir() {
  static const WorkDir dir;
  return dir.path;
}

void write(const std::filesystem::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

std::string_view next_part(std::string_view& rest) {
  const auto at = rest.find("\n%%\n");
  std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 4);
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view toml = next_part(rest);
  const std::string_view dotenv = next_part(rest);
  arena::config::Sources src;
  write(work_dir() / "arena.toml", toml);
  write(work_dir() / ".env", dotenv);
  src.toml_file = work_dir() / "arena.toml";
  src.dotenv = work_dir() / ".env";
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    if (line.substr(0, 6) == "ARENA_") {
      src.environment.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    } else {
      src.flags.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
  }
  try {
    const auto s = arena::config::load(src);
    (void)arena::config::dump(s);
    (void)arena::matchmaking::configured_modes(s.matchmaking.modes, s.matchmaking.builtin_modes);
  } catch (const arena::config::ConfigError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
