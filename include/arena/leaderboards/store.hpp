#pragma once
// Where leaderboard entries live (SQLite embedded, PostgreSQL in a cluster), and an in-memory
// rank index that makes a player's exact rank O(log n).
//
// Ranks are dense and exact: rank 1 is the top; entries with equal score and subscore are
// ordered by user id. A page's cursor carries the rank of its last row, so paging never repeats
// or skips a rank at a border, even while entries change.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "arena/leaderboards/boards.hpp"

namespace arena::storage {
class Sqlite;
class PgPool;
}  // namespace arena::storage

namespace arena::leaderboards {

struct Entry {
  std::int64_t rank = 0;
  std::string user_id;
  std::string region;
  double score = 0, subscore = 0;
  std::int64_t writes = 0;
  std::int64_t updated_at = 0;
  SortKey key;  // its place in the board's order
};

// Which rows: a board's season, whole (region empty) or one region's.
struct View {
  std::string board;
  std::string season;
  std::string region;
};

// Where the next page starts: after this row (rank 0: from the top).
struct Cursor {
  std::int64_t rank = 0;
  SortKey key;
  std::string user_id;
};

// An entry as a committed write left it (what the rank index takes).
struct Written {
  std::string board, season, user_id, region;
  SortKey key;
  std::int64_t writes = 0;
};

struct SeasonInfo {
  std::string id;
  std::int64_t starts_at = 0, ends_at = 0;
  std::optional<std::int64_t> closed_at;
  std::int64_t entries = 0;
};

// Exact ranks of whole board seasons, for the store to ask before it counts: loaded from the store
// on first use, then kept by the writes the store reports after they commit. A write older than
// the entry held (by its `writes` version) is ignored, so reports that arrive out of order do no
// harm. Never call it while holding the database (inside Sqlite::with): a load takes the database.
class RankIndex {
 public:
  virtual ~RankIndex() = default;
  using Loader = std::function<std::vector<Written>()>;
  using Counter = std::function<std::int64_t()>;
  // The 1-based rank of `user` in the board season; 0 when not on it; nullopt when the index
  // cannot answer now (the season would not fit, is being loaded elsewhere, or the index's home
  // does not answer): the caller counts.
  virtual std::optional<std::int64_t> rank(const std::string& board, const std::string& season, const std::string& user,
                                           const Counter& count, const Loader& load) = 0;
  virtual void committed(const std::vector<Written>& writes) = 0;
  virtual void drop(const std::string& board, const std::string& season) = 0;
};

// In this process's memory (an order-statistic tree per season), while all of them together stay
// under `max_entries`: right when this process makes every write (SQLite).
class MemoryRankIndex final : public RankIndex {
 public:
  explicit MemoryRankIndex(std::size_t max_entries);
  ~MemoryRankIndex() override;
  MemoryRankIndex(const MemoryRankIndex&) = delete;
  MemoryRankIndex& operator=(const MemoryRankIndex&) = delete;

  std::optional<std::int64_t> rank(const std::string& board, const std::string& season, const std::string& user,
                                   const Counter& count, const Loader& load) override;
  void committed(const std::vector<Written>& writes) override;
  void drop(const std::string& board, const std::string& season) override;
  std::size_t entries() const;

 private:
  struct Set;
  mutable std::mutex mu_;
  std::size_t max_entries_;
  std::size_t held_ = 0;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Set>> sets_;
  std::set<std::pair<std::string, std::string>> too_big_;  // not loaded: they did not fit (until dropped)
};

// Where entries live: SQLite in embedded mode, PostgreSQL in a cluster; one conformance suite
// (src/leaderboards/store_conformance.cpp) holds both to this contract. Ranks, pages around a
// player and closing seasons are worked out here from what the back end reads.
class BoardStore {
 public:
  // `index` (may be null) answers ranks of whole boards when it holds them.
  explicit BoardStore(RankIndex* index) : index_(index) {}
  virtual ~BoardStore() = default;
  BoardStore(const BoardStore&) = delete;
  BoardStore& operator=(const BoardStore&) = delete;

  // Applies one write with the board's operator; the season's row is created with its first
  // entry. Called inside a transaction of the store's database on this thread (a job's
  // effects), it is part of it; otherwise it is one of its own. Two writes of one entry at once
  // never lose one. Tell the index what it returns once the transaction has committed.
  virtual Written write(const Board& board, const Season& season, const std::string& user, const std::string& region,
                        const Score& score, std::int64_t now) = 0;
  // Several writes, as write() one after another would make them (in one statement where the
  // store can). One Written each, in order.
  struct Write {
    const Board* board = nullptr;
    Season season;
    std::string user, region;
    Score score;
  };
  virtual std::vector<Written> write_all(const std::vector<Write>& writes, std::int64_t now);

  // Up to `limit` rows after `from`.
  std::vector<Entry> page(const View& view, const Cursor& from, int limit);
  // `user`'s row with up to `limit` rows above and below; empty when the user is not on it.
  std::vector<Entry> around(const View& view, const std::string& user, int limit);
  // 1-based; 0 when the user is not on it.
  std::int64_t rank_of(const View& view, const std::string& user);
  // The user's row (rank 0: not worked out); nullopt when they are not on it.
  virtual std::optional<Entry> entry(const View& view, const std::string& user) = 0;
  // Newest first.
  virtual std::vector<SeasonInfo> seasons(const std::string& board) = 0;
  virtual bool has_season(const std::string& board, const std::string& season) = 0;
  // Marks every season of `board` that ended by `now` closed (its entries stay); returns their ids.
  std::vector<std::string> close_seasons(const std::string& board, std::int64_t now);
  RankIndex* index() const { return index_; }

 protected:
  // Rows in board order after (`from` null: from the top) or before `from`, nearest first, up to
  // `limit`; their ranks are left 0.
  virtual std::vector<Entry> rows_after(const View& view, const Entry* from, int limit) = 0;
  virtual std::vector<Entry> rows_before(const View& view, const Entry& from, int limit) = 0;
  // 1 + the entries before `e` in the view, counted in the database.
  virtual std::int64_t counted_rank(const View& view, const Entry& e) = 0;
  // A whole board season, for the rank index: its size, then its entries.
  virtual std::int64_t season_size(const std::string& board, const std::string& season) = 0;
  virtual std::vector<Written> season_entries(const std::string& board, const std::string& season) = 0;
  virtual std::vector<std::string> mark_closed(const std::string& board, std::int64_t now) = 0;

 private:
  // From the index (whole boards that fit it; 0: not in it), or nullopt: count instead.
  std::optional<std::int64_t> indexed_rank(const View& view, const std::string& user);
  RankIndex* index_;
};

class SqliteBoardStore final : public BoardStore {
 public:
  // The index loads a board season through `reader` (may be null: `db`), a second connection to
  // the same database, so that the load's long read does not hold up writes on `db` (WAL).
  explicit SqliteBoardStore(storage::Sqlite& db, RankIndex* index = nullptr, storage::Sqlite* reader = nullptr)
      : BoardStore(index), db_(db), reader_(reader != nullptr ? *reader : db) {}

  Written write(const Board& board, const Season& season, const std::string& user, const std::string& region,
                const Score& score, std::int64_t now) override;
  std::vector<Written> write_all(const std::vector<Write>& writes, std::int64_t now) override;
  std::optional<Entry> entry(const View& view, const std::string& user) override;
  std::vector<SeasonInfo> seasons(const std::string& board) override;
  bool has_season(const std::string& board, const std::string& season) override;

 private:
  std::vector<Entry> rows_after(const View& view, const Entry* from, int limit) override;
  std::vector<Entry> rows_before(const View& view, const Entry& from, int limit) override;
  std::int64_t counted_rank(const View& view, const Entry& e) override;
  std::int64_t season_size(const std::string& board, const std::string& season) override;
  std::vector<Written> season_entries(const std::string& board, const std::string& season) override;
  std::vector<std::string> mark_closed(const std::string& board, std::int64_t now) override;
  storage::Sqlite& db_;
  storage::Sqlite& reader_;
};

class PostgresBoardStore final : public BoardStore {
 public:
  explicit PostgresBoardStore(storage::PgPool& pool, RankIndex* index = nullptr) : BoardStore(index), pool_(pool) {}

  Written write(const Board& board, const Season& season, const std::string& user, const std::string& region,
                const Score& score, std::int64_t now) override;
  std::optional<Entry> entry(const View& view, const std::string& user) override;
  std::vector<SeasonInfo> seasons(const std::string& board) override;
  bool has_season(const std::string& board, const std::string& season) override;

 private:
  std::vector<Entry> rows_after(const View& view, const Entry* from, int limit) override;
  std::vector<Entry> rows_before(const View& view, const Entry& from, int limit) override;
  std::int64_t counted_rank(const View& view, const Entry& e) override;
  std::int64_t season_size(const std::string& board, const std::string& season) override;
  std::vector<Written> season_entries(const std::string& board, const std::string& season) override;
  std::vector<std::string> mark_closed(const std::string& board, std::int64_t now) override;
  storage::PgPool& pool_;
};

}  // namespace arena::leaderboards
