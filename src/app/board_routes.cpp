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
#include "rest_params.hpp"
#include "roles.hpp"

namespace arena::app {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

// A score as JSON: a whole number as an integer (not 1.01E2), any other as a double.
json::value number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
  return v;
}

// rank|k1|k2|user_id, base64url: opaque to clients.
leaderboards::Cursor cursor_of(const Request& req) {
  const auto v = req.query_param("cursor");
  if (!v || v->empty()) return {};
  const auto raw = core::base64url_decode(*v);
  leaderboards::Cursor c;
  bool ok = raw.has_value();
  std::size_t at = 0;
  auto field = [&](auto& out) {
    if (!ok) return false;  // not base64url, or a field before was bad
    const auto bar = raw->find('|', at);
    if (bar == std::string::npos) return ok = false;
    const auto* p = raw->data();
    ok = std::from_chars(p + at, p + bar, out).ptr == p + bar;
    at = bar + 1;
    return ok;
  };
  field(c.rank) && field(c.key.k1) && field(c.key.k2);
  ok = ok && c.rank > 0 && std::isfinite(c.key.k1) && std::isfinite(c.key.k2);
  if (ok) c.user_id = raw->substr(at);
  if (!ok || c.user_id.empty()) throw Error(Code::invalid_field, "cursor is not one this server gave out");
  return c;
}

std::string cursor_text(const leaderboards::Entry& e) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld|%.17g|%.17g|", static_cast<long long>(e.rank), e.key.k1, e.key.k2);
  return core::base64url_encode(buf + e.user_id);
}

struct Target {
  const leaderboards::Board* board;
  leaderboards::View view;
};

// The board, region and season a request names (bad ones: 4xx with a code).
Target target_of(const Request& req, const BoardServices& b) {
  const std::string id(req.param("board"));
  const auto* board = b.after_match.board(id);
  if (board == nullptr) throw Error(Code::no_such_board, "no leaderboard named '" + id.substr(0, 64) + "'");
  Target t{board, {id, leaderboards::season_at(*board, b.clock.now_unix_ms()).id, ""}};
  if (const auto r = req.query_param("region"); r && !r->empty()) {
    if (std::find(board->regions.begin(), board->regions.end(), *r) == board->regions.end())
      throw Error(Code::invalid_field, "region is one of this board's regions (GET /v1/leaderboards lists them)");
    t.view.region = std::string(*r);
  }
  if (const auto s = req.query_param("season"); s && !s->empty() && *s != t.view.season) {
    if (!leaderboards::plausible_season(*board, *s))
      throw Error(Code::invalid_field,
                  board->season ? "season is a name such as 2026-11" : "this board has no seasons");
    if (!b.store.has_season(id, std::string(*s)))
      throw Error(Code::no_such_season, "this board has no season '" + std::string(*s) + "'");
    t.view.season = std::string(*s);
  }
  return t;
}

json::array entries_json(const BoardServices& b, const leaderboards::Board& board,
                         const std::vector<leaderboards::Entry>& rows) {
  std::vector<std::string> users;
  users.reserve(rows.size());
  for (const auto& r : rows) users.push_back(r.user_id);
  const auto names = b.accounts.display_names(users);
  const auto ratings =
      board.rating ? b.ratings.load(users, board.mode) : std::map<std::string, ratings::PlayerRating>{};
  json::array out;
  for (const auto& r : rows) {
    const auto name = names.find(r.user_id);
    json::object o{{"rank", r.rank},
                   {"user_id", r.user_id},
                   {"display_name", name != names.end() ? json::value(name->second) : json::value(nullptr)},
                   {"region", r.region.empty() ? json::value(nullptr) : json::value(r.region)},
                   {"updated_at", r.updated_at}};
    if (board.rating) {
      o["rating"] = shown(r.score);
      const auto rating = ratings.find(r.user_id);
      o["games"] = rating != ratings.end() ? rating->second.games : 0;
    } else {
      o["score"] = number(r.score);
      o["subscore"] = number(r.subscore);
    }
    out.push_back(std::move(o));
  }
  return out;
}

json::object board_json(const BoardServices& b, const leaderboards::Board& board) {
  json::array regions;
  for (const auto& r : board.regions) regions.push_back(json::string(r));
  return {{"id", board.id},
          {"kind", board.rating ? "rating" : "score"},
          {"mode", board.mode.empty() ? json::value(nullptr) : json::value(board.mode)},
          {"stat", board.stat.empty() ? json::value(nullptr) : json::value(board.stat)},
          {"operator", leaderboards::name(board.op)},
          {"order", leaderboards::name(board.order)},
          {"season_schedule", board.season ? json::value(board.season->text()) : json::value(nullptr)},
          {"season", leaderboards::season_at(board, b.clock.now_unix_ms()).id},
          {"regions", std::move(regions)},
          {"server_writes", board.writable_by_server}};
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
               json::array boards;
               for (const auto& board : b.after_match.boards()) boards.push_back(board_json(b, board));
               return Response::json(200, json::serialize(json::object{{"boards", std::move(boards)}}));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/leaderboards/{board}",
             [&b](Request& req) {
               const auto t = target_of(req, b);
               const int limit = page_limit(req, 20, 100);
               auto rows = b.store.page(t.view, cursor_of(req), limit + 1);
               const bool more = static_cast<int>(rows.size()) > limit;
               if (more) rows.pop_back();
               json::object body{{"board", t.view.board},
                                 {"season", t.view.season},
                                 {"region", t.view.region.empty() ? json::value(nullptr) : json::value(t.view.region)},
                                 {"entries", entries_json(b, *t.board, rows)},
                                 {"next_cursor", more ? json::value(cursor_text(rows.back())) : json::value(nullptr)}};
               return Response::json(200, json::serialize(body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/leaderboards/{board}/around/{user_id}",
             [&b](Request& req) {
               const auto t = target_of(req, b);
               const std::string user = id_param(req, "user_id", Code::no_such_user);
               const auto rows = b.store.around(t.view, user, page_limit(req, 5, 50));
               if (rows.empty()) throw Error(Code::no_such_user, "that player is not on this board (in this season)");
               json::object body{{"board", t.view.board},
                                 {"season", t.view.season},
                                 {"region", t.view.region.empty() ? json::value(nullptr) : json::value(t.view.region)},
                                 {"entries", entries_json(b, *t.board, rows)}};
               return Response::json(200, json::serialize(body));
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
