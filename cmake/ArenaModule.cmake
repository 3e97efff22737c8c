# Shared compile settings and the two helpers every module uses:
#   arena_module(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
#     -> static library arena_<name> (alias arena::<name>), public headers in include/arena/<name>/
#   arena_tests(<name> LABEL <tier> SOURCES ... [DEPS ...])
#     -> one test executable per module and tier, registered with CTest under label <tier>

add_library(arena_build_flags INTERFACE)
target_compile_options(arena_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${ARENA_WERROR}>:-Werror>
  # GCC 12 false positive on std::string concatenation (GCC bug 105329).
  $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>
  # Designated initializers leave the other members at their defaults on purpose.
  -Wno-missing-field-initializers)
# Boost.Asio: keep the header weight down and use the standard coroutine machinery.
target_compile_definitions(arena_build_flags INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE)
if(ARENA_SANITIZE)
  target_compile_options(arena_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(arena_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(ARENA_TSAN)
  target_compile_options(arena_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(arena_build_flags INTERFACE -fsanitize=thread)
endif()
if(ARENA_FUZZ)
  # Every library is instrumented for coverage; only the fuzz targets link libFuzzer's main.
  target_compile_options(arena_build_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

function(arena_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(arena_${name} STATIC ${M_SOURCES})
  add_library(arena::${name} ALIAS arena_${name})
  target_include_directories(arena_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(arena_${name} PUBLIC arena_build_flags ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

set(ARENA_TSAN_MODULES bus gateway match matchmaking sessions)
# What the tsan tier builds (scripts/test.sh): those modules' unit tests and realtime_tsan_tests.
set(ARENA_TSAN_TARGETS bus_unit_tests gateway_unit_tests match_unit_tests matchmaking_unit_tests
    sessions_unit_tests realtime_tsan_tests)

function(arena_tests name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT ARENA_BUILD_TESTS)
    return()
  endif()
  set(target ${name}_${T_LABEL}_tests)
  add_executable(${target} ${T_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PRIVATE ${T_DEPS} arena_build_flags GTest::gtest GTest::gmock GTest::gtest_main)
  # The ThreadSanitizer tier: the unit tests of the concurrent modules, and the real-time
  # integration tests (tests/CMakeLists.txt, target realtime_tsan_tests).
  set(labels ${T_LABEL})
  if(ARENA_TSAN AND T_LABEL STREQUAL "unit" AND name IN_LIST ARENA_TSAN_MODULES)
    list(APPEND labels tsan)
  endif()
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${labels}" TIMEOUT 120)
endfunction()
