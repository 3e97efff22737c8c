#pragma once
// A game's own settings (grid size, duration, win score): declared by the game as a list of
// SettingSpec, given per matchmaking mode in its TOML table ([matchmaking.modes.<mode>.settings]),
// checked at start-up against the declaration, and handed to the game at start() as typed
// values with every default filled in. The values travel with match.found and are stored with
// the match record, so a replay runs under the same settings.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace arena::match {

struct SettingSpec {
  enum class Kind { integer, number, boolean, text };
  std::string name;
  Kind kind = Kind::integer;
  boost::json::value default_value;
  double min = 0;  // integer and number: the accepted range, both ends included
  double max = 0;
  std::vector<std::string> choices;  // text: the accepted values (empty: any text up to 256 bytes)
  std::string help;

  static SettingSpec integer(std::string name, std::int64_t def, std::int64_t min, std::int64_t max, std::string help);
  static SettingSpec number(std::string name, double def, double min, double max, std::string help);
  static SettingSpec boolean(std::string name, bool def, std::string help);
  static SettingSpec text(std::string name, std::string def, std::vector<std::string> choices, std::string help);
};

// A value that does not fit its declaration, or a key the game does not declare. key() is the
// setting's name; the caller adds where it came from (matchmaking.modes.<mode>.settings.<key>).
class SettingError : public std::invalid_argument {
 public:
  SettingError(std::string key, const std::string& message) : std::invalid_argument(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

class GameSettings {
 public:
  GameSettings() = default;
  // Checks `given` against `specs`. A value may be its JSON type or a string as written in a
  // config file ("24", "true", "1.5"). Missing keys take their defaults. Throws SettingError.
  static GameSettings parse(const std::vector<SettingSpec>& specs, const boost::json::object& given);

  // The typed value of a declared setting. Asking for an undeclared name or the wrong kind is a
  // bug in the game: std::logic_error.
  std::int64_t integer(std::string_view name) const;
  double number(std::string_view name) const;
  bool boolean(std::string_view name) const;
  std::string text(std::string_view name) const;
  // Every setting with its value (what match records keep).
  const boost::json::object& values() const { return values_; }

 private:
  const boost::json::value& get(std::string_view name, SettingSpec::Kind kind) const;
  boost::json::object values_;
  std::vector<std::pair<std::string, SettingSpec::Kind>> kinds_;
};

// "integer 8..64 (default 24): side of the grid", for docs and `arena simulate --help`.
std::string describe(const SettingSpec& s);

}  // namespace arena::match
