#pragma once
// Bus subjects of the matchmaker role. Payloads are JSON objects.
// Requests (queue group "matchmaker"):
//   mm.op    {"op","user_id","sid","d"} -> {"d":{...}} | {"error":{"code","message"}}
//            client ops forwarded by the gateway: mm.enqueue, mm.cancel, party.*
//   mm.stats {} -> {"modes":[...]}  (GET /v1/matchmaking/stats)
// Events:
//   match.found {"match_id","mode","game","region","tick_rate","teams":[[{"user_id","rating","ping_ms",
//                "party_id"?}]],"bots_fill","open_seats","seats"}
//   match.ended {"match_id"}  (from the match host) frees the players to queue again
#include <string_view>

namespace arena::matchmaking {

inline constexpr std::string_view kOp = "mm.op";
inline constexpr std::string_view kStats = "mm.stats";
inline constexpr std::string_view kMatchFound = "match.found";
inline constexpr std::string_view kMatchEnded = "match.ended";
inline constexpr std::string_view kQueueGroup = "matchmaker";

}  // namespace arena::matchmaking
