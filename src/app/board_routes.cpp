// Leaderboards over REST (served by the worker role, which writes them): the boards, their
// pages and around-me per region and season, their seasons, and server writes of scores. Every
// route runs on the storage pool.
#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "arena/bus/payload.hpp"
#include "arena/core/encoding.hpp"
#include "arena/core/json_input.hpp"
#include "arena/http/router.hpp"
#include "arena/ratings/ratings.hpp"
#include "read_model.hpp"
#include "rest_params.hpp"
#include "roles.hpp"

namespace arena::app {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

// The board, region, season and cursor a request names.
BoardQuery query_of(const Request& req, int limit) {
  return {std::string(req.param("board")), std::string(req.query_param("region").value_or("")),
          std::string(req.query_param("season").value_or("")), std::string(req.query_param("cursor").value_or("")),
          limit};
}

double number_field(const json::object& o, std::string_view key, bool required) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    if (required) throw Error(Code::missing_field, std::string(key) + " is required");
    return 0;
  }
  if (!v->is_number()) throw Error(Code::invalid_field, std::string(key) + " is a number");
  const double d = v->to_number<double>();
  if (!std::isfinite(d) || std::fabs(d) > 1e15) throw Error(Code::invalid_field, std::string(key) + " is -1e15..1e15");
  return d;
}

}  // namespace

void add_board_routes(http::Router& routes, BoardServices& b) {
  routes.add(Method::get, "/v1/leaderboards",
             [&b](Request&) {
               return Response::json(200, json::serialize(json::object{{"boards", boards_json(b)}}));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/leaderboards/{board}",
             [&b](Request& req) {
               return Response::json(200, json::serialize(board_page(b, query_of(req, page_limit(req, 20, 100))).body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/leaderboards/{board}/around/{user_id}",
             [&b](Request& req) {
               auto q = query_of(req, 0);
               q.cursor.clear();
               const std::string user = id_param(req, "user_id", Code::no_such_user);
               return Response::json(200, json::serialize(around_json(b, q, user, page_limit(req, 5, 50))));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(
      Method::get, "/v1/leaderboards/{board}/seasons",
      [&b](Request& req) {
        const std::string id(req.param("board"));
        const auto* board = b.after_match.board(id);
        if (board == nullptr) throw Error(Code::no_such_board, "no leaderboard named '" + id.substr(0, 64) + "'");
        json::array seasons;
        for (const auto& s : b.store.seasons(id))
          seasons.push_back(json::object{{"season", s.id},
                                         {"starts_at", s.starts_at},
                                         {"ends_at", s.ends_at == 0 ? json::value(nullptr) : json::value(s.ends_at)},
                                         {"closed_at", s.closed_at ? json::value(*s.closed_at) : json::value(nullptr)},
                                         {"entries", s.entries}});
        json::object body{{"board", id},
                          {"current", leaderboards::season_at(*board, b.clock.now_unix_ms()).id},
                          {"seasons", std::move(seasons)}};
        return Response::json(200, json::serialize(body));
      },
      {.runs_on = http::RunsOn::storage});

  // A server call writes a score (a game server, a tournament tool): with the server key only.
  routes.add(
      Method::post, "/v1/leaderboards/{board}/scores",
      [&b](Request& req) {
        if (b.server_key.empty())
          throw Error(Code::server_writes_off, "server writes are off (set leaderboards.server_key)");
        if (!same_key(req.bearer_token(), b.server_key))
          throw Error(Code::unauthorized, "server writes need Authorization: Bearer <leaderboards.server_key>");
        const std::string id(req.param("board"));
        const auto* board = b.after_match.board(id);
        if (board == nullptr) throw Error(Code::no_such_board, "no leaderboard named '" + id.substr(0, 64) + "'");
        if (!board->writable_by_server)
          throw Error(Code::server_writes_off, board->rating ? "a rating board is written by rated matches only"
                                                             : "this board takes no server writes");
        const auto body = core::parse_object(req.body, b.json_limits);
        const core::Fields f(body);
        const std::string user = f.required_string("user_id", 1, 64);
        const std::string region = f.optional_string("region", 1, 32).value_or("");
        if (!region.empty() && std::find(board->regions.begin(), board->regions.end(), region) == board->regions.end())
          throw Error(Code::invalid_field, "region is one of this board's regions");
        const leaderboards::Score score{number_field(body, "score", true), number_field(body, "subscore", false)};
        const auto now = b.clock.now_unix_ms();
        const auto season = leaderboards::season_at(*board, now);
        if (!b.accounts.find(user)) throw Error(Code::no_such_user, "there is no player with that id");
        const auto written = b.store.write(*board, season, user, region, score, now);
        if (b.store.index() != nullptr) b.store.index()->committed({written});
        const leaderboards::View view{id, season.id, ""};
        const auto e = b.store.entry(view, user);
        json::object out{{"board", id},
                         {"season", season.id},
                         {"user_id", user},
                         {"score", number(e ? e->score : 0)},
                         {"subscore", number(e ? e->subscore : 0)},
                         {"rank", b.store.rank_of(view, user)}};
        return Response::json(200, json::serialize(out));
      },
      {.runs_on = http::RunsOn::storage});
}

}  // namespace arena::app
