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

function(arena_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(arena_${name} STATIC ${M_SOURCES})
  add_library(arena::${name} ALIAS arena_${name})
  target_include_directories(arena_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(arena_${name} PUBLIC arena_build_flags ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

function(arena_tests name)
  cmake_parse_arguments(T "" "LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT ARENA_BUILD_TESTS)
    return()
  endif()
  set(target ${name}_${T_LABEL}_tests)
  add_executable(${target} ${T_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PRIVATE ${T_DEPS} arena_build_flags GTest::gtest GTest::gmock GTest::gtest_main)
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${T_LABEL} TIMEOUT 120)
endfunction()
