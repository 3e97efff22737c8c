// The `arena` binary as an operator meets it: subcommands, config errors, migrations, SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "arena/testing/arena_process.hpp"
#include "arena/testing/command.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena {
namespace {

// Runs the arena binary through the shell with `env` prefixed, in `cwd`.
testing::CommandResult run(const std::string& args, const std::string& env = {}, const std::string& cwd = {}) {
  return testing::run_command((cwd.empty() ? "" : "cd '" + cwd + "' && ") + "env -u ARENA_CONFIG " + env + " " +
                              ARENA_BIN + " " + args);
}

TEST(Cli, VersionAndHelp) {
  auto v = run("version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output.rfind("arena ", 0), 0u) << v.output;
  auto h = run("serve --help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.output.find("--listen"), std::string::npos);
  EXPECT_NE(h.output.find("--data-dir"), std::string::npos);
  EXPECT_NE(h.output.find("ARENA_HTTP_MAX_BODY_BYTES"), std::string::npos);
}

TEST(Cli, EnvExampleDocumentsEverySettingAndIsUpToDate) {
  auto gen = run("config --env-example");
  ASSERT_EQ(gen.exit_code, 0);
  std::ifstream in(std::string(ARENA_SOURCE_DIR) + "/.env.example");
  const std::string committed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(committed, gen.output) << "regenerate with: build/bin/arena config --env-example > .env.example";
}

TEST(Cli, BadConfigStopsStartupNamingTheKey) {
  testing::TempDir dir;
  auto flag = run("serve --http-max-body-bytes lots", {}, dir.path().string());
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.output.find("'http.max_body_bytes'"), std::string::npos) << flag.output;
  auto env = run("serve", "ARENA_LISTEN_PORT=1", dir.path().string());
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.output.find("ARENA_LISTEN_PORT"), std::string::npos) << env.output;
  auto missing = run("serve --config /nonexistent.toml", {}, dir.path().string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("/nonexistent.toml"), std::string::npos);
  auto bad_keys = run("serve --auth-jwt-keys k1:tooshort --data-dir " + (dir.path() / "v").string());
  EXPECT_EQ(bad_keys.exit_code, 1);
  EXPECT_NE(bad_keys.output.find("auth.jwt_keys"), std::string::npos) << bad_keys.output;
  auto bad_redis = run("serve --redis redis://cache:99999 --data-dir " + (dir.path() / "r").string());
  EXPECT_EQ(bad_redis.exit_code, 1);
  EXPECT_NE(bad_redis.output.find("setting 'redis': redis URL: bad port"), std::string::npos) << bad_redis.output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "r" / "arena.db"));  // refused before any database
  auto not_redis = run("serve --redis http://cache:6379", {}, dir.path().string());
  EXPECT_EQ(not_redis.exit_code, 2);
  EXPECT_EQ(not_redis.output.find("cache:6379"), std::string::npos) << not_redis.output;  // a secret: not echoed
}

TEST(Cli, BadGameModeStopsStartupNamingTheKey) {
  testing::TempDir dir;
  auto write = [&](const std::string& text) {
    std::ofstream(dir.path() / "modes.toml") << text;
    return run("serve --listen 127.0.0.1:0 --config modes.toml --data-dir v", {}, dir.path().string());
  };
  auto impossible = write("[matchmaking.modes.trio]\nteam_size = 3\nmax_party_size = 4\n");
  EXPECT_EQ(impossible.exit_code, 1);
  EXPECT_NE(impossible.output.find("matchmaking.modes.trio.max_party_size"), std::string::npos) << impossible.output;
  auto unknown = write("[matchmaking.modes.brawl]\nplayers = \"2..6\"\ncolour = \"red\"\n");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("matchmaking.modes.brawl.colour"), std::string::npos) << unknown.output;
  auto setting = write(
      "[matchmaking.modes.bigtag]\ngame = \"tag\"\nplayers = \"2..4\"\n"
      "[matchmaking.modes.bigtag.settings]\nsize = 500\n");
  EXPECT_EQ(setting.exit_code, 1);
  EXPECT_NE(setting.output.find("matchmaking.modes.bigtag.settings.size"), std::string::npos) << setting.output;
  EXPECT_NE(setting.output.find("8..64"), std::string::npos) << setting.output;
  auto no_such = write("[matchmaking.modes.bigtag]\ngame = \"tag\"\nplayers = \"2..4\"\nsettings = { sise = 30 }\n");
  EXPECT_EQ(no_such.exit_code, 1);
  EXPECT_NE(no_such.output.find("matchmaking.modes.bigtag.settings.sise"), std::string::npos) << no_such.output;
  auto not_table = write("[matchmaking.modes]\nbrawl = 3\n");
  EXPECT_EQ(not_table.exit_code, 2);
  EXPECT_NE(not_table.output.find("matchmaking.modes.brawl"), std::string::npos) << not_table.output;
}

// Headless play: the same seed gives the same final hash twice; settings and bad arguments.
TEST(Cli, SimulateIsDeterministicAndChecksItsArguments) {
  for (const char* game : {"cycles", "four", "tag"}) {
    const std::string args = std::string("simulate ") + game + " --seats 2 --seed 7 --json";
    auto a = run(args);
    auto b = run(args);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    const auto out = boost::json::parse(a.output).as_object();
    EXPECT_EQ(out.at("final_hash"), boost::json::parse(b.output).at("final_hash")) << game;
    EXPECT_TRUE(out.at("replay_verified").as_bool()) << game;
    EXPECT_TRUE(out.at("ended").as_bool()) << game;
    EXPECT_EQ(out.at("placements").as_array().size(), 2u);
  }
  auto other_seed = run("simulate cycles --seats 2 --seed 8 --json");
  EXPECT_NE(boost::json::parse(other_seed.output).at("final_hash"),
            boost::json::parse(run("simulate cycles --seats 2 --seed 7 --json").output).at("final_hash"));
  auto short_tag = run("simulate tag --seats 3 --set seconds=5 --json");
  ASSERT_EQ(short_tag.exit_code, 0) << short_tag.output;
  EXPECT_EQ(boost::json::parse(short_tag.output).at("ticks").as_int64(), 50);  // 5 s at 10 Hz
  auto text = run("simulate four");
  EXPECT_NE(text.output.find("replay: verified"), std::string::npos) << text.output;
  auto bad_setting = run("simulate tag --set size=3");
  EXPECT_EQ(bad_setting.exit_code, 2);
  EXPECT_NE(bad_setting.output.find("size"), std::string::npos) << bad_setting.output;
  EXPECT_EQ(run("simulate nope").exit_code, 2);
  EXPECT_EQ(run("simulate four --seats 3").exit_code, 2);
  EXPECT_EQ(run("simulate tag --set size").exit_code, 2);
  auto listed = run("games");
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.output.find("settings.sight: integer 0..64 (default 5)"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("four: 2..2 players, 1 Hz"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("event types: cycles.crash"), std::string::npos) << listed.output;
}

TEST(Cli, MigrateStatusAndUp) {
  testing::TempDir dir;
  const std::string dd = " --data-dir " + (dir.path() / "var").string();
  auto before = run("migrate status" + dd);
  EXPECT_EQ(before.exit_code, 0);
  EXPECT_NE(before.output.find("pending   1  accounts"), std::string::npos) << before.output;
  auto up = run("migrate up" + dd);
  EXPECT_EQ(up.exit_code, 0) << up.output;
  auto after = run("migrate status" + dd);
  EXPECT_NE(after.output.find("applied   1  accounts"), std::string::npos) << after.output;
  EXPECT_EQ(run("migrate sideways" + dd).exit_code, 105);  // CLI11's validation failure
}

TEST(Cli, ServeAnswersThenDrainsOnSigtermWithExitZero) {
  testing::TempDir dir;
  testing::ArenaProcess server(ARENA_BIN, {"serve", "--listen", "127.0.0.1:0", "--data-dir",
                                           (dir.path() / "var").string(), "--http-access-log", "false"});
  testing::HttpClient http(server.port());
  EXPECT_EQ(http.get("/healthz").status, 200);
  EXPECT_EQ(http.post_json("/v1/auth/guest", "").status, 200);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "var" / "arena.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "var" / "jwt.keys"));
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace arena
