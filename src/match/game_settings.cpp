#include "arena/match/game_settings.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <sstream>

namespace arena::match {
namespace json = boost::json;

SettingSpec SettingSpec::integer(std::string name, std::int64_t def, std::int64_t min, std::int64_t max,
                                 std::string help) {
  return {std::move(name), Kind::integer, def, static_cast<double>(min), static_cast<double>(max), {}, std::move(help)};
}

SettingSpec SettingSpec::number(std::string name, double def, double min, double max, std::string help) {
  return {std::move(name), Kind::number, def, min, max, {}, std::move(help)};
}

SettingSpec SettingSpec::boolean(std::string name, bool def, std::string help) {
  return {std::move(name), Kind::boolean, def, 0, 0, {}, std::move(help)};
}

SettingSpec SettingSpec::text(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  return {std::move(name), Kind::text, json::string(def), 0, 0, std::move(choices), std::move(help)};
}

namespace {

// 5, 3600, 0.25: as a person writes them (Boost.JSON would give 5E0).
std::string plain(double v) {
  std::ostringstream out;
  out.precision(12);
  out << v;
  return out.str();
}

std::string range(const SettingSpec& s) {
  return plain(s.min) + ".." + plain(s.max);
}

std::string shown(const json::value& v) {
  return v.is_double() ? plain(v.get_double()) : json::serialize(v);
}

std::string choices(const SettingSpec& s) {
  std::string out;
  for (const auto& c : s.choices) out += (out.empty() ? "" : ", ") + c;
  return out;
}

// The value `v` (its JSON type, or a string as a config file has it) as the spec's kind.
json::value convert(const SettingSpec& s, const json::value& v) {
  const auto* str = v.if_string();
  auto fail = [&](const std::string& what) -> SettingError {
    return SettingError(s.name, "expected " + what + ", got " + shown(v).substr(0, 64));
  };
  switch (s.kind) {
    case SettingSpec::Kind::integer: {
      std::int64_t n = 0;
      if (v.is_int64()) {
        n = v.get_int64();
      } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v.get_uint64());
      } else if (str != nullptr) {
        const auto* end = str->data() + str->size();
        auto [p, ec] = std::from_chars(str->data(), end, n);
        if (ec != std::errc() || p != end || str->empty()) throw fail("an integer " + range(s));
      } else {
        throw fail("an integer " + range(s));
      }
      if (static_cast<double>(n) < s.min || static_cast<double>(n) > s.max) throw fail("an integer " + range(s));
      return n;
    }
    case SettingSpec::Kind::number: {
      double d = 0;
      if (v.is_number()) {
        d = v.to_number<double>();
      } else if (str != nullptr) {
        const auto* end = str->data() + str->size();
        auto [p, ec] = std::from_chars(str->data(), end, d);
        if (ec != std::errc() || p != end || str->empty()) throw fail("a number " + range(s));
      } else {
        throw fail("a number " + range(s));
      }
      if (!std::isfinite(d) || d < s.min || d > s.max) throw fail("a number " + range(s));
      return d;
    }
    case SettingSpec::Kind::boolean:
      if (v.is_bool()) return v;
      if (str != nullptr && (*str == "true" || *str == "false")) return *str == "true";
      throw fail("true or false");
    case SettingSpec::Kind::text: {
      if (str == nullptr || str->size() > 256) throw fail("text");
      if (!s.choices.empty() &&
          std::find(s.choices.begin(), s.choices.end(), std::string_view(*str)) == s.choices.end())
        throw fail("one of " + choices(s));
      return *str;
    }
  }
  throw fail("a value");
}

}  // namespace

GameSettings GameSettings::parse(const std::vector<SettingSpec>& specs, const json::object& given) {
  GameSettings out;
  for (const auto& kv : given) {
    const std::string_view key = kv.key();  // not a structured binding: the lambda captures it
    const bool known = std::any_of(specs.begin(), specs.end(), [&](const SettingSpec& s) { return s.name == key; });
    if (!known) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      throw SettingError(std::string(key), "no such setting (this game has: " + (names.empty() ? "none" : names) + ")");
    }
  }
  for (const auto& s : specs) {
    const auto* v = given.if_contains(s.name);
    out.values_[s.name] = convert(s, v != nullptr ? *v : s.default_value);
    out.kinds_.emplace_back(s.name, s.kind);
  }
  return out;
}

const json::value& GameSettings::get(std::string_view name, SettingSpec::Kind kind) const {
  for (const auto& [n, k] : kinds_)
    if (n == name) {
      if (k != kind) throw std::logic_error("game setting '" + std::string(name) + "' is read as the wrong kind");
      return values_.at(name);
    }
  throw std::logic_error("game setting '" + std::string(name) + "' is not declared");
}

std::int64_t GameSettings::integer(std::string_view name) const {
  return get(name, SettingSpec::Kind::integer).get_int64();
}

double GameSettings::number(std::string_view name) const {
  return get(name, SettingSpec::Kind::number).get_double();
}

bool GameSettings::boolean(std::string_view name) const {
  return get(name, SettingSpec::Kind::boolean).get_bool();
}

std::string GameSettings::text(std::string_view name) const {
  return std::string(get(name, SettingSpec::Kind::text).get_string());
}

std::string describe(const SettingSpec& s) {
  const std::string def = shown(s.default_value);
  switch (s.kind) {
    case SettingSpec::Kind::integer: return "integer " + range(s) + " (default " + def + "): " + s.help;
    case SettingSpec::Kind::number: return "number " + range(s) + " (default " + def + "): " + s.help;
    case SettingSpec::Kind::boolean: return "true/false (default " + def + "): " + s.help;
    case SettingSpec::Kind::text:
      return (s.choices.empty() ? std::string("text") : "one of " + choices(s)) + " (default " + def + "): " + s.help;
  }
  return s.help;
}

}  // namespace arena::match
