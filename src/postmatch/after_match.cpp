#include "arena/postmatch/after_match.hpp"

#include <boost/json.hpp>

#include "arena/match/store.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::postmatch {

namespace json = boost::json;

namespace {

std::optional<double> number_of(const json::object& stats, const std::string& key) {
  const auto* v = stats.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

AfterMatch::AfterMatch(storage::Sqlite& db, storage::Sqlite* reader, const core::Clock& clock,
                       std::map<std::string, ratings::Model> models, std::vector<leaderboards::Board> boards,
                       leaderboards::RankIndex* index)
    : db_(db),
      reader_(reader != nullptr ? *reader : db),
      clock_(clock),
      models_(std::move(models)),
      boards_(std::move(boards)),
      index_(index) {}

const leaderboards::Board* AfterMatch::board(const std::string& id) const {
  for (const auto& b : boards_)
    if (b.id == id) return &b;
  return nullptr;
}

std::optional<Applied> AfterMatch::apply_in(storage::Sqlite& c, const match::MatchRecord& rec, std::int64_t now) {
  // The first application of a match leaves its mark; any later one finds it.
  if (c.prepare("INSERT INTO matches_applied (match_id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
          .bind(rec.spec.match_id, now)
          .exec() == 0)
    return std::nullopt;
  Applied out{rec.spec.match_id, rec.spec.mode, {}, {}};
  if (!rec.error.empty()) return out;  // a failed match changes nothing
  std::vector<ratings::RatedSeat> seats;
  std::vector<std::string> users;
  for (std::size_t i = 0; i < rec.spec.seats.size(); ++i) {
    const auto& s = rec.spec.seats[i];
    int place = 0;
    for (const auto& p : rec.result.placements)
      if (p.seat == static_cast<int>(i)) place = p.place;
    seats.push_back({s.user_id, s.bot, s.team, place});
    if (!s.bot) users.push_back(s.user_id);
  }
  const auto model = models_.count(rec.spec.mode) != 0 ? models_.at(rec.spec.mode) : ratings::Model::weng_lin;
  ratings::SqliteRatingStore rating_store(c);
  out.ratings = ratings::rate_match(rec.spec.mode, model, seats, rating_store.load(users, rec.spec.mode), now);
  if (!ratings::SqliteRatingStore::apply_in(c, rec.spec.match_id, out.ratings, now)) out.ratings.clear();
  for (const auto& b : boards_) {
    if (b.mode != rec.spec.mode) continue;
    const auto season = leaderboards::season_at(b, now);
    if (b.rating) {
      for (const auto& ch : out.ratings)
        out.writes.push_back(leaderboards::SqliteBoardStore::write_in(c, b, season, ch.after.user_id, rec.spec.region,
                                                                      {ch.after.display, 0}, now));
      continue;
    }
    if (b.stat.empty()) continue;
    for (const auto& p : rec.result.placements) {
      if (p.seat < 0 || static_cast<std::size_t>(p.seat) >= rec.spec.seats.size()) continue;
      const auto& seat = rec.spec.seats[static_cast<std::size_t>(p.seat)];
      const auto score = number_of(p.stats, b.stat);
      if (seat.bot || !score) continue;  // bots are on no board; a seat without the stat writes nothing
      const double sub = b.subscore_stat.empty() ? 0 : number_of(p.stats, b.subscore_stat).value_or(0);
      out.writes.push_back(
          leaderboards::SqliteBoardStore::write_in(c, b, season, seat.user_id, rec.spec.region, {*score, sub}, now));
    }
  }
  return out;
}

void AfterMatch::handle(jobs::JobContext& ctx, const std::function<void(const Applied&)>& announce) {
  const auto args = json::parse(ctx.job().args).as_object();
  const std::string match_id(args.at("match_id").as_string());
  match::SqliteMatchStore results(reader_);
  auto rec = results.load(match_id);
  if (!rec) throw std::runtime_error("no stored result for match " + match_id + " (yet)");
  auto applied = std::make_shared<std::optional<Applied>>();
  ctx.complete_with(
      [this, rec = std::move(*rec), applied] {
        db_.with([&](storage::Sqlite& c) { *applied = apply_in(c, rec, clock_.now_unix_ms()); });
      },
      [this, applied, announce] {
        if (!*applied) return;
        if (index_ != nullptr) index_->committed((*applied)->writes);
        if (announce) announce(**applied);
      });
}

}  // namespace arena::postmatch
