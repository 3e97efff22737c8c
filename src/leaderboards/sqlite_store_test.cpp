// The board store conformance suite (store_conformance.cpp) on SQLite.
#include "sqlite_backend.hpp"

namespace arena::leaderboards::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, BoardStoreConformance,
                         ::testing::Values(BoardStoreFactory{"sqlite",
                                                             [] { return std::make_unique<SqliteBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::leaderboards::testing
