// Links into the pg tier's build of integration tests (tests/CMakeLists.txt): they run on
// PostgreSQL. One server per test binary run (ctest runs one test per process), one fresh
// database per test.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>

#include "arena/testing/postgres_server.hpp"
#include "arena/testing/test_database.hpp"

namespace arena::testing {
namespace {

const bool registered = [] {
  set_test_database_source([] {
    static std::mutex mu;
    static std::unique_ptr<PostgresServer> server;
    static std::map<std::string, std::string> by_test;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string test = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name() : "";
    std::lock_guard lock(mu);
    auto it = by_test.find(test);
    if (it != by_test.end()) return it->second;
    if (!server) server = std::make_unique<PostgresServer>();
    const auto url = server->create_database("test_" + std::to_string(by_test.size() + 1));
    by_test.emplace(test, url);
    return url;
  });
  return true;
}();

}  // namespace
}  // namespace arena::testing
