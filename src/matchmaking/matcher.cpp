#include "arena/matchmaking/matcher.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "arena/core/error.hpp"
#include "arena/core/random.hpp"
#include "balance.hpp"

namespace arena::matchmaking {

std::string_view to_string(TicketState s) {
  switch (s) {
    case TicketState::queued: return "queued";
    case TicketState::searching: return "searching";
    case TicketState::found: return "found";
    case TicketState::cancelled: return "cancelled";
    case TicketState::expired: return "expired";
  }
  return "unknown";
}

double win_probability(double a, double b) {
  return 1.0 / (1.0 + std::pow(10.0, (b - a) / 400.0));
}

namespace {

constexpr std::size_t kCandidatesPerRegion = 48;  // bounded work per anchor and region

struct Ticket;
using Index = std::multimap<double, Ticket*>;

struct Ticket {
  std::string id;
  std::size_t mode = 0;
  std::uint64_t seq = 0;  // creation order
  std::vector<TicketPlayer> players;
  std::vector<int> ping;  // per region of the mode; INT_MAX where not measured
  std::map<std::string, Property> properties;
  std::string party_id;
  core::SystemTime created;
  core::SystemTime last_status;
  double rating = 0;  // the players' mean
  int best_ping = 0;
  std::size_t best_region = 0;
  std::vector<std::pair<std::size_t, Index::iterator>> indexed;
  bool taken = false;
  int size() const { return static_cast<int>(players.size()); }
};

struct Pool {
  std::map<std::uint64_t, Ticket*> by_age;
  std::vector<Index> by_region;  // tickets within the mode's max ping of that region, by rating
};

double seconds(core::SystemTime a, core::SystemTime b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

struct Matcher::Impl {
  const core::Clock& clock;
  std::function<std::string()> new_id;
  std::vector<ModeConfig>& modes;
  std::vector<Pool> pools;
  std::unordered_map<std::string, std::unique_ptr<Ticket>> tickets;
  std::unordered_map<std::string, std::string> ticket_by_user;
  std::uint64_t next_seq = 1;
  // Where a sliced round stands: the mode it is in (modes.size(): no round under way), the first
  // ticket seq it has not looked at yet, and the round's time.
  std::size_t round_mode = std::numeric_limits<std::size_t>::max();
  std::uint64_t round_next_seq = 0;
  core::SystemTime round_now;
  std::vector<StatusEvent> events;
  std::vector<FormedMatch> matches;

  Impl(const core::Clock& c, std::function<std::string()> ids, std::vector<ModeConfig>& m)
      : clock(c), new_id(std::move(ids)), modes(m), pools(m.size()) {
    for (std::size_t i = 0; i < m.size(); ++i) pools[i].by_region.resize(m[i].regions.size());
  }

  StatusEvent event(const Ticket& t, TicketState state) const {
    StatusEvent e;
    e.ticket_id = t.id;
    for (const auto& p : t.players) e.users.push_back(p.user_id);
    e.mode = modes[t.mode].name;
    e.party_id = t.party_id;
    e.state = state;
    return e;
  }

  StatusEvent progress(Ticket& t, TicketState state, core::SystemTime now) {
    auto e = event(t, state);
    const auto& m = modes[t.mode];
    const double wait = seconds(t.created, now);
    e.window = m.window_at(wait);
    e.ping_limit = m.ping_limit_at(t.best_ping, wait);
    t.last_status = now;
    return e;
  }

  void unindex(Ticket* t) {
    auto& pool = pools[t->mode];
    for (auto& [r, it] : t->indexed) pool.by_region[r].erase(it);
    t->indexed.clear();
  }

  void remove(Ticket* t) {
    auto& pool = pools[t->mode];
    unindex(t);
    pool.by_age.erase(t->seq);
    for (const auto& p : t->players) {
      auto it = ticket_by_user.find(p.user_id);
      if (it != ticket_by_user.end() && it->second == t->id) ticket_by_user.erase(it);
    }
    tickets.erase(t->id);
  }

  bool properties_match(const ModeConfig& m, const Ticket& a, const Ticket& b) const {
    for (const auto& key : m.match_equal) {
      auto ia = a.properties.find(key);
      auto ib = b.properties.find(key);
      const bool ha = ia != a.properties.end();
      const bool hb = ib != b.properties.end();
      if (ha != hb || (ha && ia->second != ib->second)) return false;
    }
    return true;
  }

  // Tickets that could join `anchor` in region r now, closest rating first, then oldest first.
  std::vector<Ticket*> candidates(const Ticket& anchor, std::size_t r, core::SystemTime now) const {
    const auto& m = modes[anchor.mode];
    const auto& index = pools[anchor.mode].by_region[r];
    const double window = m.window_at(seconds(anchor.created, now));
    std::vector<Ticket*> out;
    auto up = index.lower_bound(anchor.rating);
    auto down = std::make_reverse_iterator(up);
    auto accept = [&](Ticket* c) {
      if (c == &anchor || c->taken) return;
      const double wait = seconds(c->created, now);
      if (std::abs(c->rating - anchor.rating) > m.window_at(wait)) return;
      if (c->ping[r] > m.ping_limit_at(c->best_ping, wait)) return;
      if (!properties_match(m, anchor, *c)) return;
      out.push_back(c);
    };
    while (out.size() < kCandidatesPerRegion) {
      const bool up_ok = up != index.end() && up->first - anchor.rating <= window;
      const bool down_ok = down != index.rend() && anchor.rating - down->first <= window;
      if (!up_ok && !down_ok) break;
      if (up_ok && (!down_ok || up->first - anchor.rating <= anchor.rating - down->first)) {
        accept(up->second);
        ++up;
      } else {
        accept(down->second);
        ++down;
      }
    }
    std::sort(out.begin(), out.end(), [](const Ticket* a, const Ticket* b) { return a->seq < b->seq; });
    return out;
  }

  struct Group {
    std::vector<Ticket*> tickets;
    std::vector<int> team_of;  // team per ticket (teams modes)
    int players = 0;
    int worst_ping = 0;
    double gap = 0;
    std::size_t region = 0;
    bool full = false;
  };

  // Picks tickets for one match in region r, oldest first; full when every seat is taken.
  Group gather(Ticket& anchor, std::size_t r, core::SystemTime now) const {
    const auto& m = modes[anchor.mode];
    Group g;
    g.region = r;
    g.tickets.push_back(&anchor);
    g.players = anchor.size();
    const int need = m.players();
    auto balanced = [&](Group& grp) {
      if (m.ffa()) return true;
      std::vector<BalanceParty> parties;
      parties.reserve(grp.tickets.size());
      for (const Ticket* t : grp.tickets) {
        double sum = 0;
        for (const auto& p : t->players) sum += p.rating;
        parties.push_back({t->size(), sum});
      }
      auto teams = balance_teams(parties, m.teams, m.team_size);
      if (!teams) return false;
      grp.team_of = std::move(teams->team_of);
      grp.gap = teams->gap;
      return true;
    };
    for (Ticket* c : candidates(anchor, r, now)) {
      if (g.players == need) break;
      if (g.players + c->size() > need) continue;
      g.tickets.push_back(c);
      g.players += c->size();
      if (!m.ffa() && g.players == need && !balanced(g)) {  // parties that cannot be split into the teams
        g.tickets.pop_back();
        g.players -= c->size();
      }
    }
    if (m.ffa()) {
      if (g.players >= m.ffa_min) {
        int n = g.players - g.players % m.ffa_multiple;
        if (n >= m.ffa_min) {
          g.tickets.resize(static_cast<std::size_t>(n));  // one player per ticket in free-for-all
          g.players = n;
          g.full = true;
        }
      }
    } else {
      g.full = g.players == need;
      if (g.team_of.size() != g.tickets.size() && !balanced(g)) {
        g.full = false;  // cannot be seated: the anchor alone (a party always fits one team)
        g.tickets.resize(1);
        g.players = anchor.size();
        balanced(g);
      }
    }
    for (const Ticket* t : g.tickets) g.worst_ping = std::max(g.worst_ping, t->ping[r]);
    return g;
  }

  void form(Group& g, bool bots, core::SystemTime now) {
    const auto& anchor = *g.tickets.front();
    const auto& m = modes[anchor.mode];
    FormedMatch fm;
    fm.match_id = new_id();
    fm.mode = m.name;
    fm.region = m.regions[g.region];
    fm.tick_rate = m.tick_rate;
    fm.game = m.game;
    fm.seats = std::max(m.seat_count(), g.players);
    fm.team_size = m.ffa() ? 0 : m.team_size;
    fm.worst_ping = g.worst_ping;
    fm.bots_fill = bots;
    fm.open_seats = std::max(m.seat_count(), g.players) - g.players;
    if (m.ffa()) {
      fm.teams.resize(g.tickets.size());
    } else {
      fm.teams.resize(static_cast<std::size_t>(m.teams));
    }
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (std::size_t i = 0; i < g.tickets.size(); ++i) {
      Ticket* t = g.tickets[i];
      t->taken = true;
      unindex(t);  // later anchors of this tick do not walk over it
      const auto team = m.ffa() ? i : static_cast<std::size_t>(g.team_of[i]);
      for (const auto& p : t->players) {
        fm.teams[team].push_back({p.user_id, p.rating, t->id, t->party_id, t->ping[g.region]});
        lo = std::min(lo, p.rating);
        hi = std::max(hi, p.rating);
      }
      fm.waits_s.push_back(seconds(t->created, now));
    }
    fm.rating_spread = hi - lo;
    // Predicted win-probability gap between the strongest and the weakest side.
    double strong = -std::numeric_limits<double>::infinity();
    double weak = std::numeric_limits<double>::infinity();
    for (const auto& team : fm.teams) {
      if (team.empty()) continue;
      double sum = 0;
      for (const auto& p : team) sum += p.rating;
      strong = std::max(strong, sum / static_cast<double>(team.size()));
      weak = std::min(weak, sum / static_cast<double>(team.size()));
    }
    fm.win_gap = strong < weak ? 0 : std::abs(2 * win_probability(strong, weak) - 1);
    for (Ticket* t : g.tickets) {
      auto e = event(*t, TicketState::found);
      e.match_id = fm.match_id;
      events.push_back(std::move(e));
    }
    matches.push_back(std::move(fm));
  }

  void expire_mode(std::size_t mi, core::SystemTime now) {
    const auto& m = modes[mi];
    auto& pool = pools[mi];
    // The oldest are at the front.
    while (!pool.by_age.empty()) {
      Ticket* t = pool.by_age.begin()->second;
      if (now - t->created < m.ticket_ttl) break;
      auto e = event(*t, TicketState::expired);
      e.reason = "ticket_ttl";
      events.push_back(std::move(e));
      remove(t);
    }
  }

  // Anchors of mode `mi` from ticket seq `from` on, at most `budget` of them. Returns the seq
  // to go on from, or nullopt when the mode is done.
  std::optional<std::uint64_t> match_mode(std::size_t mi, core::SystemTime now, std::chrono::milliseconds status_every,
                                          std::uint64_t from, std::size_t& budget) {
    const auto& m = modes[mi];
    auto& pool = pools[mi];
    std::vector<Ticket*> done;
    std::optional<std::uint64_t> resume;
    for (auto it = pool.by_age.lower_bound(from); it != pool.by_age.end(); ++it) {
      auto& [seq, anchor] = *it;
      if (budget == 0) {
        resume = seq;
        break;
      }
      --budget;
      if (anchor->taken) continue;
      const double wait = seconds(anchor->created, now);
      const int limit = m.ping_limit_at(anchor->best_ping, wait);
      std::optional<Group> best;
      std::optional<Group> partial;
      for (std::size_t r = 0; r < m.regions.size(); ++r) {
        if (anchor->ping[r] > limit) continue;
        Group g = gather(*anchor, r, now);
        if (g.full) {
          if (!best || g.worst_ping < best->worst_ping || (g.worst_ping == best->worst_ping && g.gap < best->gap))
            best = std::move(g);
        } else if (!partial || g.players > partial->players ||
                   (g.players == partial->players && g.worst_ping < partial->worst_ping)) {
          partial = std::move(g);
        }
      }
      const bool bots = m.practice || (m.bots_after.count() > 0 && now - anchor->created >= m.bots_after);
      if (best) {
        form(*best, m.practice, now);  // practice: bots fill the seats of a full (one-player) match
        done.insert(done.end(), best->tickets.begin(), best->tickets.end());
      } else if (bots && partial) {
        form(*partial, true, now);
        done.insert(done.end(), partial->tickets.begin(), partial->tickets.end());
      } else if (now - anchor->last_status >= status_every) {
        events.push_back(progress(*anchor, TicketState::searching, now));
      }
    }
    for (Ticket* t : done) remove(t);  // `resume` is a seq, not an iterator: it survives this
    return resume;
  }
};

Matcher::Matcher(std::vector<ModeConfig> modes, const core::Clock& clock, std::function<std::string()> new_id)
    : modes_(std::move(modes)) {
  for (const auto& m : modes_) validate(m);
  if (!new_id) new_id = [] { return core::new_uuid(); };
  impl_ = std::make_unique<Impl>(clock, std::move(new_id), modes_);
}

Matcher::~Matcher() = default;

const ModeConfig* Matcher::mode(std::string_view name) const {
  for (const auto& m : modes_)
    if (m.name == name) return &m;
  return nullptr;
}

std::string Matcher::enqueue(TicketRequest req) {
  auto& im = *impl_;
  std::size_t mi = modes_.size();
  for (std::size_t i = 0; i < modes_.size(); ++i)
    if (modes_[i].name == req.mode) mi = i;
  if (mi == modes_.size()) throw Error(Code::unknown_mode, "no game mode named '" + req.mode.substr(0, 64) + "'");
  const auto& m = modes_[mi];
  if (req.players.empty()) throw Error(Code::invalid_field, "a ticket needs at least one player");
  if (static_cast<int>(req.players.size()) > m.party_limit())
    throw Error(Code::party_too_big,
                "mode '" + m.name + "' takes parties of at most " + std::to_string(m.party_limit()) + " players");
  std::set<std::string> seen;
  for (const auto& p : req.players) {
    if (!seen.insert(p.user_id).second) throw Error(Code::invalid_field, "a player is listed twice");
    if (!std::isfinite(p.rating)) throw Error(Code::invalid_field, "ratings must be finite");
    if (im.ticket_by_user.count(p.user_id) != 0)
      throw Error(Code::already_queued, "a player of this ticket is already queued");
  }
  auto t = std::make_unique<Ticket>();
  t->ping.assign(m.regions.size(), std::numeric_limits<int>::max());
  int best = std::numeric_limits<int>::max();
  for (const auto& [region, ping] : req.pings) {
    if (ping < 0 || ping > 60'000) throw Error(Code::invalid_field, "pings are 0..60000 ms");
    for (std::size_t r = 0; r < m.regions.size(); ++r) {
      if (m.regions[r] != region) continue;
      t->ping[r] = ping;
      if (ping < best) {
        best = ping;
        t->best_region = r;
      }
    }
  }
  if (best > m.max_ping_ms)
    throw Error(Code::no_region, "no region of mode '" + m.name + "' is within " + std::to_string(m.max_ping_ms) +
                                     " ms of every player");
  const auto now = im.clock.now();
  t->id = im.new_id();
  t->mode = mi;
  t->seq = im.next_seq++;
  t->players = std::move(req.players);
  t->properties = std::move(req.properties);
  t->party_id = std::move(req.party_id);
  t->created = now;
  t->best_ping = best;
  double sum = 0;
  for (const auto& p : t->players) sum += p.rating;
  t->rating = sum / static_cast<double>(t->players.size());
  auto& pool = im.pools[mi];
  for (std::size_t r = 0; r < m.regions.size(); ++r)
    if (t->ping[r] <= m.max_ping_ms) t->indexed.emplace_back(r, pool.by_region[r].emplace(t->rating, t.get()));
  pool.by_age.emplace(t->seq, t.get());
  for (const auto& p : t->players) im.ticket_by_user[p.user_id] = t->id;
  im.events.push_back(im.progress(*t, TicketState::queued, now));
  std::string id = t->id;
  im.tickets.emplace(id, std::move(t));
  return id;
}

bool Matcher::cancel(const std::string& ticket_id, std::string_view reason) {
  auto it = impl_->tickets.find(ticket_id);
  if (it == impl_->tickets.end()) return false;
  auto e = impl_->event(*it->second, TicketState::cancelled);
  e.reason = std::string(reason);
  impl_->events.push_back(std::move(e));
  impl_->remove(it->second.get());
  return true;
}

std::optional<std::string> Matcher::ticket_of(std::string_view user_id) const {
  auto it = impl_->ticket_by_user.find(std::string(user_id));
  if (it == impl_->ticket_by_user.end()) return std::nullopt;
  return it->second;
}

void Matcher::tick() {
  while (!tick_slice(std::numeric_limits<std::size_t>::max())) {
  }
}

bool Matcher::tick_slice(std::size_t max_anchors) {
  auto& im = *impl_;
  if (im.round_mode >= modes_.size()) {  // a new round
    im.round_now = im.clock.now();
    im.round_mode = 0;
    im.round_next_seq = 0;
    for (std::size_t i = 0; i < modes_.size(); ++i) im.expire_mode(i, im.round_now);
  }
  im.round_now = im.clock.now();  // each slice at its own time: a ticket queued mid-round has waited >= 0
  std::size_t budget = std::max<std::size_t>(1, max_anchors);
  while (im.round_mode < modes_.size()) {
    const auto resume = im.match_mode(im.round_mode, im.round_now, searching_every, im.round_next_seq, budget);
    if (resume) {
      im.round_next_seq = *resume;
      return false;
    }
    ++im.round_mode;
    im.round_next_seq = 0;
  }
  im.round_mode = std::numeric_limits<std::size_t>::max();
  return true;
}

std::vector<StatusEvent> Matcher::take_events() {
  return std::exchange(impl_->events, {});
}

std::vector<FormedMatch> Matcher::take_matches() {
  return std::exchange(impl_->matches, {});
}

std::vector<PoolStats> Matcher::pools() const {
  const auto now = impl_->clock.now();
  std::vector<PoolStats> out;
  for (std::size_t mi = 0; mi < modes_.size(); ++mi) {
    std::vector<PoolStats> per(modes_[mi].regions.size());
    for (std::size_t r = 0; r < per.size(); ++r) {
      per[r].mode = modes_[mi].name;
      per[r].region = modes_[mi].regions[r];
    }
    for (const auto& [seq, t] : impl_->pools[mi].by_age) {
      auto& s = per[t->best_region];
      ++s.tickets;
      s.players += t->players.size();
      s.oldest_wait_s = std::max(s.oldest_wait_s, seconds(t->created, now));
    }
    out.insert(out.end(), per.begin(), per.end());
  }
  return out;
}

std::size_t Matcher::waiting() const {
  return impl_->tickets.size();
}

}  // namespace arena::matchmaking
