// Running matches in the match stores: checkpoints, leases and adoption (host failover).
#include <boost/json.hpp>

#include <set>

#include "arena/core/log.hpp"
#include "arena/match/store.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/storage/sqlite.hpp"

namespace arena::match {
namespace json = boost::json;

namespace {

struct Chunk {
  std::int64_t first = 0;
  std::string entries;  // JSON
};

std::string entries_json(const Checkpoint& cp) {
  return json::serialize(log_to_json(cp.entries, 0, cp.entries.size()));
}

std::int64_t as_signed(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

// A match's log from its chunks (by first entry; a later write of a chunk covers the earlier one),
// cut to the `logged` entries its checkpoint covers. Sets `out.error` when they do not add up.
void assemble(AdoptedMatch& out, const std::vector<Chunk>& chunks, std::int64_t logged) {
  try {
    for (const auto& c : chunks) {
      if (c.first > static_cast<std::int64_t>(out.log.size()))
        throw std::runtime_error("entries " + std::to_string(out.log.size()) + " to " + std::to_string(c.first) +
                                 " are missing");
      out.log.resize(static_cast<std::size_t>(c.first));
      for (auto& e : log_from_json(json::parse(c.entries))) out.log.push_back(std::move(e));
    }
    if (static_cast<std::int64_t>(out.log.size()) < logged)
      throw std::runtime_error("the checkpoint covers " + std::to_string(logged) + " entries; " +
                               std::to_string(out.log.size()) + " were written");
    out.log.resize(static_cast<std::size_t>(logged));
  } catch (const std::exception& e) {
    out.log.clear();
    out.error = std::string("its checkpoint could not be read: ") + e.what();
  }
}

// The spec of a row being adopted; nullopt (logged) when it cannot be read: the rows are dropped.
std::optional<MatchSpec> read_spec(const std::string& match_id, std::string_view spec) {
  try {
    return spec_from_json(json::parse(spec));
  } catch (const std::exception& e) {
    log::get("host")->error("msg=\"running match dropped: unreadable spec\" match_id={} error=\"{}\"", match_id,
                            e.what());
    return std::nullopt;
  }
}

}  // namespace

std::vector<std::string> SqliteMatchStore::checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) {
  std::vector<std::string> lost;
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    for (const auto& cp : cps) {
      if (cp.spec)
        c.prepare(
             "INSERT INTO running_matches (match_id, game, host, epoch, lease_until, spec, ticks, hash, logged) "
             "VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0) ON CONFLICT (match_id) DO NOTHING")
            .bind(cp.match_id, cp.spec->game, cp.lease.host, cp.lease.epoch, lease_until,
                  json::serialize(spec_to_json(*cp.spec)))
            .exec();
      const int held = c.prepare(
                            "UPDATE running_matches SET lease_until = ?, ticks = ?, hash = ?, logged = ? "
                            "WHERE match_id = ? AND host = ? AND epoch = ?")
                           .bind(lease_until, as_signed(cp.ticks), as_signed(cp.hash),
                                 static_cast<std::int64_t>(cp.logged + cp.entries.size()), cp.match_id, cp.lease.host,
                                 cp.lease.epoch)
                           .exec();
      if (held == 0) {
        lost.push_back(cp.match_id);
        continue;
      }
      if (!cp.entries.empty())
        c.prepare(
             "INSERT INTO running_match_log (match_id, first_entry, entries) VALUES (?, ?, ?) "
             "ON CONFLICT (match_id, first_entry) DO UPDATE SET entries = excluded.entries")
            .bind(cp.match_id, static_cast<std::int64_t>(cp.logged), entries_json(cp))
            .exec();
    }
    tx.commit();
  });
  return lost;
}

std::vector<AdoptedMatch> SqliteMatchStore::adopt(const std::string& host, const std::vector<std::string>& games,
                                                  std::int64_t now, std::int64_t lease_until, int limit) {
  std::vector<AdoptedMatch> out;
  db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);
    struct Row {
      std::string match_id, spec;
      std::int64_t epoch, ticks, hash, logged;
      bool ended;
    };
    std::vector<Row> rows;
    json::array names;
    for (const auto& g : games) names.emplace_back(g);
    auto& due = c.prepare(
                     "SELECT match_id, spec, epoch, ticks, hash, logged, "
                     "EXISTS (SELECT 1 FROM match_results r WHERE r.match_id = m.match_id) "
                     "FROM running_matches m WHERE lease_until <= ? AND game IN (SELECT value FROM json_each(?)) "
                     "ORDER BY lease_until LIMIT ?")
                    .bind(now, json::serialize(names), limit);
    while (due.step())
      rows.push_back(
          {due.text(0), due.text(1), due.int64(2), due.int64(3), due.int64(4), due.int64(5), due.int64(6) != 0});
    for (const auto& r : rows) {
      const auto spec = r.ended ? std::nullopt : read_spec(r.match_id, r.spec);
      if (!spec) {  // ended meanwhile (its result is stored), or unreadable
        c.prepare("DELETE FROM running_matches WHERE match_id = ?").bind(r.match_id).exec();
        c.prepare("DELETE FROM running_match_log WHERE match_id = ?").bind(r.match_id).exec();
        continue;
      }
      c.prepare("UPDATE running_matches SET host = ?, epoch = epoch + 1, lease_until = ? WHERE match_id = ?")
          .bind(host, lease_until, r.match_id)
          .exec();
      std::vector<Chunk> chunks;
      auto& log =
          c.prepare("SELECT first_entry, entries FROM running_match_log WHERE match_id = ? ORDER BY first_entry")
              .bind(r.match_id);
      while (log.step()) chunks.push_back({log.int64(0), log.text(1)});
      AdoptedMatch a{
          *spec, {host, r.epoch + 1}, static_cast<std::uint64_t>(r.ticks), static_cast<std::uint64_t>(r.hash), {}, {}};
      assemble(a, chunks, r.logged);
      out.push_back(std::move(a));
    }
    tx.commit();
  });
  return out;
}

// Three statements for the whole round, whatever its size: the specs of the matches it begins,
// the leases it renews (returning those still held), and the log chunks of those.
std::vector<std::string> PostgresMatchStore::checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) {
  if (cps.empty()) return {};
  std::vector<std::string> ids, hosts, epochs, ticks, hashes, logged;
  std::vector<std::string> new_ids, new_games, new_hosts, new_epochs, new_specs;
  for (const auto& cp : cps) {
    ids.push_back(cp.match_id);
    hosts.push_back(cp.lease.host);
    epochs.push_back(std::to_string(cp.lease.epoch));
    ticks.push_back(std::to_string(as_signed(cp.ticks)));
    hashes.push_back(std::to_string(as_signed(cp.hash)));
    logged.push_back(std::to_string(cp.logged + cp.entries.size()));
    if (!cp.spec) continue;
    new_ids.push_back(cp.match_id);
    new_games.push_back(cp.spec->game);
    new_hosts.push_back(cp.lease.host);
    new_epochs.push_back(std::to_string(cp.lease.epoch));
    new_specs.push_back(json::serialize(spec_to_json(*cp.spec)));
  }
  using storage::text_array;
  return pool_.transaction([&](storage::Pg& c) {
    if (!new_ids.empty())
      c.query(
          "INSERT INTO running_matches (match_id, game, host, epoch, lease_until, spec, ticks, hash, logged) "
          "SELECT id, game, host, epoch, $5, spec, 0, 0, 0 FROM unnest($1::text[], $2::text[], $3::text[], "
          "$4::text[]::bigint[], $6::text[]) AS n(id, game, host, epoch, spec) ON CONFLICT (match_id) DO NOTHING",
          text_array(new_ids), text_array(new_games), text_array(new_hosts), text_array(new_epochs), lease_until,
          text_array(new_specs));
    const auto held_rows = c.query(
        "UPDATE running_matches m SET lease_until = $1, ticks = u.ticks, hash = u.hash, logged = u.logged "
        "FROM unnest($2::text[], $3::text[], $4::text[]::bigint[], $5::text[]::bigint[], $6::text[]::bigint[], "
        "$7::text[]::bigint[]) AS u(id, host, epoch, ticks, hash, logged) "
        "WHERE m.match_id = u.id AND m.host = u.host AND m.epoch = u.epoch RETURNING m.match_id",
        lease_until, text_array(ids), text_array(hosts), text_array(epochs), text_array(ticks), text_array(hashes),
        text_array(logged));
    std::set<std::string> held;
    for (int i = 0; i < held_rows.rows(); ++i) held.insert(held_rows.text(i, 0));
    std::vector<std::string> lost, chunk_ids, chunk_firsts, chunks;
    for (const auto& cp : cps) {
      if (held.count(cp.match_id) == 0) {
        lost.push_back(cp.match_id);
        continue;
      }
      if (cp.entries.empty()) continue;
      chunk_ids.push_back(cp.match_id);
      chunk_firsts.push_back(std::to_string(cp.logged));
      chunks.push_back(entries_json(cp));
    }
    if (!chunk_ids.empty())
      c.query(
          "INSERT INTO running_match_log (match_id, first_entry, entries) "
          "SELECT * FROM unnest($1::text[], $2::text[]::bigint[], $3::text[]) "
          "ON CONFLICT (match_id, first_entry) DO UPDATE SET entries = excluded.entries",
          text_array(chunk_ids), text_array(chunk_firsts), text_array(chunks));
    return lost;
  });
}

std::vector<AdoptedMatch> PostgresMatchStore::adopt(const std::string& host, const std::vector<std::string>& games,
                                                    std::int64_t now, std::int64_t lease_until, int limit) {
  return pool_.transaction([&](storage::Pg& c) {
    std::vector<AdoptedMatch> out;
    // SKIP LOCKED: two hosts adopting at once take different matches, never the same one twice.
    const auto due = c.query(
        "SELECT match_id, spec, epoch, ticks, hash, logged, "
        "EXISTS (SELECT 1 FROM match_results r WHERE r.match_id = m.match_id) "
        "FROM running_matches m WHERE lease_until <= $1 AND game = ANY($2::text[]) "
        "ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED",
        now, storage::text_array(games), limit);
    for (int i = 0; i < due.rows(); ++i) {
      const std::string id = due.text(i, 0);
      const auto spec = due.boolean(i, 6) ? std::nullopt : read_spec(id, due.view(i, 1));
      if (!spec) {
        c.query("DELETE FROM running_matches WHERE match_id = $1", id);
        c.query("DELETE FROM running_match_log WHERE match_id = $1", id);
        continue;
      }
      c.query("UPDATE running_matches SET host = $1, epoch = epoch + 1, lease_until = $2 WHERE match_id = $3", host,
              lease_until, id);
      const auto log =
          c.query("SELECT first_entry, entries FROM running_match_log WHERE match_id = $1 ORDER BY first_entry", id);
      std::vector<Chunk> chunks;
      chunks.reserve(static_cast<std::size_t>(log.rows()));
      for (int j = 0; j < log.rows(); ++j) chunks.push_back({log.int64(j, 0), log.text(j, 1)});
      AdoptedMatch a{*spec,
                     {host, due.int64(i, 2) + 1},
                     static_cast<std::uint64_t>(due.int64(i, 3)),
                     static_cast<std::uint64_t>(due.int64(i, 4)),
                     {},
                     {}};
      assemble(a, chunks, due.int64(i, 5));
      out.push_back(std::move(a));
    }
    return out;
  });
}

std::vector<std::string> MemoryMatchStore::checkpoint(const std::vector<Checkpoint>& cps, std::int64_t lease_until) {
  std::lock_guard lock(mu_);
  std::vector<std::string> lost;
  for (const auto& cp : cps) {
    if (cp.spec) running_.emplace(cp.match_id, Running{*cp.spec, cp.lease, lease_until, 0, 0, {}});
    auto it = running_.find(cp.match_id);
    if (it == running_.end() || it->second.lease.host != cp.lease.host || it->second.lease.epoch != cp.lease.epoch) {
      lost.push_back(cp.match_id);
      continue;
    }
    auto& r = it->second;
    r.lease_until = lease_until;
    r.ticks = cp.ticks;
    r.hash = cp.hash;
    r.log.resize(std::min(r.log.size(), cp.logged));
    r.log.insert(r.log.end(), cp.entries.begin(), cp.entries.end());
  }
  return lost;
}

std::vector<AdoptedMatch> MemoryMatchStore::adopt(const std::string& host, const std::vector<std::string>& games,
                                                  std::int64_t now, std::int64_t lease_until, int limit) {
  std::lock_guard lock(mu_);
  std::vector<AdoptedMatch> out;
  for (auto it = running_.begin(); it != running_.end() && static_cast<int>(out.size()) < limit;) {
    auto& r = it->second;
    if (r.lease_until > now || std::find(games.begin(), games.end(), r.spec.game) == games.end()) {
      ++it;
      continue;
    }
    if (records_.count(it->first) != 0) {
      it = running_.erase(it);
      continue;
    }
    r.lease = {host, r.lease.epoch + 1};
    r.lease_until = lease_until;
    out.push_back({r.spec, r.lease, r.ticks, r.hash, r.log, {}});
    ++it;
  }
  return out;
}

}  // namespace arena::match
