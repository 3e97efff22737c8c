# cmake -DIN=<file> -DOUT=<file.cpp> -DNAME=<function> -P Embed.cmake
# Writes a C++ source whose function `std::string_view arena::embedded::<NAME>()` returns the
# bytes of IN (a text file without the raw-string delimiter below).
file(READ "${IN}" content)
string(FIND "${content}" ")arena_embedded\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )arena_embedded\"")
endif()
file(WRITE "${OUT}.tmp" "// Generated from ${IN} by cmake/Embed.cmake: do not edit.\n#include <string_view>\n\nnamespace arena::embedded {\nstd::string_view ${NAME}() {\n  static constexpr char kText[] = R\"arena_embedded(${content})arena_embedded\";\n  return {kText, sizeof kText - 1};\n}\n}  // namespace arena::embedded\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
