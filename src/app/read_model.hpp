#pragma once
// What the worker role's read routes answer, as JSON: one builder per REST body, shared by the
// REST routes (player_routes.cpp, board_routes.cpp) and GraphQL (graphql_api.cpp), so both give
// the same data. Bad arguments throw Error with the REST route's code.
#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "arena/matchmaking/mode.hpp"
#include "roles.hpp"

namespace arena::app {

// A page of items, with an opaque cursor per item (the next page starts after it).
struct Page {
  boost::json::object body;  // the REST body, its next_cursor set
  std::vector<std::string> cursors;
  bool more = false;
};

// GET /v1/players/{id}; nullopt when there is no such player.
std::optional<boost::json::object> player_json(const BoardServices& b, const std::string& id);
// GET /v1/players/{id}/matches (cursor: empty or a cursor it gave); no_such_user when there is no such player.
Page history_page(const BoardServices& b, const std::string& id, std::string_view cursor, int limit);
// GET /v1/matches/{id}; nullopt when there is no stored match of that id.
std::optional<boost::json::object> match_json(const BoardServices& b, const std::string& id);

// GET /v1/leaderboards
boost::json::array boards_json(const BoardServices& b);
struct BoardQuery {
  std::string board;
  std::string region;  // empty: every region
  std::string season;  // empty: the current one
  std::string cursor;
  int limit = 20;
};
// GET /v1/leaderboards/{board}: no_such_board, no_such_season, invalid_field (region, season, cursor).
Page board_page(const BoardServices& b, const BoardQuery& q);
// GET /v1/leaderboards/{board}/around/{user_id}: the body without cursors.
boost::json::object around_json(const BoardServices& b, const BoardQuery& q, const std::string& user, int limit);

// GET /v1/modes
boost::json::array modes_json(const std::vector<matchmaking::ModeConfig>& modes);

// GET /v1/matchmaking/stats: asked of the matchmaker over the bus (any process answers it), as
// the matchmaker wrote it; Error unavailable when no matchmaker answers in 2 s.
std::string matchmaking_stats(bus::Bus& bus);

}  // namespace arena::app
