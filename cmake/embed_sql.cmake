# Writes OUTPUT: a C++ file defining arena::storage::<FUNCTION>() with every NNNN_name.sql in DIR.
file(GLOB files "${DIR}/*.sql")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(fname "${f}" NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" m "${fname}")
  if(NOT m)
    message(FATAL_ERROR "migration ${f} must be named NNNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  file(READ "${f}" sql)
  string(APPEND body "      {${version}, \"${CMAKE_MATCH_2}\", R\"arena_sql(${sql})arena_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${DIR} by cmake/embed_sql.cmake. Do not edit.
#include \"arena/storage/migrations.hpp\"
namespace arena::storage {
const std::vector<Migration>& ${FUNCTION}() {
  static const std::vector<Migration> list = {
${body}  };
  return list;
}
}  // namespace arena::storage
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
