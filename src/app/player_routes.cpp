// Profiles, match history and stored results over REST (served by the worker role, which owns
// ratings and their history; every route runs on the storage pool).
#include <boost/json.hpp>

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <set>

#include "arena/bus/payload.hpp"
#include "arena/core/encoding.hpp"
#include "arena/http/router.hpp"
#include "arena/match/runner.hpp"
#include "arena/match/store.hpp"
#include "arena/ratings/ratings.hpp"
#include "rest_params.hpp"
#include "roles.hpp"

namespace arena::app {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

// A history cursor: the (ended_at, match_id) of the last item of the page before, opaque.
match::HistoryCursor cursor_of(const Request& req) {
  const auto v = req.query_param("cursor");
  if (!v || v->empty()) return {};
  const auto raw = core::base64url_decode(*v);
  const auto bar = raw ? raw->find('|') : std::string::npos;
  match::HistoryCursor c;
  if (bar == std::string::npos || bar == 0 || bar + 1 == raw->size())
    throw Error(Code::invalid_field, "cursor is not one this server gave out");
  const auto* end = raw->data() + bar;
  if (std::from_chars(raw->data(), end, c.ended_at).ptr != end)
    throw Error(Code::invalid_field, "cursor is not one this server gave out");
  c.match_id = raw->substr(bar + 1);
  return c;
}

json::array seats_of(const match::MatchRecord& rec) {
  json::array seats;
  for (std::size_t i = 0; i < rec.spec.seats.size(); ++i) {
    const auto& s = rec.spec.seats[i];
    json::object o{{"seat", i},
                   {"user_id", s.bot ? json::value(nullptr) : json::value(s.user_id)},
                   {"bot", s.bot},
                   {"team", s.team}};
    for (const auto& p : rec.result.placements)
      if (p.seat == static_cast<int>(i)) {
        o["place"] = p.place;
        o["stats"] = p.stats;
      }
    seats.push_back(std::move(o));
  }
  return seats;
}

}  // namespace

void add_player_routes(http::Router& routes, BoardServices& boards) {
  routes.add(Method::get, "/v1/players/{id}",
             [&boards](Request& req) {
               const std::string id = id_param(req, "id", Code::no_such_user);
               const auto account = boards.accounts.find(id);
               if (!account) throw Error(Code::no_such_user, "there is no player with that id");
               const auto last_seen = boards.matches.last_played(id);
               json::array modes;
               for (const auto& r : boards.ratings.all_of(id)) {
                 // Rank: on the mode's rating board this season (null when not on it: no rated match
                 // this season).
                 const auto* board = boards.after_match.board(r.mode);
                 const auto rank =
                     board == nullptr
                         ? 0
                         : boards.store.rank_of(
                               {board->id, leaderboards::season_at(*board, boards.clock.now_unix_ms()).id, ""}, id);
                 modes.push_back(json::object{{"mode", r.mode},
                                              {"model", ratings::name(r.model)},
                                              {"rating", shown(r.display)},
                                              {"games", r.games},
                                              {"wins", r.wins},
                                              {"losses", r.losses},
                                              {"draws", r.draws},
                                              {"rank", rank > 0 ? json::value(rank) : json::value(nullptr)}});
               }
               json::object body{{"user_id", id},
                                 {"display_name", account->display_name},
                                 {"created_at", account->created_at},
                                 {"last_seen", last_seen ? json::value(*last_seen) : json::value(nullptr)},
                                 {"modes", std::move(modes)}};
               return Response::json(200, json::serialize(body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(
      Method::get, "/v1/players/{id}/matches",
      [&boards](Request& req) {
        const std::string id = id_param(req, "id", Code::no_such_user);
        const int limit = page_limit(req, 20, 100);
        const auto from = cursor_of(req);
        if (!boards.accounts.find(id)) throw Error(Code::no_such_user, "there is no player with that id");
        auto played = boards.matches.history(id, from, limit + 1);
        const bool more = static_cast<int>(played.size()) > limit;
        if (more) played.pop_back();
        std::vector<std::string> ids;
        for (const auto& p : played) ids.push_back(p.match.record.spec.match_id);
        const auto rated = boards.ratings.history_of(id, ids);
        json::array items;
        for (const auto& p : played) {
          const auto& rec = p.match.record;
          const double seconds = rec.spec.tick_rate > 0 ? static_cast<double>(rec.ticks) / rec.spec.tick_rate : 0;
          json::object item{{"match_id", rec.spec.match_id},
                            {"mode", rec.spec.mode},
                            {"game", rec.spec.game},
                            {"ended_at", p.match.ended_at},
                            {"started_at", p.match.ended_at - static_cast<std::int64_t>(std::ceil(seconds))},
                            {"place", p.place},
                            {"placements", seats_of(rec)}};
          const auto h = rated.find(rec.spec.match_id);
          if (h != rated.end())
            item["rating"] = json::object{
                {"before", shown(h->second.before)}, {"after", shown(h->second.after)}, {"outcome", h->second.outcome}};
          else
            item["rating"] = nullptr;  // not rated (against bots, or a failed match)
          items.push_back(std::move(item));
        }
        std::string next;
        if (more)
          next = core::base64url_encode(std::to_string(played.back().match.ended_at) + "|" +
                                        played.back().match.record.spec.match_id);
        json::object body{{"matches", std::move(items)},
                          {"next_cursor", next.empty() ? json::value(nullptr) : json::value(next)}};
        return Response::json(200, json::serialize(body));
      },
      {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/matches/{id}",
             [&boards](Request& req) {
               const std::string id = id_param(req, "id", Code::no_such_match);
               const auto stored = boards.matches.load(id);
               if (!stored) throw Error(Code::no_such_match, "no stored match with that id");
               const auto& rec = stored->record;
               json::object body{{"match_id", id},
                                 {"mode", rec.spec.mode},
                                 {"game", rec.spec.game},
                                 {"region", rec.spec.region},
                                 {"ended_at", stored->ended_at},
                                 {"ticks", rec.ticks},
                                 {"tick_rate", rec.spec.tick_rate},
                                 {"settings", rec.spec.settings},
                                 {"seats", seats_of(rec)},
                                 {"summary", rec.result.summary},
                                 {"events", rec.events.size()}};
               if (!rec.error.empty()) body["error"] = rec.error;
               return Response::json(200, json::serialize(body));
             },
             {.runs_on = http::RunsOn::storage});
}

}  // namespace arena::app
