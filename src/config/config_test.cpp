#include <gtest/gtest.h>

#include <fstream>

#include "arena/config/loader.hpp"
#include "arena/testing/temp_dir.hpp"
#include "fields.hpp"

namespace arena::config {
namespace {

using namespace std::chrono_literals;

std::string error_of(const Sources& s) {
  try {
    load(s);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

}  // namespace

TEST(Config, DefaultsAreTheDocumentedOnes) {
  const Settings s = load({});
  EXPECT_EQ(s.listen, "127.0.0.1:8080");
  EXPECT_EQ(s.data_dir, "./var");
  EXPECT_EQ(s.auth.access_ttl, 15min);
}

TEST(Config, PrecedenceIsTomlThenDotenvThenEnvironmentThenFlags) {
  testing::TempDir dir;
  write(dir.path() / "a.toml",
        "listen = \"127.0.0.1:1001\"\ndata_dir = \"/toml\"\n[http]\nmax_body_bytes = "
        "\"128KiB\"\n[auth]\naccess_ttl = \"5m\"\n");
  write(dir.path() / ".env", "# comment\nARENA_DATA_DIR=\"/dotenv\"\nexport ARENA_LISTEN=127.0.0.1:1002 # trailing\n");
  Sources src;
  src.toml_file = dir.path() / "a.toml";
  src.dotenv = dir.path() / ".env";
  Settings s = load(src);
  EXPECT_EQ(s.listen, "127.0.0.1:1002");
  EXPECT_EQ(s.data_dir, "/dotenv");
  EXPECT_EQ(s.http.max_body_bytes, 128u * 1024);
  EXPECT_EQ(s.auth.access_ttl, 5min);

  src.environment = {{"ARENA_LISTEN", "127.0.0.1:1003"}, {"PATH", "/bin"}, {"ARENA_CONFIG", "ignored.toml"}};
  EXPECT_EQ(load(src).listen, "127.0.0.1:1003");
  src.flags = {{"listen", "127.0.0.1:1004"}};
  EXPECT_EQ(load(src).listen, "127.0.0.1:1004");
  EXPECT_EQ(load(src).data_dir, "/dotenv");
}

TEST(Config, UnknownKeysStopStartupNamingTheKeyAndSource) {
  testing::TempDir dir;
  write(dir.path() / "a.toml", "[http]\nmax_bodee = 1\n");
  Sources toml;
  toml.toml_file = dir.path() / "a.toml";
  EXPECT_NE(error_of(toml).find("'http.max_bodee'"), std::string::npos) << error_of(toml);

  Sources env;
  env.environment = {{"ARENA_LISTN", "x"}};
  EXPECT_NE(error_of(env).find("ARENA_LISTN"), std::string::npos);

  write(dir.path() / ".env", "OTHER_TOOL=1\n");
  Sources dotenv;
  dotenv.dotenv = dir.path() / ".env";
  EXPECT_NE(error_of(dotenv).find("OTHER_TOOL"), std::string::npos);

  Sources flags;
  flags.flags = {{"nope", "1"}};
  EXPECT_NE(error_of(flags).find("'nope'"), std::string::npos);
}

TEST(Config, BadValuesStopStartupNamingTheKey) {
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{{"listen", "nonsense"},
                                                                            {"listen", "127.0.0.1:70000"},
                                                                            {"http.max_body_bytes", "lots"},
                                                                            {"http.max_body_bytes", "-5"},
                                                                            {"http.idle_timeout", "10"},
                                                                            {"http.idle_timeout", "1y"},
                                                                            {"http.access_log", "maybe"},
                                                                            {"http.threads", "9999"},
                                                                            {"log.level", "loud"},
                                                                            {"auth.access_ttl", "0s"},
                                                                            {"events.writers", "0"},
                                                                            {"events.batch_size", "2KiB"}}) {
    Sources s;
    s.flags = {{key, value}};
    const std::string err = error_of(s);
    EXPECT_NE(err.find("'" + key + "'"), std::string::npos) << key << "=" << value << ": " << err;
  }
}

// A host lease shorter than two checkpoint intervals would pass to another host while its match
// still runs: refused at start-up, naming both settings; with checkpoints off any lease goes.
TEST(Config, AHostLeaseMustOutlastTwoCheckpoints) {
  Sources s;
  s.flags = {{"host.checkpoint_interval", "3s"}, {"host.lease", "5s"}};
  const std::string err = error_of(s);
  EXPECT_NE(err.find("'host.lease'"), std::string::npos) << err;
  EXPECT_NE(err.find("'host.checkpoint_interval'"), std::string::npos) << err;
  s.flags = {{"host.checkpoint_interval", "0s"}, {"host.lease", "1s"}};
  EXPECT_EQ(load(s).host.checkpoint_interval, 0ms);
  s.flags = {{"host.lease", "-1s"}};
  EXPECT_NE(error_of(s).find("'host.lease'"), std::string::npos);
}

TEST(Config, ZeroResumeWindowFromAFlag) {
  Sources s;
  s.flags = {{"gateway.resume_window", "0"}};
  EXPECT_EQ(load(s).gateway.resume_window, 0ms);
}

TEST(Config, SecretsAreNeverEchoed) {
  Sources s;
  s.flags = {{"auth.jwt_keys", "k1:short"}, {"auth.jwt_active_kid", "k1"}};
  EXPECT_EQ(dump(load(s)).find("k1:short"), std::string::npos);
}

TEST(Config, BrokenTomlIsReportedWithItsLine) {
  testing::TempDir dir;
  write(dir.path() / "a.toml", "listen = \n");
  Sources s;
  s.toml_file = dir.path() / "a.toml";
  EXPECT_NE(error_of(s).find("line 1"), std::string::npos) << error_of(s);
}

TEST(ConfigValues, DurationsSizesAndEndpoints) {
  using detail::parse_duration;
  using detail::parse_size;
  EXPECT_EQ(parse_duration("250ms", 0ms, 1h), 250ms);
  EXPECT_EQ(parse_duration("2h", 0ms, 24h), 2h);
  EXPECT_EQ(parse_duration("30d", 0ms, 24h * 365), 24h * 30);
  EXPECT_THROW(parse_duration("ms", 0ms, 1h), std::invalid_argument);
  // Hardening (issue 9, defect 6): "0 = never" settings take a bare 0, as their help says.
  EXPECT_EQ(parse_duration("0", 0ms, 1h), 0ms);
  EXPECT_THROW(parse_duration("0", 1s, 1h), std::invalid_argument);
  EXPECT_THROW(parse_duration("5", 0ms, 1h), std::invalid_argument);  // other numbers need a unit
  EXPECT_THROW(parse_duration("99999999999999999d", 0ms, 1h), std::invalid_argument);
  EXPECT_EQ(parse_size("2MiB", 0, 1 << 30), 2u << 20);
  EXPECT_THROW(parse_size("99999999999GiB", 0, 1 << 30), std::invalid_argument);
  EXPECT_EQ(detail::format_duration(15min), "15m");
  EXPECT_EQ(parse_endpoint("[::1]:80").host, "::1");
  EXPECT_EQ(parse_endpoint("0.0.0.0:0").port, 0);
  EXPECT_THROW(parse_endpoint(":80"), std::invalid_argument);
  EXPECT_EQ(detail::env_name("http.max_body_bytes"), "ARENA_HTTP_MAX_BODY_BYTES");
  EXPECT_EQ(detail::flag_name("data_dir"), "--data-dir");
}

}  // namespace arena::config
