#!/usr/bin/env bash
# Static analysis: cppcheck over the sources and clang-tidy (checks in .clang-tidy) using the
# release build's compile_commands.json.
set -euo pipefail
cd "$(dirname "$0")/.."
sources=$(git ls-files 'src/*.cpp' 'apps/*.cpp')
cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c++20 --language=c++ \
  --inline-suppr --suppress=missingIncludeSystem --library=googletest --library=boost \
  --suppress=missingReturn:src/http/server.cpp --suppress=missingReturn:src/http/serve.cpp \
  `# cppcheck 2.10 does not know C++20 coroutines` \
  --suppress=syntaxError:src/events/stream_conformance.hpp `# nor googletest's TYPED_TEST_P` \
  --suppress=cppcheckError:src/runtime/timers_test.cpp `# nor chrono literals (an internal error)` \
  -I include -I src $sources
run-clang-tidy -quiet -p build $(git ls-files 'src/*.cpp' 'apps/*.cpp' | grep -v '_test.cpp$') >/tmp/arena-tidy.log 2>&1 \
  || { grep -E "warning:|error:" /tmp/arena-tidy.log | sort -u; exit 1; }
echo "lint: clean"
