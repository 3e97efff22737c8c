#pragma once
// Runs a shell command for a test and collects its exit code and output (stdout and stderr).
#include <string>

namespace arena::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;
};

CommandResult run_command(const std::string& command);

}  // namespace arena::testing
