#include "arena/config/loader.hpp"

#include <toml++/toml.h>

#include <cstdio>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fields.hpp"

extern char** environ;

namespace arena::config {
namespace {

using detail::Field;

void apply(Settings& s, std::string_view key, std::string_view value, const std::string& source) {
  const Field* f = detail::find_field(key);
  if (f == nullptr) throw ConfigError("unknown setting '" + std::string(key) + "' (from " + source + ")");
  try {
    f->set(s, value);
  } catch (const std::invalid_argument& e) {
    std::string shown = f->secret ? std::string("<secret>") : "'" + std::string(value) + "'";
    throw ConfigError("bad value " + shown + " for setting '" + f->key + "' (from " + source + "): " + e.what());
  }
}

std::string toml_scalar(const toml::node& node, const std::string& key, const std::string& source) {
  if (auto v = node.as_string()) return v->get();
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  if (auto v = node.as_floating_point()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v->get());
    return buf;
  }
  if (auto arr = node.as_array()) {  // an array of strings is a comma-separated list
    std::string out;
    for (const auto& el : *arr) {
      auto str = el.as_string();
      if (str == nullptr)
        throw ConfigError("setting '" + key + "' (from " + source + "): expected strings in the array");
      out += (out.empty() ? "" : ",") + str->get();
    }
    return out;
  }
  throw ConfigError("setting '" + key + "' (from " + source + "): unsupported value type");
}

// [matchmaking.modes.<name>] tables are kept as written; the matchmaking module checks them.
void read_modes(Settings& s, const toml::table& modes, const std::string& source) {
  for (const auto& [name, node] : modes) {
    const std::string where = "matchmaking.modes." + std::string(name.str());
    const auto* mode = node.as_table();
    if (mode == nullptr) throw ConfigError("setting '" + where + "' (from " + source + "): expected a table");
    auto& keys = s.matchmaking.modes[std::string(name.str())];
    for (const auto& [k, v] : *mode) {
      const std::string key(k.str());
      if (key == "settings" && v.as_table() != nullptr) {  // the game's own: settings.<key>
        for (const auto& [gk, gv] : *v.as_table())
          keys["settings." + std::string(gk.str())] =
              toml_scalar(gv, where + ".settings." + std::string(gk.str()), source);
        continue;
      }
      keys[key] = toml_scalar(v, where + "." + key, source);
    }
  }
}

// [leaderboards.boards.<id>] tables are kept as written; the leaderboards module checks them.
void read_boards(Settings& s, const toml::table& boards, const std::string& source) {
  for (const auto& [name, node] : boards) {
    const std::string where = "leaderboards.boards." + std::string(name.str());
    const auto* board = node.as_table();
    if (board == nullptr) throw ConfigError("setting '" + where + "' (from " + source + "): expected a table");
    auto& keys = s.leaderboards.boards[std::string(name.str())];
    for (const auto& [k, v] : *board)
      keys[std::string(k.str())] = toml_scalar(v, where + "." + std::string(k.str()), source);
  }
}

void walk_toml(Settings& s, const toml::table& table, const std::string& prefix, const std::string& source) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (key == "matchmaking.modes" && node.as_table() != nullptr) {
      read_modes(s, *node.as_table(), source);
    } else if (key == "leaderboards.boards" && node.as_table() != nullptr) {
      read_boards(s, *node.as_table(), source);
    } else if (auto sub = node.as_table()) {
      walk_toml(s, *sub, key, source);
    } else {
      apply(s, key, toml_scalar(node, key, source), source);
    }
  }
}

std::string trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return std::string(v);
}

// The settings that an ARENA_* name stands for.
const std::map<std::string, std::string>& env_to_key() {
  static const auto map = [] {
    std::map<std::string, std::string> m;
    for (const auto& f : detail::fields()) m[detail::env_name(f.key)] = f.key;
    return m;
  }();
  return map;
}

// ARENA_CONFIG names the TOML file and is not a setting itself.
constexpr std::string_view kConfigEnv = "ARENA_CONFIG";

void apply_env(Settings& s, const std::string& name, const std::string& value, const std::string& source) {
  if (name == kConfigEnv) return;
  auto it = env_to_key().find(name);
  if (it == env_to_key().end()) throw ConfigError("unknown setting '" + name + "' (from " + source + ")");
  apply(s, it->second, value, source);
}

void load_dotenv(Settings& s, const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (t.rfind("export ", 0) == 0) t = trim(std::string_view(t).substr(7));
    const std::string source = path.string() + ":" + std::to_string(lineno);
    const auto eq = t.find('=');
    if (eq == std::string::npos) throw ConfigError("expected NAME=value (from " + source + ")");
    const std::string name = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (auto hash = value.find(" #"); hash != std::string::npos) {
      value = trim(std::string_view(value).substr(0, hash));  // trailing comment
    }
    if (name.rfind("ARENA_", 0) != 0)
      throw ConfigError("unknown setting '" + name + "' (from " + source + "): .env holds ARENA_* settings only");
    apply_env(s, name, value, source);
  }
}

void validate(const Settings& s) {
  if (!s.auth.jwt_active_kid.empty() && s.auth.jwt_keys.empty())
    throw ConfigError("setting 'auth.jwt_active_kid' needs 'auth.jwt_keys'");
  if (s.host.checkpoint_interval.count() > 0 && s.host.lease < 2 * s.host.checkpoint_interval)
    throw ConfigError(
        "setting 'host.lease' must be at least twice 'host.checkpoint_interval' (a lease renewed late "
        "would pass to another host while its match still runs)");
}

}  // namespace

std::vector<std::string> parse_roles(std::string_view roles) {
  static const std::vector<std::string> kAll = {"auth", "gateway", "sessions", "matchmaker", "host", "worker", "events"};
  std::vector<std::string> out;
  while (!roles.empty()) {
    const auto comma = roles.find(',');
    std::string role(roles.substr(0, comma));
    roles = comma == std::string_view::npos ? std::string_view{} : roles.substr(comma + 1);
    role.erase(0, role.find_first_not_of(' '));
    role.erase(role.find_last_not_of(' ') + 1);
    if (role == "all") return kAll;
    if (std::find(kAll.begin(), kAll.end(), role) == kAll.end())
      throw std::invalid_argument("unknown role '" + role +
                                  "' (roles: all, auth, gateway, sessions, matchmaker, host, worker, events)");
    if (std::find(out.begin(), out.end(), role) == out.end()) out.push_back(role);
  }
  if (out.empty()) throw std::invalid_argument("expected at least one role");
  return out;
}

Endpoint parse_endpoint(std::string_view text) {
  const std::string expected = "expected host:port, e.g. 127.0.0.1:8080";
  Endpoint ep;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument(expected);
    ep.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument(expected);
    ep.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (ep.host.empty()) throw std::invalid_argument(expected);
  ep.port = static_cast<std::uint16_t>(detail::parse_int(port, 0, 65535));
  return ep;
}

Settings load(const Sources& sources) {
  Settings s;
  if (sources.toml_file) {
    const std::string source = sources.toml_file->string();
    toml::table table;
    try {
      table = toml::parse_file(source);
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << "cannot read config file " << source << ": " << e.description() << " at line " << e.source().begin.line;
      throw ConfigError(msg.str());
    }
    walk_toml(s, table, "", source);
  }
  if (sources.dotenv) load_dotenv(s, *sources.dotenv);
  for (const auto& [name, value] : sources.environment) {
    if (name.rfind("ARENA_", 0) == 0) apply_env(s, name, value, "environment " + name);
  }
  for (const auto& [key, value] : sources.flags) apply(s, key, value, "flag " + detail::flag_name(key));
  validate(s);
  return s;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::vector<FieldInfo> describe() {
  const Settings defaults;
  std::vector<FieldInfo> out;
  for (const auto& f : detail::fields())
    out.push_back({f.key, detail::env_name(f.key), detail::flag_name(f.key), f.help, f.get(defaults)});
  return out;
}

std::string dump(const Settings& settings) {
  std::string out;
  for (const auto& f : detail::fields()) {
    const std::string v = f.get(settings);
    out += f.key + " = " + (f.secret && !v.empty() ? std::string("<secret>") : v) + "\n";
  }
  return out;
}

}  // namespace arena::config
