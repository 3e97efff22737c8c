#include "arena/ratings/ratings.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::ratings {

std::string_view name(Model m) {
  return m == Model::glicko2 ? "glicko2" : "weng_lin";
}

std::optional<Model> model_named(std::string_view s) {
  if (s == "glicko2") return Model::glicko2;
  if (s == "weng_lin") return Model::weng_lin;
  return std::nullopt;
}

double displayed(Model model, double rating, double deviation) {
  return model == Model::glicko2 ? rating - 2 * deviation : 800 + 40 * (rating - 3 * deviation);
}

PlayerRating fresh(const std::string& user_id, const std::string& mode, Model model) {
  PlayerRating r;
  r.user_id = user_id;
  r.mode = mode;
  r.model = model;
  if (model == Model::glicko2) {
    const Glicko g;
    r.rating = g.rating, r.deviation = g.rd, r.volatility = g.volatility;
  } else {
    const Skill s;
    r.rating = s.mu, r.deviation = s.sigma, r.volatility = 0;
  }
  r.display = displayed(model, r.rating, r.deviation);
  return r;
}

std::vector<Change> rate_match(const std::string& mode, Model model, const std::vector<RatedSeat>& seats,
                               const std::map<std::string, PlayerRating>& current, std::int64_t now, const Options& o) {
  // The rated sides: teams with at least one player; a team's place is its best seat's.
  std::map<int, std::vector<const RatedSeat*>> teams;
  std::map<int, int> team_place;
  for (const auto& s : seats) {
    if (s.bot || s.user_id.empty()) continue;
    teams[s.team].push_back(&s);
    auto [it, inserted] = team_place.emplace(s.team, s.place);
    if (!inserted) it->second = std::min(it->second, s.place);
  }
  if (teams.size() < 2) return {};
  auto rating_of = [&](const std::string& user) {
    auto it = current.find(user);
    PlayerRating r = it != current.end() && it->second.model == model ? it->second : fresh(user, mode, model);
    return r;
  };
  std::vector<Change> out;
  std::set<int> places;
  for (const auto& [team, place] : team_place) places.insert(place);
  const bool all_tied = places.size() == 1;
  auto outcome = [&](int place) {
    if (all_tied) return std::string("draw");
    return place == *places.begin() ? std::string("win") : std::string("loss");
  };
  if (model == Model::glicko2) {
    std::map<std::string, PlayerRating> before;
    for (const auto& [team, members] : teams)
      for (const auto* s : members) {
        auto r = rating_of(s->user_id);
        if (r.last_played > 0) {  // RD widened by the idle rating periods since the last game
          const double periods = static_cast<double>(now - r.last_played) / static_cast<double>(o.period_ms);
          r.deviation = glicko2_idle_rd({r.rating, r.deviation, r.volatility}, std::floor(periods), o.glicko);
        }
        before[s->user_id] = r;
      }
    for (const auto& [team, members] : teams) {
      for (const auto* s : members) {
        const auto& me = before.at(s->user_id);
        std::vector<GlickoGame> games;
        for (const auto& [other_team, others] : teams) {
          if (other_team == team) continue;
          for (const auto* x : others) {
            const auto& them = before.at(x->user_id);
            const int mine = team_place.at(team), theirs = team_place.at(other_team);
            games.push_back({{them.rating, them.deviation, them.volatility},
                             mine < theirs    ? 1.0
                             : mine == theirs ? 0.5
                                              : 0.0});
          }
        }
        const auto g = glicko2_update({me.rating, me.deviation, me.volatility}, games, o.glicko);
        Change c;
        c.before = rating_of(s->user_id).display;
        c.after = me;
        c.after.rating = g.rating, c.after.deviation = g.rd, c.after.volatility = g.volatility;
        c.place = team_place.at(team);
        c.outcome = outcome(c.place);
        out.push_back(std::move(c));
      }
    }
  } else {
    std::vector<std::vector<Skill>> skills;
    std::vector<int> ranks;
    std::vector<const std::vector<const RatedSeat*>*> order;
    for (const auto& [team, members] : teams) {
      auto& t = skills.emplace_back();
      for (const auto* s : members) {
        const auto r = rating_of(s->user_id);
        t.push_back({r.rating, r.deviation});
      }
      ranks.push_back(team_place.at(team));
      order.push_back(&members);
    }
    const auto updated = plackett_luce(skills, ranks, o.weng_lin);
    for (std::size_t i = 0; i < order.size(); ++i) {
      for (std::size_t j = 0; j < order[i]->size(); ++j) {
        const auto* s = (*order[i])[j];
        Change c;
        c.after = rating_of(s->user_id);
        c.before = c.after.display;
        c.after.rating = updated[i][j].mu, c.after.deviation = updated[i][j].sigma;
        c.place = ranks[i];
        c.outcome = outcome(c.place);
        out.push_back(std::move(c));
      }
    }
  }
  for (auto& c : out) {
    auto& a = c.after;
    a.display = displayed(model, a.rating, a.deviation);
    a.last_played = now;
    ++a.games;
    a.wins += c.outcome == "win" ? 1 : 0;
    a.losses += c.outcome == "loss" ? 1 : 0;
    a.draws += c.outcome == "draw" ? 1 : 0;
  }
  return out;
}

std::string lock_name(const std::string& user, const std::string& mode) {
  return "rating:" + mode + "/" + user;
}

const Change* change_of(const std::vector<Change>& changes, const std::string& user) {
  for (const auto& c : changes)
    if (c.after.user_id == user) return &c;
  return nullptr;
}

namespace {

constexpr std::string_view kColumns =
    "model, rating, deviation, volatility, display, games, wins, losses, draws, last_played";

// The columns above, from `col` on, into `r`.
template <class Row>
void read_rating(const Row& row, int col, PlayerRating& r) {
  r.model = model_named(row.view(col)).value_or(Model::glicko2);
  r.rating = row.real(col + 1), r.deviation = row.real(col + 2), r.volatility = row.real(col + 3);
  r.display = row.real(col + 4);
  r.games = static_cast<int>(row.int64(col + 5)), r.wins = static_cast<int>(row.int64(col + 6));
  r.losses = static_cast<int>(row.int64(col + 7)), r.draws = static_cast<int>(row.int64(col + 8));
  r.last_played = row.int64(col + 9);
}

// A row of a statement or of a result, read the same way.
struct SqliteRow {
  storage::Statement& st;
  std::string view(int c) const { return st.text(c); }
  double real(int c) const { return st.real(c); }
  std::int64_t int64(int c) const { return st.int64(c); }
};
struct PgRow {
  const storage::PgResult& r;
  int i;
  std::string_view view(int c) const { return r.view(i, c); }
  double real(int c) const { return r.real(i, c); }
  std::int64_t int64(int c) const { return r.int64(i, c); }
};

}  // namespace

std::map<std::string, PlayerRating> SqliteRatingStore::load(const std::vector<std::string>& users,
                                                            const std::string& mode) {
  // The one connection writes: a transaction on it holds every rating until it ends.
  std::map<std::string, PlayerRating> out;
  db_.with([&](storage::Sqlite& c) {
    static const std::string head =
        "SELECT user_id, " + std::string(kColumns) + " FROM ratings WHERE mode = ? AND user_id IN (";
    storage::for_rows(
        c, {head, "?", ")"}, users.size(), [&](storage::Statement& st) { st.bind_at(1, mode); },
        [&](storage::Statement& st, std::size_t i, int p) { st.bind_at(p, users[i]); },
        [&](storage::Statement& st) {
          PlayerRating r;
          r.user_id = st.text(0);
          r.mode = mode;
          read_rating(SqliteRow{st}, 1, r);
          out[r.user_id] = r;
        });
  });
  return out;
}

bool SqliteRatingStore::apply(const std::string& match_id, const std::vector<Change>& changes, std::int64_t now) {
  return apply_all({{match_id, changes}}, now);
}

bool SqliteRatingStore::apply_all(const std::vector<MatchChanges>& matches, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);  // joins the caller's (a job's effects)
    bool applied = false;
    storage::for_rows(
        c, {"SELECT 1 FROM rating_history WHERE match_id IN (", "?", ") LIMIT 1"}, matches.size(),
        [](storage::Statement&) {},
        [&](storage::Statement& st, std::size_t i, int p) { st.bind_at(p, matches[i].match_id); },
        [&](storage::Statement&) { applied = true; });
    if (applied) return false;
    // Each player's latest rating, once; every change's history row.
    std::vector<const PlayerRating*> latest;
    std::map<std::pair<std::string_view, std::string_view>, std::size_t> slot;  // (user, mode) -> in `latest`
    std::vector<std::pair<const std::string*, const Change*>> rows;
    for (const auto& m : matches)
      for (const auto& ch : m.changes) {
        const auto [it, fresh] = slot.try_emplace({ch.after.user_id, ch.after.mode}, latest.size());
        if (fresh)
          latest.push_back(&ch.after);
        else
          latest[it->second] = &ch.after;
        rows.emplace_back(&m.match_id, &ch);
      }
    storage::for_rows(
        c,
        {"INSERT INTO ratings (user_id, mode, model, rating, deviation, volatility, display, games, wins, losses, "
         "draws, last_played) VALUES ",
         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         " ON CONFLICT (user_id, mode) DO UPDATE SET model = excluded.model, rating = excluded.rating, deviation = "
         "excluded.deviation, volatility = excluded.volatility, display = excluded.display, games = excluded.games, "
         "wins = excluded.wins, losses = excluded.losses, draws = excluded.draws, last_played = excluded.last_played"},
        latest.size(), [](storage::Statement&) {},
        [&](storage::Statement& st, std::size_t i, int p) {
          const auto& a = *latest[i];
          st.bind_at(p, a.user_id)
              .bind_at(p + 1, a.mode)
              .bind_at(p + 2, name(a.model))
              .bind_at(p + 3, a.rating)
              .bind_at(p + 4, a.deviation)
              .bind_at(p + 5, a.volatility)
              .bind_at(p + 6, a.display)
              .bind_at(p + 7, a.games)
              .bind_at(p + 8, a.wins)
              .bind_at(p + 9, a.losses)
              .bind_at(p + 10, a.draws)
              .bind_at(p + 11, a.last_played);
        });
    storage::for_rows(
        c,
        {"INSERT INTO rating_history (match_id, user_id, mode, before, after, place, outcome, at) VALUES ",
         "(?, ?, ?, ?, ?, ?, ?, ?)", ""},
        rows.size(), [](storage::Statement&) {},
        [&](storage::Statement& st, std::size_t i, int p) {
          const auto& [match_id, ch] = rows[i];
          st.bind_at(p, *match_id)
              .bind_at(p + 1, ch->after.user_id)
              .bind_at(p + 2, ch->after.mode)
              .bind_at(p + 3, ch->before)
              .bind_at(p + 4, ch->after.display)
              .bind_at(p + 5, ch->place)
              .bind_at(p + 6, ch->outcome)
              .bind_at(p + 7, now);
        });
    tx.commit();
    return true;
  });
}

std::map<std::string, double> SqliteRatingStore::displayed_of(const std::vector<std::string>& users,
                                                              const std::string& mode) {
  std::map<std::string, double> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT display FROM ratings WHERE user_id = ? AND mode = ?");
    for (const auto& u : users) {
      st.bind(u, mode);
      if (st.step()) out[u] = st.real(0);
    }
  });
  return out;
}

std::vector<PlayerRating> SqliteRatingStore::all_of(const std::string& user) {
  std::vector<PlayerRating> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st =
        c.prepare("SELECT mode, " + std::string(kColumns) + " FROM ratings WHERE user_id = ? ORDER BY mode").bind(user);
    while (st.step()) {
      PlayerRating r;
      r.user_id = user;
      r.mode = st.text(0);
      read_rating(SqliteRow{st}, 1, r);
      out.push_back(std::move(r));
    }
  });
  return out;
}

std::map<std::string, HistoryEntry> SqliteRatingStore::history_of(const std::string& user,
                                                                  const std::vector<std::string>& matches) {
  std::map<std::string, HistoryEntry> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT before, after, place, outcome FROM rating_history WHERE match_id = ? AND user_id = ?");
    for (const auto& m : matches) {
      st.bind(m, user);
      if (st.step()) out[m] = {st.real(0), st.real(1), static_cast<int>(st.int64(2)), st.text(3)};
    }
  });
  return out;
}

namespace {
// $first, $first+1, ... for `n` values.
std::string placeholders(std::size_t n, int first) {
  std::string list;
  for (std::size_t i = 0; i < n; ++i) list += (i == 0 ? "$" : ", $") + std::to_string(first + static_cast<int>(i));
  return list;
}
}  // namespace

std::map<std::string, PlayerRating> PostgresRatingStore::load(const std::vector<std::string>& users,
                                                              const std::string& mode) {
  std::map<std::string, PlayerRating> out;
  if (users.empty()) return out;
  const std::string list = placeholders(users.size(), 2);  // one round trip for the match's players
  storage::PgParams params;
  params.push(mode);
  for (const auto& u : users) params.push(u);
  const auto r = pool_.with([&](storage::Pg& c) {
    // Inside a transaction: a lock per (player, mode) until it ends. Row locks alone would not
    // do: a player's first rated match has no row to lock yet.
    if (!c.idle()) {
      std::vector<std::string> names;
      names.reserve(users.size());
      for (const auto& u : users) names.push_back(lock_name(u, mode));
      storage::lock_names(c, names);
    }
    return c.run(
        "SELECT user_id, " + std::string(kColumns) + " FROM ratings WHERE mode = $1 AND user_id IN (" + list + ")",
        params);
  });
  for (int i = 0; i < r.rows(); ++i) {
    PlayerRating p;
    p.user_id = r.text(i, 0);
    p.mode = mode;
    read_rating(PgRow{r, i}, 1, p);
    out[p.user_id] = p;
  }
  return out;
}

bool PostgresRatingStore::apply_all(const std::vector<MatchChanges>& matches, std::int64_t now) {
  struct AppliedBefore {};  // rolls back what the matches before it wrote
  try {
    pool_.transaction([&](storage::Pg&) {
      for (const auto& m : matches)
        if (!apply(m.match_id, m.changes, now)) throw AppliedBefore{};
    });
    return true;
  } catch (const AppliedBefore&) {
    return false;
  }
}

bool PostgresRatingStore::apply(const std::string& match_id, const std::vector<Change>& changes, std::int64_t now) {
  if (changes.empty()) return true;
  // Two statements for the whole match, whatever its size: rows of `width` values each.
  auto rows = [&](int width) {
    std::string values;
    for (std::size_t i = 0; i < changes.size(); ++i) {
      values += i == 0 ? "(" : ", (";
      for (int k = 0; k < width; ++k)
        values += (k == 0 ? "$" : ", $") + std::to_string(static_cast<int>(i) * width + k + 1);
      values += ")";
    }
    return values;
  };
  storage::PgParams history, current;
  for (const auto& ch : changes) {
    const auto& a = ch.after;
    for (const auto* v : {&match_id, &a.user_id, &a.mode}) history.push(*v);
    history.push(ch.before);
    history.push(a.display);
    history.push(ch.place);
    history.push(ch.outcome);
    history.push(now);
    current.push(a.user_id);
    current.push(a.mode);
    current.push(name(a.model));
    for (const double v : {a.rating, a.deviation, a.volatility, a.display}) current.push(v);
    for (const int v : {a.games, a.wins, a.losses, a.draws}) current.push(v);
    current.push(a.last_played);
  }
  return pool_.transaction([&](storage::Pg& c) {
    // The history rows go first: their key (match_id, user_id) makes a second application of the
    // match insert nothing, and then nothing else is written.
    if (c.run("INSERT INTO rating_history (match_id, user_id, mode, before, after, place, outcome, at) VALUES " +
                  rows(8) + " ON CONFLICT DO NOTHING",
              history)
            .affected() == 0)
      return false;  // applied before (all of it: one transaction wrote it)
    c.run(
        "INSERT INTO ratings (user_id, mode, model, rating, deviation, volatility, display, games, wins, losses, "
        "draws, last_played) VALUES " +
            rows(12) +
            " ON CONFLICT (user_id, mode) DO UPDATE SET model = excluded.model, rating = excluded.rating, "
            "deviation = excluded.deviation, volatility = excluded.volatility, display = excluded.display, games = "
            "excluded.games, wins = excluded.wins, losses = excluded.losses, draws = excluded.draws, last_played = "
            "excluded.last_played",
        current);
    return true;
  });
}

std::map<std::string, double> PostgresRatingStore::displayed_of(const std::vector<std::string>& users,
                                                                const std::string& mode) {
  std::map<std::string, double> out;
  for (const auto& [user, r] : load(users, mode)) out[user] = r.display;
  return out;
}

std::vector<PlayerRating> PostgresRatingStore::all_of(const std::string& user) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query("SELECT mode, " + std::string(kColumns) + " FROM ratings WHERE user_id = $1 ORDER BY mode", user);
  });
  std::vector<PlayerRating> out;
  for (int i = 0; i < r.rows(); ++i) {
    PlayerRating p;
    p.user_id = user;
    p.mode = r.text(i, 0);
    read_rating(PgRow{r, i}, 1, p);
    out.push_back(std::move(p));
  }
  return out;
}

std::map<std::string, HistoryEntry> PostgresRatingStore::history_of(const std::string& user,
                                                                    const std::vector<std::string>& matches) {
  std::map<std::string, HistoryEntry> out;
  if (matches.empty()) return out;
  storage::PgParams params;
  params.push(user);
  for (const auto& m : matches) params.push(m);
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.run(
        "SELECT match_id, before, after, place, outcome FROM rating_history WHERE user_id = $1 AND "
        "match_id IN (" +
            placeholders(matches.size(), 2) + ")",
        params);
  });
  for (int i = 0; i < r.rows(); ++i)
    out[r.text(i, 0)] = {r.real(i, 1), r.real(i, 2), static_cast<int>(r.int64(i, 3)), r.text(i, 4)};
  return out;
}

}  // namespace arena::ratings
