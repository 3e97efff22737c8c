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
  // The first application of a match leaves its mark; any later one finds it.
  if (!stores_.matches.mark_applied(rec.spec.match_id, now)) return std::nullopt;
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
  out.ratings = ratings::rate_match(rec.spec.mode, model, seats, stores_.ratings.load(users, rec.spec.mode), now);
  if (!stores_.ratings.apply(rec.spec.match_id, out.ratings, now)) out.ratings.clear();
  for (const auto& b : boards_) {
    if (b.mode != rec.spec.mode) continue;
    const auto season = leaderboards::season_at(b, now);
    if (b.rating) {
      for (const auto& ch : out.ratings)
        out.writes.push_back(
            stores_.boards.write(b, season, ch.after.user_id, rec.spec.region, {ch.after.display, 0}, now));
      continue;
    }
    if (b.stat.empty()) continue;
    for (const auto& p : rec.result.placements) {
      if (p.seat < 0 || static_cast<std::size_t>(p.seat) >= rec.spec.seats.size()) continue;
      const auto& seat = rec.spec.seats[static_cast<std::size_t>(p.seat)];
      const auto score = number_of(p.stats, b.stat);
      if (seat.bot || !score) continue;  // bots are on no board; a seat without the stat writes nothing
      const double sub = b.subscore_stat.empty() ? 0 : number_of(p.stats, b.subscore_stat).value_or(0);
      out.writes.push_back(stores_.boards.write(b, season, seat.user_id, rec.spec.region, {*score, sub}, now));
    }
  }
  return out;
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
  auto applied = std::make_shared<std::optional<Applied>>();
  ctx.complete_with([this, rec = std::move(stored->record), applied] { *applied = apply(rec, clock_.now_unix_ms()); },
                    [applied, announce] {
                      if (*applied && announce) announce(**applied);
                    },
                    std::move(locks));
}

}  // namespace arena::postmatch
