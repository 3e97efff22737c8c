#pragma once
// Playing whole games of four over the WebSocket protocol, for integration tests.
#include <boost/json.hpp>

#include "arena/testing/player.hpp"

namespace arena::testing {

// Plays one game of four between a and b (queued in `mode`, region eu): seat 0 drops in column
// 0, seat 1 in column 1, so whoever moves first gets four in a row. Returns match.ended as a saw
// it (null on failure, with the failure reported).
boost::json::value play_four(Player& a, Player& b, const std::string& mode = "duel4");

}  // namespace arena::testing
