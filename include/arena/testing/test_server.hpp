#pragma once
// An embedded Arena on 127.0.0.1:<free port> with its own data dir, for integration tests.
#include <chrono>
#include <functional>
#include <memory>

#include "arena/app/app.hpp"
#include "arena/config/settings.hpp"
#include "arena/core/clock.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::testing {

// Test defaults: port 0, a temp data dir, cheap argon2, quiet logs.
config::Settings test_settings(const TempDir& dir);

class TestServer {
 public:
  explicit TestServer(std::function<void(config::Settings&)> customize = {});
  ~TestServer();
  std::uint16_t port() const { return app_->port(); }
  core::FakeClock& clock() { return clock_; }
  // Advances wall time and waits until the timers it set off (the gateway's sweep, the
  // matchmaker's round, the presence check) have run.
  void advance(std::chrono::nanoseconds d);
  const config::Settings& settings() const { return settings_; }
  app::App& app() { return *app_; }

 private:
  TempDir dir_;
  // Wall time frozen until a test advances it; intervals (sweeps, rounds) keep real time, and an
  // advance fires the timers due by then at once.
  core::FakeClock clock_{core::SystemTime{std::chrono::seconds{1'700'000'000}}, core::FakeClock::Intervals::running};
  config::Settings settings_;
  std::unique_ptr<app::App> app_;
};

}  // namespace arena::testing
