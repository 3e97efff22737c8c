#pragma once
// The `leaderboards.*` section of the settings table (src/config/fields.cpp, and the loader for
// the [leaderboards.boards.<id>] tables, which include/arena/leaderboards/boards.hpp checks).
#include <cstdint>
#include <map>
#include <string>

namespace arena::leaderboards {

struct Settings {
  // [leaderboards.boards.<id>]: board id -> key -> value as written.
  std::map<std::string, std::map<std::string, std::string>> boards;
  // Entries the in-memory rank index may hold over all board seasons (beyond: ranks are counted).
  std::int64_t rank_index_entries = 2'000'000;
  // Bearer key that server calls write scores with (POST /v1/leaderboards/{board}/scores);
  // empty: server writes are off.
  std::string server_key;
};

}  // namespace arena::leaderboards
