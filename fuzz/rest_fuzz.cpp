// The REST routes that read and write leaderboards, profiles and match histories (the worker
// role's), over a real SQLite database with a few players, a stored match and board entries:
// any path, query (cursor, limit, region, season) and body either answers or throws
// arena::Error with a code; anything else is a bug.
#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

#include "app/roles.hpp"
#include "arena/auth/sqlite_store.hpp"
#include "arena/core/clock.hpp"
#include "arena/http/router.hpp"
#include "arena/leaderboards/store.hpp"
#include "arena/match/store.hpp"
#include "arena/postmatch/after_match.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"

namespace {

using namespace arena;

struct World {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("arena-rest-fuzz-" + std::to_string(::getpid()));
  std::unique_ptr<storage::Sqlite> db;
  core::FakeClock clock{core::SystemTime{std::chrono::seconds{1'800'000'000}}};
  leaderboards::MemoryRankIndex index{1000};
  std::vector<leaderboards::Board> boards;
  std::unique_ptr<auth::SqliteAuthStore> accounts;
  std::unique_ptr<ratings::SqliteRatingStore> ratings;
  std::unique_ptr<match::SqliteMatchStore> matches;
  std::unique_ptr<leaderboards::SqliteBoardStore> store;
  std::unique_ptr<postmatch::AfterMatch> after;
  std::vector<matchmaking::ModeConfig> modes;  // none: GET /v1/modes answers an empty list
  std::unique_ptr<app::BoardServices> services;
  http::Router router;

  World() {
    std::filesystem::create_directories(dir);
    db = storage::Sqlite::open(dir / "arena.db");
    storage::migrate_up(*db, storage::sqlite_migrations(), 0);
    boards = leaderboards::configured_boards(
        {{"duel", {{"season", "0 0 1 * *"}}},
         {"coins", {{"operator", "increment"}}},
         {"fast", {{"mode", "duel"}, {"stat", "pieces"}, {"order", "asc"}, {"subscore", "pieces"}}}},
        {{"duel", {"eu", "us"}}});
    accounts = std::make_unique<auth::SqliteAuthStore>(*db);
    ratings = std::make_unique<ratings::SqliteRatingStore>(*db);
    matches = std::make_unique<match::SqliteMatchStore>(*db);
    store = std::make_unique<leaderboards::SqliteBoardStore>(*db, &index);
    after = std::make_unique<postmatch::AfterMatch>(
        postmatch::Stores{*matches, *ratings, *store}, clock,
        std::map<std::string, ratings::Model>{{"duel", ratings::Model::glicko2}}, boards);
    services = std::make_unique<app::BoardServices>(app::BoardServices{
        *accounts, *ratings, *matches, *store, clock, *after, std::string(32, 'k'), core::JsonLimits{8}, modes});
    app::add_player_routes(router, *services);
    app::add_board_routes(router, *services);
    db->exec(
        "INSERT INTO accounts (id, kind, display_name, created_at, updated_at) VALUES ('a', 'guest', 'A', 0, 0), "
        "('b', 'guest', 'B', 0, 0)");
    match::MatchRecord rec;
    rec.spec.match_id = "m1";
    rec.spec.mode = rec.spec.game = "duel";
    rec.spec.region = "eu";
    rec.spec.seats = {{"a", false, 0}, {"b", false, 1}};
    rec.result.placements = {{0, 1, {{"pieces", 4}}}, {1, 2, {{"pieces", 3}}}};
    matches->save(rec, clock.now_unix());
    if (const auto applied = after->apply(rec, clock.now_unix_ms())) index.committed(applied->writes);
  }
  ~World() {
    db.reset();
    std::filesystem::remove_all(dir);
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

// Input: method byte, then "target\nbody" (target is path?query).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 4096) return 0;
  auto& w = world();
  http::Request req;
  req.method = data[0] % 2 == 0 ? http::Method::get : http::Method::post;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto nl = rest.find('\n');
  req.target = std::string(rest.substr(0, nl));
  req.body = nl == std::string_view::npos ? "" : std::string(rest.substr(nl + 1));
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  if (data[0] & 2) req.headers.push_back({"authorization", "Bearer " + std::string(32, 'k')});
  const auto m = w.router.match(req);
  if (m.route == nullptr) return 0;
  try {
    const auto r = m.route->handler(req);
    if (r.status != 200) __builtin_trap();  // a handler answers 200 or throws a coded Error
    (void)boost::json::parse(r.body);       // and its body is JSON
  } catch (const arena::Error&) {
  }
  return 0;
}
