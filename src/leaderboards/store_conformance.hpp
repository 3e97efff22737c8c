#pragma once
// One behaviour suite for every BoardStore (store_conformance.cpp).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/leaderboards/store.hpp"

namespace arena::leaderboards::testing {

struct BoardBackend {
  virtual ~BoardBackend() = default;
  // A store over the backend's one database, answering ranks from `index` (may be null).
  virtual std::unique_ptr<BoardStore> store(RankIndex* index) = 0;
};

struct BoardStoreFactory {
  std::string name;
  std::function<std::unique_ptr<BoardBackend>()> make;  // a fresh, migrated database
  std::function<std::unique_ptr<RankIndex>()> make_index = [] { return std::make_unique<MemoryRankIndex>(1'000'000); };
};

class BoardStoreConformance : public ::testing::TestWithParam<BoardStoreFactory> {
 protected:
  void SetUp() override {
    backend = GetParam().make();
    index = GetParam().make_index();
    store = backend->store(index.get());
  }
  void TearDown() override {
    store.reset();
    index.reset();
    backend.reset();
  }
  Written write(const Board& b, const std::string& user, double score, double sub = 0, const std::string& region = "eu",
                std::int64_t now = 1000) {
    const auto w = store->write(b, season_at(b, now), user, region, {score, sub}, now);
    index->committed({w});
    return w;
  }
  std::unique_ptr<BoardBackend> backend;
  std::unique_ptr<RankIndex> index;
  std::unique_ptr<BoardStore> store;
};

inline void PrintTo(const BoardStoreFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<BoardStoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::leaderboards::testing
