#pragma once
// The database the integration tests run against: SQLite in each server's data dir (the
// default), or PostgreSQL when the test binary is the pg tier's build of the same tests
// (tests/pg_backend.cpp sets the source): one database per test, which every TestServer, arena
// process and CLI call of that test shares, as processes of a cluster do.
#include <functional>
#include <string>
#include <vector>

namespace arena::testing {

// `url_for_this_test` returns the URL of the running test's database (made on first use).
void set_test_database_source(std::function<std::string()> url_for_this_test);
// "" (SQLite) or the running test's PostgreSQL URL.
std::string test_database();
// The `arena` flags that select it: none, or {"--database", url}.
std::vector<std::string> test_database_args();
// The same for a shell command line: "" or " --database '<url>'".
std::string test_database_flag();

// The events broker a TestServer uses: "memory" (the default), or a broker the test binary's
// tier started (tests/rabbitmq_backend.cpp).
void set_test_events_broker_source(std::function<std::string()> url_for_this_test);
std::string test_events_broker();

}  // namespace arena::testing
