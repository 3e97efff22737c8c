#include "arena/postmatch/after_match.hpp"

#include <boost/json.hpp>

namespace arena::postmatch {

namespace json = boost::json;

namespace {

std::optional<double> number_of(const json::object& stats, const std::string& key) {
  const auto* v = stats.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

AfterMatch::AfterMatch(const Stores& stores, const core::Clock& clock, std::map<std::string, ratings::Model> models,
                       std::vector<leaderboards::Board> boards)
    : stores_(stores), clock_(clock), models_(std::move(models)), boards_(std::move(boards)) {}

const leaderboards::Board* AfterMatch::board(const std::string& id) const {
  for (const auto& b : boards_)
    if (b.id == id) return &b;
  return nullptr;
}

std::optional<Applied> AfterMatch::apply(const match::MatchRecord& rec, std::int64_t now) {
  return apply_all({&rec}, now).front();
}

std::vector<std::optional<Applied>> AfterMatch::apply_all(const std::vector<const match::MatchRecord*>& recs,
                                                          std::int64_t now) {
  // The first application of a match leaves its mark; any later one finds it.
  std::vector<std::string> ids;
  ids.reserve(recs.size());
  for (const auto* rec : recs) ids.push_back(rec->spec.match_id);
  const auto fresh = stores_.matches.mark_applied_all(ids, now);
  std::vector<std::optional<Applied>> out(recs.size());
  // Every player's rating in each mode, read at once; each match is rated from what the ones
  // before it left. A failed match changes nothing.
  std::map<std::string, std::vector<std::string>> players;  // mode -> players
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& spec = recs[i]->spec;
    if (!fresh[i]) continue;
    out[i] = Applied{spec.match_id, spec.mode, {}, {}};
    if (!recs[i]->error.empty()) continue;
    for (const auto& s : spec.seats)
      if (!s.bot) players[spec.mode].push_back(s.user_id);
  }
  std::map<std::string, std::map<std::string, ratings::PlayerRating>> current;
  for (const auto& [mode, users] : players) current[mode] = stores_.ratings.load(users, mode);
  std::vector<ratings::RatingStore::MatchChanges> changes;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& rec = *recs[i];
    if (!out[i] || !rec.error.empty()) continue;
    std::vector<ratings::RatedSeat> seats;
    for (std::size_t k = 0; k < rec.spec.seats.size(); ++k) {
      const auto& s = rec.spec.seats[k];
      int place = 0;
      for (const auto& p : rec.result.placements)
        if (p.seat == static_cast<int>(k)) place = p.place;
      seats.push_back({s.user_id, s.bot, s.team, place});
    }
    const auto model = models_.count(rec.spec.mode) != 0 ? models_.at(rec.spec.mode) : ratings::Model::weng_lin;
    auto& ratings_now = current[rec.spec.mode];
    out[i]->ratings = ratings::rate_match(rec.spec.mode, model, seats, ratings_now, now);
    for (const auto& ch : out[i]->ratings) ratings_now[ch.after.user_id] = ch.after;
    changes.push_back({rec.spec.match_id, out[i]->ratings});
  }
  if (!changes.empty() && !stores_.ratings.apply_all(changes, now)) {
    if (changes.size() > 1) throw std::runtime_error("a match of the group had been rated before: apply each alone");
    for (auto& o : out)
      if (o) o->ratings.clear();
  }
  // Board writes, in the matches' order.
  std::vector<leaderboards::BoardStore::Write> writes;
  std::vector<std::size_t> by;  // the match of each write
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (!out[i] || !recs[i]->error.empty()) continue;
    board_writes(*recs[i], out[i]->ratings, now, writes);
    by.resize(writes.size(), i);
  }
  auto written = stores_.boards.write_all(writes, now);
  for (std::size_t k = 0; k < written.size(); ++k) out[by[k]]->writes.push_back(std::move(written[k]));
  return out;
}

void AfterMatch::board_writes(const match::MatchRecord& rec, const std::vector<ratings::Change>& rated,
                              std::int64_t now, std::vector<leaderboards::BoardStore::Write>& out) const {
  for (const auto& b : boards_) {
    if (b.mode != rec.spec.mode) continue;
    const auto season = leaderboards::season_at(b, now);
    if (b.rating) {
      for (const auto& ch : rated)
        out.push_back({&b, season, ch.after.user_id, rec.spec.region, {ch.after.display, 0}});
      continue;
    }
    if (b.stat.empty()) continue;
    for (const auto& p : rec.result.placements) {
      if (p.seat < 0 || static_cast<std::size_t>(p.seat) >= rec.spec.seats.size()) continue;
      const auto& seat = rec.spec.seats[static_cast<std::size_t>(p.seat)];
      const auto score = number_of(p.stats, b.stat);
      if (seat.bot || !score) continue;  // bots are on no board; a seat without the stat writes nothing
      const double sub = b.subscore_stat.empty() ? 0 : number_of(p.stats, b.subscore_stat).value_or(0);
      out.push_back({&b, season, seat.user_id, rec.spec.region, {*score, sub}});
    }
  }
}

struct AfterMatch::Part {
  match::MatchRecord rec;
  std::optional<Applied> applied;  // what the committed job did (read after the commit)
};

void AfterMatch::Batch::apply(const std::vector<std::shared_ptr<void>>& parts) {
  std::vector<const match::MatchRecord*> recs;
  recs.reserve(parts.size());
  for (const auto& p : parts) recs.push_back(&static_cast<const Part*>(p.get())->rec);
  auto applied = owner_.apply_all(recs, owner_.clock_.now_unix_ms());
  for (std::size_t i = 0; i < parts.size(); ++i) static_cast<Part*>(parts[i].get())->applied = std::move(applied[i]);
}

void AfterMatch::handle(jobs::JobContext& ctx, const std::function<void(const Applied&)>& announce) {
  const auto args = json::parse(ctx.job().args).as_object();
  const std::string match_id(args.at("match_id").as_string());
  auto stored = stores_.matches.load(match_id);
  if (!stored) throw std::runtime_error("no stored result for match " + match_id + " (yet)");
  // Its players' ratings in its mode: another match of theirs applied at once waits for this one.
  std::vector<std::string> locks;
  for (const auto& seat : stored->record.spec.seats)
    if (!seat.bot) locks.push_back(ratings::lock_name(seat.user_id, stored->record.spec.mode));
  auto part = std::make_shared<Part>(Part{std::move(stored->record), std::nullopt});
  ctx.complete_with([this, part] { part->applied = apply(part->rec, clock_.now_unix_ms()); },
                    [part, announce] {
                      if (part->applied && announce) announce(*part->applied);
                    },
                    std::move(locks));
  ctx.in_batch(batch_, part);
}

}  // namespace arena::postmatch
