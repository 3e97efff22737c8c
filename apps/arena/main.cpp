// arena: parses the command line and hands over to the app module.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "arena/app/app.hpp"
#include "arena/config/loader.hpp"

#ifndef ARENA_VERSION
#define ARENA_VERSION "0.0.0"
#endif

namespace {

struct SettingFlags {
  std::string config_file;
  std::vector<std::pair<std::string, std::string>> values;
};

// Every setting as a flag (--listen, --data-dir, --http-max-body-bytes, ...) plus --config.
void add_setting_flags(CLI::App* cmd, SettingFlags& flags) {
  cmd->add_option("-c,--config", flags.config_file, "TOML config file (or ARENA_CONFIG)");
  for (const auto& f : arena::config::describe()) {
    cmd->add_option_function<std::string>(
        f.flag, [&flags, key = f.key](const std::string& v) { flags.values.emplace_back(key, v); },
        f.help + " [default: " + (f.default_value.empty() ? "\"\"" : f.default_value) + "; env " + f.env + "]");
  }
}

arena::config::Settings load_settings(const SettingFlags& flags) {
  arena::config::Sources src;
  src.environment = arena::config::process_environment();
  std::string file = flags.config_file;
  if (file.empty()) {
    if (auto it = src.environment.find("ARENA_CONFIG"); it != src.environment.end()) file = it->second;
  }
  if (!file.empty()) {
    if (!std::filesystem::exists(file)) throw arena::config::ConfigError("config file " + file + " does not exist");
    src.toml_file = file;
  }
  if (std::filesystem::exists(".env")) src.dotenv = ".env";
  src.flags = flags.values;
  return arena::config::load(src);
}

void print_env_example() {
  std::cout << "# Arena settings. Copy to .env and uncomment what you change.\n"
               "# Precedence: defaults < TOML file (--config / ARENA_CONFIG) < .env < environment < flags.\n"
               "# Durations take ms/s/m/h/d suffixes; sizes take KiB/MiB/GiB.\n";
  for (const auto& f : arena::config::describe()) {
    std::cout << "\n# " << f.help << " (" << f.key << ", " << f.flag << ")\n";
    std::cout << "# " << f.env << "=" << f.default_value << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Arena: a multiplayer game backend"};
  cli.require_subcommand(1);

  SettingFlags serve_flags, migrate_flags, config_flags;
  auto* serve = cli.add_subcommand("serve", "Run the server (embedded: every role in one process)");
  add_setting_flags(serve, serve_flags);

  auto* migrate = cli.add_subcommand("migrate", "Database migrations");
  std::string action;
  migrate->add_option("action", action, "up: apply pending migrations; status: list them")
      ->required()
      ->check(CLI::IsMember({"up", "status"}));
  add_setting_flags(migrate, migrate_flags);

  auto* config = cli.add_subcommand("config", "Print the effective settings (secrets masked)");
  bool env_example = false;
  config->add_flag("--env-example", env_example, "Print a .env.example documenting every setting instead");
  add_setting_flags(config, config_flags);

  SettingFlags replay_flags;
  auto* replay = cli.add_subcommand("replay", "Re-simulate a stored match from its seed and inputs and check its end");
  std::string match_id;
  replay->add_option("match-id", match_id, "the match to replay")->required();
  add_setting_flags(replay, replay_flags);

  auto* simulate = cli.add_subcommand("simulate", "Play a game headless with bots; print its result and final hash");
  arena::app::SimulateOptions sim;
  std::vector<std::string> sim_settings;
  simulate->add_option("game", sim.game, "the game (cycles, four, tag, ...)")->required();
  simulate->add_option("--seats", sim.seats, "seats in the match [default: the game's minimum]")
      ->check(CLI::Range(1, 1024));
  simulate->add_option("--bots", sim.bots, "how many of them bots play; the rest stay idle [default: all]")
      ->check(CLI::Range(0, 1024));
  simulate->add_option("--seed", sim.seed, "the match seed [default: 1]");
  simulate->add_option("--ticks", sim.ticks, "stop after this many ticks [default: when the game ends]");
  simulate->add_option("--tick-rate", sim.tick_rate, "ticks per second [default: the game's]")
      ->check(CLI::Range(1, 1000));
  simulate->add_option("--set", sim_settings, "a game setting, key=value (repeatable)");
  simulate->add_flag("--json", sim.json, "print one JSON object instead");

  SettingFlags jobs_flags;
  auto* jobs = cli.add_subcommand("jobs", "The durable job queue: list, show, retry, cancel, purge");
  arena::app::JobsCommand jobs_cmd;
  jobs->add_option("action", jobs_cmd.action,
                   "list [--state --queue --kind --after --limit] | show ID | retry ID | cancel ID | purge --state S")
      ->required()
      ->check(CLI::IsMember({"list", "show", "retry", "cancel", "purge"}));
  jobs->add_option("id", jobs_cmd.id, "the job (show, retry, cancel)");
  jobs->add_option("--state", jobs_cmd.state, "available, running, retryable, completed, dead or cancelled");
  jobs->add_option("--queue", jobs_cmd.queue, "only this queue");
  jobs->add_option("--kind", jobs_cmd.kind, "only this kind");
  jobs->add_option("--after", jobs_cmd.after, "list: ids after this one (paging)");
  jobs->add_option("--limit", jobs_cmd.limit, "list: at most this many [default: 100]")->check(CLI::Range(1, 10'000));
  add_setting_flags(jobs, jobs_flags);

  SettingFlags events_flags;
  auto* events = cli.add_subcommand("events", "Game events in the database");
  events->require_subcommand(1);
  auto* tail = events->add_subcommand("tail", "Print game events as they are written, one JSON line each");
  arena::app::EventsTail tail_cmd;
  std::int64_t tail_since = -1;
  tail->add_option("--type", tail_cmd.type, "only this type (auth.login, match.ended, cycles.crash, ...)");
  tail->add_option("--since", tail_since, "from this unix time in ms [default: now]")->check(CLI::NonNegativeNumber);
  tail->add_option("--seconds", tail_cmd.seconds, "stop after this long [default: when interrupted]")
      ->check(CLI::Range(1, 86'400 * 365));
  tail->add_option("--interval-ms", tail_cmd.interval_ms, "how often to look [default: 500]")
      ->check(CLI::Range(50, 60'000));
  add_setting_flags(tail, events_flags);

  auto* games = cli.add_subcommand("games", "List the games built in, with their settings");

  auto* version = cli.add_subcommand("version", "Print the version");

  CLI11_PARSE(cli, argc, argv);

  if (version->parsed()) {
    std::cout << "arena " << ARENA_VERSION << "\n";
    return 0;
  }
  if (config->parsed() && env_example) {
    print_env_example();
    return 0;
  }
  if (games->parsed()) return arena::app::list_games();
  if (simulate->parsed()) {
    for (const auto& kv : sim_settings) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::cerr << "arena: --set takes key=value, got '" << kv << "'\n";
        return 2;
      }
      sim.settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    try {
      return arena::app::simulate(sim);
    } catch (const std::exception& e) {
      std::cerr << "arena: " << e.what() << "\n";
      return 1;
    }
  }
  try {
    if (serve->parsed()) return arena::app::serve(load_settings(serve_flags));
    if (migrate->parsed()) return arena::app::migrate(load_settings(migrate_flags), action);
    if (replay->parsed()) return arena::app::replay(load_settings(replay_flags), match_id);
    if (jobs->parsed()) return arena::app::jobs_command(load_settings(jobs_flags), jobs_cmd);
    if (tail->parsed()) {
      if (tail_since >= 0) tail_cmd.since = tail_since;
      return arena::app::events_tail(load_settings(events_flags), tail_cmd);
    }
    if (config->parsed()) {
      std::cout << arena::config::dump(load_settings(config_flags));
      return 0;
    }
  } catch (const arena::config::ConfigError& e) {
    std::cerr << "arena: config: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "arena: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
