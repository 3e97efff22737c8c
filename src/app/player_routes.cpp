// Profiles, match history and stored results over REST (served by the worker role, which owns
// ratings and their history; every route runs on the storage pool).
#include <boost/json.hpp>

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <set>

#include "arena/auth/sqlite_store.hpp"
#include "arena/bus/payload.hpp"
#include "arena/core/encoding.hpp"
#include "arena/http/router.hpp"
#include "arena/match/runner.hpp"
#include "arena/ratings/ratings.hpp"
#include "arena/storage/sqlite.hpp"
#include "rest_params.hpp"
#include "roles.hpp"

namespace arena::app {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

// A history cursor: the (ended_at, match_id) of the last item of the page before, opaque.
struct Cursor {
  std::int64_t ended_at = INT64_MAX;
  std::string match_id = "\x7f";
};

Cursor cursor_of(const Request& req) {
  const auto v = req.query_param("cursor");
  if (!v || v->empty()) return {};
  const auto raw = core::base64url_decode(*v);
  const auto bar = raw ? raw->find('|') : std::string::npos;
  Cursor c;
  if (bar == std::string::npos || bar == 0) throw Error(Code::invalid_field, "cursor is not one this server gave out");
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
  storage::Sqlite& db = boards.db;
  routes.add(
      Method::get, "/v1/players/{id}",
      [&db, &boards](Request& req) {
        const std::string id = id_param(req, "id", Code::no_such_user);
        const auto account = auth::SqliteAuthStore(db).find(id);
        if (!account) throw Error(Code::no_such_user, "there is no player with that id");
        json::array modes;
        std::vector<std::string> mode_names;
        const auto last_seen = db.with([&](storage::Sqlite& c) {
          auto& st = c.prepare(
              "SELECT mode, model, display, games, wins, losses, draws FROM ratings WHERE user_id = ? ORDER BY mode");
          st.bind(id);
          while (st.step()) {
            modes.push_back(json::object{{"mode", st.text(0)},
                                         {"model", st.text(1)},
                                         {"rating", shown(st.real(2))},
                                         {"games", st.int64(3)},
                                         {"wins", st.int64(4)},
                                         {"losses", st.int64(5)},
                                         {"draws", st.int64(6)}});
            mode_names.push_back(st.text(0));
          }
          auto& last = c.prepare("SELECT max(ended_at) FROM match_players WHERE user_id = ?").bind(id);
          last.step();
          return last.is_null(0) ? json::value(nullptr) : json::value(last.int64(0));
        });
        // Rank: on the mode's rating board this season (null when not on it: no rated match this
        // season), read outside the database (the rank index may load).
        for (std::size_t i = 0; i < mode_names.size(); ++i) {
          const auto* board = boards.after_match.board(mode_names[i]);
          const auto rank =
              board == nullptr
                  ? 0
                  : boards.store.rank_of(
                        {board->id, leaderboards::season_at(*board, boards.clock.now_unix_ms()).id, ""}, id);
          modes[i].as_object()["rank"] = rank > 0 ? json::value(rank) : json::value(nullptr);
        }
        json::object body{{"user_id", id},
                          {"display_name", account->display_name},
                          {"created_at", account->created_at},
                          {"last_seen", last_seen},
                          {"modes", std::move(modes)}};
        return Response::json(200, json::serialize(body));
      },
      {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/players/{id}/matches",
             [&db](Request& req) {
               const std::string id = id_param(req, "id", Code::no_such_user);
               const int limit = page_limit(req, 20, 100);
               const Cursor from = cursor_of(req);
               if (!auth::SqliteAuthStore(db).find(id))
                 throw Error(Code::no_such_user, "there is no player with that id");
               return db.with([&](storage::Sqlite& c) {
                 auto& st = c.prepare(
                     "SELECT mp.match_id, mp.ended_at, mp.mode, mp.place, r.record, h.before, h.after, h.outcome "
                     "FROM match_players mp JOIN match_results r ON r.match_id = mp.match_id "
                     "LEFT JOIN rating_history h ON h.match_id = mp.match_id AND h.user_id = mp.user_id "
                     "WHERE mp.user_id = ? AND (mp.ended_at, mp.match_id) < (?, ?) "
                     "ORDER BY mp.ended_at DESC, mp.match_id DESC LIMIT ?");
                 st.bind(id, from.ended_at, from.match_id, limit + 1);
                 json::array items;
                 std::string next;
                 while (st.step()) {
                   if (static_cast<int>(items.size()) == limit) {
                     next = core::base64url_encode(std::to_string(items.back().at("ended_at").as_int64()) + "|" +
                                                   std::string(items.back().at("match_id").as_string()));
                     break;
                   }
                   const auto rec = match::record_from_json(json::parse(st.text(4)));
                   const auto ended = st.int64(1);
                   const double seconds =
                       rec.spec.tick_rate > 0 ? static_cast<double>(rec.ticks) / rec.spec.tick_rate : 0;
                   json::object item{{"match_id", st.text(0)},
                                     {"mode", st.text(2)},
                                     {"game", rec.spec.game},
                                     {"ended_at", ended},
                                     {"started_at", ended - static_cast<std::int64_t>(std::ceil(seconds))},
                                     {"place", st.int64(3)},
                                     {"placements", seats_of(rec)}};
                   if (!st.is_null(5))
                     item["rating"] = json::object{
                         {"before", shown(st.real(5))}, {"after", shown(st.real(6))}, {"outcome", st.text(7)}};
                   else
                     item["rating"] = nullptr;  // not rated (against bots, or a failed match)
                   items.push_back(std::move(item));
                 }
                 json::object body{{"matches", std::move(items)},
                                   {"next_cursor", next.empty() ? json::value(nullptr) : json::value(next)}};
                 return Response::json(200, json::serialize(body));
               });
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/matches/{id}",
             [&db](Request& req) {
               const std::string id = id_param(req, "id", Code::no_such_match);
               return db.with([&](storage::Sqlite& c) {
                 auto& st = c.prepare("SELECT ended_at, record FROM match_results WHERE match_id = ?").bind(id);
                 if (!st.step()) throw Error(Code::no_such_match, "no stored match with that id");
                 const auto rec = match::record_from_json(json::parse(st.text(1)));
                 json::object body{{"match_id", id},
                                   {"mode", rec.spec.mode},
                                   {"game", rec.spec.game},
                                   {"region", rec.spec.region},
                                   {"ended_at", st.int64(0)},
                                   {"ticks", rec.ticks},
                                   {"tick_rate", rec.spec.tick_rate},
                                   {"settings", rec.spec.settings},
                                   {"seats", seats_of(rec)},
                                   {"summary", rec.result.summary},
                                   {"events", rec.events.size()}};
                 if (!rec.error.empty()) body["error"] = rec.error;
                 return Response::json(200, json::serialize(body));
               });
             },
             {.runs_on = http::RunsOn::storage});
}

}  // namespace arena::app
