#include "arena/testing/test_database.hpp"

namespace arena::testing {

namespace {
std::function<std::string()>& source() {
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

}  // namespace arena::testing
