#include "arena/testing/test_server.hpp"

#include "arena/runtime/timers.hpp"
#include "arena/testing/test_database.hpp"

namespace arena::testing {

config::Settings test_settings(const TempDir& dir) {
  config::Settings s;
  s.listen = "127.0.0.1:0";
  s.data_dir = (dir.path() / "var").string();
  s.auth.argon2_opslimit = 1;
  s.auth.argon2_memlimit = std::size_t{8} * 1024;
  s.http.access_log = false;
  s.http.threads = 2;
  s.http.shutdown_timeout = std::chrono::seconds(5);
  s.log.level = "warn";
  return s;
}

TestServer::TestServer(std::function<void(config::Settings&)> customize) : settings_(test_settings(dir_)) {
  settings_.database = test_database();
  settings_.events.broker = test_events_broker();
  if (customize) customize(settings_);
  app_ = std::make_unique<app::App>(settings_, clock_);
  app_->start();
}

void TestServer::advance(std::chrono::nanoseconds d) {
  clock_.advance(d);
  app_->timers().wait_idle();
}

TestServer::~TestServer() {
  app_->drain();
}

}  // namespace arena::testing
