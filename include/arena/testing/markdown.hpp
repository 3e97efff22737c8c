#pragma once
// Reading docs/*.md tables in tests that hold the docs to the code (header-only).
#include <sstream>
#include <string>
#include <vector>

namespace arena::testing {

// The cells of a Markdown table row ("| a | b |" -> {"a", "b"}), trimmed.
inline std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line.substr(line.rfind('|', 0) == 0 ? 1 : 0));
  for (std::string cell; std::getline(ss, cell, '|');) {
    while (!cell.empty() && cell.front() == ' ') cell.erase(0, 1);
    while (!cell.empty() && cell.back() == ' ') cell.pop_back();
    cells.push_back(cell);
  }
  return cells;
}

}  // namespace arena::testing
