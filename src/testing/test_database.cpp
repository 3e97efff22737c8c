#include "arena/testing/test_database.hpp"

namespace arena::testing {

namespace {
std::function<std::string()>& source() {
  static std::function<std::string()> s;
  return s;
}
std::function<std::string()>& broker_source() {
  static std::function<std::string()> s;
  return s;
}
}  // namespace

void set_test_database_source(std::function<std::string()> url_for_this_test) {
  source() = std::move(url_for_this_test);
}

std::string test_database() {
  return source() ? source()() : std::string();
}

std::vector<std::string> test_database_args() {
  const auto url = test_database();
  if (url.empty()) return {};
  return {"--database", url};
}

std::string test_database_flag() {
  const auto url = test_database();
  return url.empty() ? std::string() : " --database '" + url + "'";
}

void set_test_events_broker_source(std::function<std::string()> url_for_this_test) {
  broker_source() = std::move(url_for_this_test);
}

std::string test_events_broker() {
  return broker_source() ? broker_source()() : std::string("memory");
}

}  // namespace arena::testing
