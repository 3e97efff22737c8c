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
  -Wno-missing-field-initializers
  # Clang checks the lock annotations (arena/core/mutex.hpp); the fuzz build in `make test` is clang.
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety> $<$<CXX_COMPILER_ID:Clang>:-Werror=thread-safety>)
# Boost.Asio: keep the header weight down and use the standard coroutine machinery.
# BOOST_DISABLE_ASSERTS: every build behaves as the release build does (NDEBUG) inside Boost.
# Beast 1.81 asserts more than it needs: a chunked request whose last "0\r\n\r\n" arrives split
# after four bytes trips BOOST_ASSERT(n >= 5) in parse_chunk_header, which would abort the
# sanitizer and debug builds on one crafted request (found by fuzz/http_request_fuzz.cpp; the
# parse itself is right). ASan and the fuzzers still check what the code does past it.
target_compile_definitions(arena_build_flags INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_COROUTINE BOOST_DISABLE_ASSERTS)
if(ARENA_SANITIZE)
  target_compile_options(arena_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(arena_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(ARENA_TSAN)
  # -Wno-tsan: Asio's fenced blocks use atomic_thread_fence, which TSan does not model; its
  # handler queues synchronise through a mutex, which TSan does see.
  target_compile_options(arena_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
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

# The tsan tier (make test-tsan builds target tsan_tests, tests/CMakeLists.txt): these modules'
# unit tests and realtime_tsan_tests.
set(ARENA_TSAN_MODULES bus core events gateway jobs match matchmaking postmatch runtime sessions)

# The tiers whose HTTP traffic is held to api/openapi.json (not in TSan or fuzz builds).
if(NOT ARENA_TSAN AND NOT ARENA_FUZZ)
  set(ARENA_CAPTURED_LABELS integration nats pg redis rabbitmq)
endif()
set(ARENA_HTTP_CAPTURE_DIR ${CMAKE_BINARY_DIR}/openapi-traffic)

function(arena_tests name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT ARENA_BUILD_TESTS)
    return()
  endif()
  # A ThreadSanitizer build holds only the tsan tier: the unit tests of the concurrent modules
  # and the real-time integration tests (tests/CMakeLists.txt, LABEL tsan), all labelled tsan.
  set(labels ${T_LABEL})
  if(ARENA_TSAN)
    if(NOT (T_LABEL STREQUAL "tsan" OR (T_LABEL STREQUAL "unit" AND name IN_LIST ARENA_TSAN_MODULES)))
      return()
    endif()
    set(labels tsan)
  endif()
  set(target ${name}_${T_LABEL}_tests)
  add_executable(${target} ${T_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_definitions(${target} PRIVATE ARENA_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${target} PRIVATE ${T_DEPS} arena_build_flags GTest::gtest GTest::gmock GTest::gtest_main)
  set(capture "")
  if(T_LABEL IN_LIST ARENA_CAPTURED_LABELS)
    # The OpenAPI check (tests/CMakeLists.txt) reads what these tests' HTTP clients recorded.
    set(capture ENVIRONMENT OPENAPI_TRAFFIC_DIR=${ARENA_HTTP_CAPTURE_DIR} FIXTURES_REQUIRED openapi_traffic)
  endif()
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${labels} TIMEOUT 120 ${capture})
endfunction()
