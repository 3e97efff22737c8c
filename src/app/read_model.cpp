#include "read_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "arena/core/encoding.hpp"
#include "arena/protocol/subjects.hpp"
#include "arena/ratings/ratings.hpp"
#include "rest_params.hpp"

namespace arena::app {
namespace json = boost::json;

namespace {

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

[[noreturn]] void bad_cursor() {
  throw Error(Code::invalid_field, "cursor is not one this server gave out");
}

// A history cursor: the (ended_at, match_id) of the last item of the page before, opaque.
match::HistoryCursor history_cursor(std::string_view text) {
  if (text.empty()) return {};
  const auto raw = core::base64url_decode(text);
  const auto bar = raw ? raw->find('|') : std::string::npos;
  match::HistoryCursor c;
  if (bar == std::string::npos || bar == 0 || bar + 1 == raw->size()) bad_cursor();
  const auto* end = raw->data() + bar;
  if (std::from_chars(raw->data(), end, c.ended_at).ptr != end) bad_cursor();
  c.match_id = raw->substr(bar + 1);
  return c;
}

// A board cursor: rank|k1|k2|user_id, base64url.
leaderboards::Cursor board_cursor(std::string_view text) {
  if (text.empty()) return {};
  const auto raw = core::base64url_decode(text);
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
  if (!ok || c.user_id.empty()) bad_cursor();
  return c;
}

std::string board_cursor_text(const leaderboards::Entry& e) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lld|%.17g|%.17g|", static_cast<long long>(e.rank), e.key.k1, e.key.k2);
  return core::base64url_encode(buf + e.user_id);
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

struct Target {
  const leaderboards::Board* board;
  leaderboards::View view;
};

// The board, region and season a query names (bad ones: Error with a code).
Target target_of(const BoardServices& b, const BoardQuery& q) {
  const auto* board = b.after_match.board(q.board);
  if (board == nullptr) throw Error(Code::no_such_board, "no leaderboard named '" + q.board.substr(0, 64) + "'");
  Target t{board, {q.board, leaderboards::season_at(*board, b.clock.now_unix_ms()).id, ""}};
  if (!q.region.empty()) {
    if (std::find(board->regions.begin(), board->regions.end(), q.region) == board->regions.end())
      throw Error(Code::invalid_field, "region is one of this board's regions (GET /v1/leaderboards lists them)");
    t.view.region = q.region;
  }
  if (!q.season.empty() && q.season != t.view.season) {
    if (!leaderboards::plausible_season(*board, q.season))
      throw Error(Code::invalid_field,
                  board->season ? "season is a name such as 2026-11" : "this board has no seasons");
    if (!b.store.has_season(q.board, q.season))
      throw Error(Code::no_such_season, "this board has no season '" + q.season.substr(0, 64) + "'");
    t.view.season = q.season;
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
                   {"region", text_or_null(r.region)},
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

json::object page_head(const Target& t) {
  return {{"board", t.view.board}, {"season", t.view.season}, {"region", text_or_null(t.view.region)}};
}

}  // namespace

std::optional<json::object> player_json(const BoardServices& b, const std::string& id) {
  const auto account = b.accounts.find(id);
  if (!account) return std::nullopt;
  const auto last_seen = b.matches.last_played(id);
  json::array modes;
  for (const auto& r : b.ratings.all_of(id)) {
    // Rank: on the mode's rating board this season (null when not on it: no rated match this season).
    const auto* board = b.after_match.board(r.mode);
    const auto rank =
        board == nullptr
            ? 0
            : b.store.rank_of({board->id, leaderboards::season_at(*board, b.clock.now_unix_ms()).id, ""}, id);
    modes.push_back(json::object{{"mode", r.mode},
                                 {"model", ratings::name(r.model)},
                                 {"rating", shown(r.display)},
                                 {"games", r.games},
                                 {"wins", r.wins},
                                 {"losses", r.losses},
                                 {"draws", r.draws},
                                 {"rank", rank > 0 ? json::value(rank) : json::value(nullptr)}});
  }
  return json::object{{"user_id", id},
                      {"display_name", account->display_name},
                      {"created_at", account->created_at},
                      {"last_seen", last_seen ? json::value(*last_seen) : json::value(nullptr)},
                      {"modes", std::move(modes)}};
}

Page history_page(const BoardServices& b, const std::string& id, std::string_view cursor, int limit) {
  const auto from = history_cursor(cursor);
  if (!b.accounts.find(id)) throw Error(Code::no_such_user, "there is no player with that id");
  auto played = b.matches.history(id, from, limit + 1);
  Page page;
  page.more = static_cast<int>(played.size()) > limit;
  if (page.more) played.pop_back();
  std::vector<std::string> ids;
  ids.reserve(played.size());
  for (const auto& p : played) ids.push_back(p.match.record.spec.match_id);
  const auto rated = b.ratings.history_of(id, ids);
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
    page.cursors.push_back(core::base64url_encode(std::to_string(p.match.ended_at) + "|" + rec.spec.match_id));
  }
  page.body = {{"matches", std::move(items)},
               {"next_cursor", page.more ? json::value(page.cursors.back()) : json::value(nullptr)}};
  return page;
}

std::optional<json::object> match_json(const BoardServices& b, const std::string& id) {
  const auto stored = b.matches.load(id);
  if (!stored) return std::nullopt;
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
  return body;
}

json::array boards_json(const BoardServices& b) {
  json::array out;
  for (const auto& board : b.after_match.boards()) {
    json::array regions;
    for (const auto& r : board.regions) regions.push_back(json::string(r));
    out.push_back(
        json::object{{"id", board.id},
                     {"kind", board.rating ? "rating" : "score"},
                     {"mode", text_or_null(board.mode)},
                     {"stat", text_or_null(board.stat)},
                     {"operator", leaderboards::name(board.op)},
                     {"order", leaderboards::name(board.order)},
                     {"season_schedule", board.season ? json::value(board.season->text()) : json::value(nullptr)},
                     {"season", leaderboards::season_at(board, b.clock.now_unix_ms()).id},
                     {"regions", std::move(regions)},
                     {"server_writes", board.writable_by_server}});
  }
  return out;
}

Page board_page(const BoardServices& b, const BoardQuery& q) {
  const auto t = target_of(b, q);
  auto rows = b.store.page(t.view, board_cursor(q.cursor), q.limit + 1);
  Page page;
  page.more = static_cast<int>(rows.size()) > q.limit;
  if (page.more) rows.pop_back();
  for (const auto& r : rows) page.cursors.push_back(board_cursor_text(r));
  page.body = page_head(t);
  page.body["entries"] = entries_json(b, *t.board, rows);
  page.body["next_cursor"] = page.more ? json::value(page.cursors.back()) : json::value(nullptr);
  return page;
}

json::object around_json(const BoardServices& b, const BoardQuery& q, const std::string& user, int limit) {
  const auto t = target_of(b, q);
  const auto rows = b.store.around(t.view, user, limit);
  if (rows.empty()) throw Error(Code::no_such_user, "that player is not on this board (in this season)");
  auto body = page_head(t);
  body["entries"] = entries_json(b, *t.board, rows);
  return body;
}

std::string matchmaking_stats(bus::Bus& bus) {
  auto r = bus.request_sync(protocol::kMatchmakerStats, "{}", std::chrono::seconds(2));
  if (r.error != bus::RequestError::none)
    throw Error(Code::unavailable, "no matchmaker answered; is the matchmaker role running?");
  return std::move(r.data);
}

json::array modes_json(const std::vector<matchmaking::ModeConfig>& modes) {
  json::array out;
  for (const auto& m : modes) {
    json::array regions;
    for (const auto& r : m.regions) regions.push_back(json::string(r));
    const auto team = [&](int v) { return m.ffa() ? json::value(nullptr) : json::value(v); };
    const auto ffa = [&](int v) { return m.ffa() ? json::value(v) : json::value(nullptr); };
    out.push_back(json::object{
        {"name", m.name},
        {"game", m.game},
        {"seats", m.seat_count()},
        {"teams", team(m.teams)},
        {"team_size", team(m.team_size)},
        {"ffa_min", ffa(m.ffa_min)},
        {"ffa_max", ffa(m.ffa_max)},
        {"max_party_size", m.party_limit()},
        {"regions", std::move(regions)},
        {"practice", m.practice},
        {"bots_after_s",
         m.bots_after.count() > 0 ? number(static_cast<double>(m.bots_after.count()) / 1000) : json::value(nullptr)},
        {"rating_model", m.rating_model_or_default()}});
  }
  return out;
}

}  // namespace arena::app
