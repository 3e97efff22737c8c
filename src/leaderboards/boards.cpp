#include "arena/leaderboards/boards.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <ctime>
#include <set>
#include <stdexcept>

namespace arena::leaderboards {

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kDay = std::int64_t{24} * 60 * kMinute;

std::tm utc(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
  });
}

}  // namespace

std::string_view name(Operator op) {
  constexpr std::array<std::string_view, 4> kNames{"best", "set", "increment", "decrement"};
  return kNames[static_cast<std::size_t>(op)];
}

std::string_view name(Order o) {
  return o == Order::desc ? "desc" : "asc";
}

std::optional<std::int64_t> previous_match(const jobs::Cron& cron, std::int64_t at_ms) {
  // Cron::next looks forward: look from ever further back until a match at or before `at` shows
  // up, then walk forward to the last one.
  for (const std::int64_t window :
       {std::int64_t{2} * 60 * kMinute, 2 * kDay, 33 * kDay, 367 * kDay, std::int64_t{5} * 366 * kDay}) {
    auto t = cron.next(at_ms - window);
    if (!t || *t > at_ms) continue;
    for (auto n = cron.next(*t); n && *n <= at_ms; n = cron.next(*t)) t = n;
    return t;
  }
  return std::nullopt;
}

std::string season_name(std::int64_t starts_at, std::int64_t ends_at) {
  const std::tm s = utc(starts_at);
  char buf[64];
  const bool midnight = s.tm_hour == 0 && s.tm_min == 0;
  const std::int64_t length = ends_at > starts_at ? ends_at - starts_at : 0;
  if (midnight && s.tm_mday == 1 && s.tm_mon == 0 && length >= 365 * kDay) {
    std::snprintf(buf, sizeof buf, "%04d", s.tm_year + 1900);
  } else if (midnight && s.tm_mday == 1 && length >= 28 * kDay) {
    std::snprintf(buf, sizeof buf, "%04d-%02d", s.tm_year + 1900, s.tm_mon + 1);
  } else if (midnight && length >= kDay) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", s.tm_year + 1900, s.tm_mon + 1, s.tm_mday);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d", s.tm_year + 1900, s.tm_mon + 1, s.tm_mday, s.tm_hour,
                  s.tm_min);
  }
  return buf;
}

Season season_at(const Board& board, std::int64_t at_ms) {
  if (!board.season) return {std::string(kAllTime), 0, 0};
  const auto start = previous_match(*board.season, at_ms);
  const auto end = board.season->next(at_ms);
  // Before the schedule's first time in five years (or never again after): one season named by
  // the minute it began, so writes still land somewhere stable.
  const std::int64_t s = start.value_or(0);
  const std::int64_t e = end.value_or(0);
  return {start ? season_name(s, e) : std::string(kAllTime), s, e};
}

bool plausible_season(const Board& board, std::string_view text) {
  if (!board.season) return text == kAllTime;
  if (text == kAllTime) return true;  // the fallback of season_at
  // YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM: digits and separators in their places.
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd";
  if (text.size() != 4 && text.size() != 7 && text.size() != 10 && text.size() != 16) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

Score combine(const Board& board, const std::optional<Score>& before, const Score& write) {
  if (!before) return board.op == Operator::decrement ? Score{0, 0} : write;
  switch (board.op) {
    case Operator::set: return write;
    case Operator::increment: return {before->score + write.score, before->subscore + write.subscore};
    case Operator::decrement:  // never below zero, as a counter people spend
      return {std::max(0.0, before->score - write.score), std::max(0.0, before->subscore - write.subscore)};
    case Operator::best: {
      const auto a = sort_key(board.order, write), b = sort_key(board.order, *before);
      return std::tie(a.k1, a.k2) > std::tie(b.k1, b.k2) ? write : *before;
    }
  }
  return write;
}

SortKey sort_key(Order order, const Score& s) {
  return order == Order::desc ? SortKey{s.score, s.subscore} : SortKey{-s.score, -s.subscore};
}

std::vector<Board> configured_boards(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                     const std::vector<ModeInfo>& modes) {
  std::vector<Board> out;
  std::set<std::string> all_regions;
  for (const auto& m : modes) all_regions.insert(m.regions.begin(), m.regions.end());
  for (const auto& m : modes) {
    Board b;
    b.id = m.name;
    b.rating = true;
    b.mode = m.name;
    b.op = Operator::set;
    b.regions = m.regions;
    b.writable_by_server = false;
    out.push_back(std::move(b));
  }
  for (const auto& entry : raw) {
    const std::string& id = entry.first;  // not structured bindings: lambdas below capture them
    const auto& keys = entry.second;
    auto bad = [&id](const std::string& key, const std::string& why) {
      return std::invalid_argument("setting 'leaderboards.boards." + id + (key.empty() ? "" : "." + key) + "': " + why);
    };
    if (!valid_id(id)) throw bad("", "a board id is 1-64 letters, digits, '_', '-' or '.'");
    auto rating = std::find_if(out.begin(), out.end(), [&](const Board& b) { return b.rating && b.id == id; });
    Board fresh;
    fresh.id = id;
    fresh.regions.assign(all_regions.begin(), all_regions.end());
    Board& b = rating != out.end() ? *rating : fresh;
    for (const auto& kv : keys) {
      const std::string& key = kv.first;
      const std::string& value = kv.second;
      if (key == "season") {
        try {
          if (!value.empty()) b.season = jobs::Cron::parse(value);
        } catch (const std::invalid_argument& e) {
          throw bad(key, e.what());
        }
        if (b.season && !b.season->next(0)) throw bad(key, "the schedule never matches");
        continue;
      }
      if (b.rating) throw bad(key, "'" + id + "' is a mode's rating board: only 'season' may be set");
      if (key == "mode") {
        auto m = std::find_if(modes.begin(), modes.end(), [&](const ModeInfo& x) { return x.name == value; });
        if (m == modes.end()) throw bad(key, "no mode named '" + value + "'");
        b.mode = value;
        b.regions = m->regions;
      } else if (key == "stat") {
        b.stat = value;
      } else if (key == "subscore") {
        b.subscore_stat = value;
      } else if (key == "operator") {
        if (value == "best")
          b.op = Operator::best;
        else if (value == "set")
          b.op = Operator::set;
        else if (value == "increment")
          b.op = Operator::increment;
        else if (value == "decrement")
          b.op = Operator::decrement;
        else
          throw bad(key, "expected best, set, increment or decrement");
      } else if (key == "order") {
        if (value != "desc" && value != "asc") throw bad(key, "expected desc (highest first) or asc");
        b.order = value == "desc" ? Order::desc : Order::asc;
      } else if (key == "server_writes") {
        if (value != "true" && value != "false") throw bad(key, "expected true or false");
        b.writable_by_server = value == "true";
      } else {
        throw bad(key, "unknown key (mode, stat, subscore, operator, order, season, server_writes)");
      }
    }
    if (b.rating) continue;
    if (b.mode.empty() != b.stat.empty()) throw bad(b.mode.empty() ? "mode" : "stat", "mode and stat go together");
    if (!b.subscore_stat.empty() && b.stat.empty()) throw bad("subscore", "needs mode and stat");
    if (b.mode.empty() && !b.writable_by_server) throw bad("server_writes", "a board nobody writes");
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace arena::leaderboards
