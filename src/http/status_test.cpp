// The error codes, docs/protocol.md and the HTTP statuses agree.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "arena/core/error.hpp"
#include "arena/http/message.hpp"
#include "arena/testing/markdown.hpp"

namespace arena::http {
namespace {

// Every `name` in a cell (a cell may hold several: "`a` / `b`"); wildcards like `token_*` skipped.
std::vector<std::string> codes_in(const std::string& cell) {
  std::vector<std::string> out;
  for (std::size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', at)) {
    const auto end = cell.find('`', at + 1);
    if (end == std::string::npos) break;
    std::string code = cell.substr(at + 1, end - at - 1);
    if (code.find('*') == std::string::npos) out.push_back(code);
    at = end + 1;
  }
  return out;
}

struct Documented {
  std::set<std::string> websocket;
  std::map<std::string, int> rest;  // code -> status
};

Documented read_docs() {
  std::ifstream in(std::string(ARENA_SOURCE_DIR) + "/docs/protocol.md");
  EXPECT_TRUE(in) << "docs/protocol.md";
  Documented d;
  enum { none, ws, rest } table = none;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) {
      table = line == "### WebSocket error codes" ? ws : line == "## Error codes" ? rest : none;
      continue;
    }
    if (table == none || line.rfind("| ", 0) != 0 || line.rfind("| code", 0) == 0 || line.rfind("| status", 0) == 0)
      continue;
    const auto cells = testing::table_cells(line);
    if (table == ws) {
      for (const auto& c : codes_in(cells.at(0))) d.websocket.insert(c);
    } else {
      for (const auto& c : codes_in(cells.at(1))) d.rest[c] = std::stoi(cells.at(0));
    }
  }
  return d;
}

TEST(ErrorCodes, NamesRoundTrip) {
  EXPECT_EQ(all_codes().size(), kCodeCount);
  std::set<std::string_view> seen;
  for (Code c : all_codes()) {
    EXPECT_TRUE(seen.insert(name(c)).second) << name(c);
    EXPECT_EQ(code_named(name(c)), c) << name(c);
  }
  EXPECT_EQ(code_named("no_such_code"), std::nullopt);
  EXPECT_EQ(name(Code::invalid_field), "invalid_field");
}

TEST(ErrorCodes, EveryCodeIsDocumentedAndEveryDocumentedCodeExists) {
  const Documented d = read_docs();
  ASSERT_FALSE(d.websocket.empty());
  ASSERT_FALSE(d.rest.empty());
  for (Code c : all_codes()) {
    const std::string n(name(c));
    EXPECT_TRUE(d.websocket.contains(n) || d.rest.contains(n)) << n << " is in arena::Code but not in docs/protocol.md";
  }
  for (const auto& n : d.websocket) EXPECT_TRUE(code_named(n)) << n << " is documented but is no arena::Code";
  for (const auto& [n, status] : d.rest) {
    const auto c = code_named(n);
    if (!c) {
      ADD_FAILURE() << n << " is documented but is no arena::Code";
      continue;
    }
    EXPECT_EQ(status_of(*c), status) << n << ": the REST table and src/http/status.cpp disagree";
  }
}

TEST(ErrorCodes, AResponseCarriesTheCodesStatusAndRetryAfter) {
  const auto r = Response::error(Error(Code::rate_limited, "slow down").with_retry_after(7));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("\"code\":\"rate_limited\""), std::string::npos) << r.body;
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "7");
}

}  // namespace
}  // namespace arena::http
