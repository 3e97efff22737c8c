# cmake -DNODE_MODULES=<web/node_modules> -DPAGES=<web> -DOUT=<dir> -P CopyWebFiles.cmake
# Puts the browser files the server serves into OUT (<build>/share/arena), from npm packages that
# make installs with npm ci in web/, beside our own pages:
#   swagger-ui/  Swagger UI at /api-docs (swagger-ui-dist; our page and initializer load /openapi.json)
#   graphiql/    GraphiQL's scripts for the page at GET /graphql (graphiql, react, react-dom UMD builds)
function(copy_into dir)  # copy_into(<dir> <src> <name> <src> <name> ...)
  file(MAKE_DIRECTORY "${OUT}/${dir}")
  set(args ${ARGN})
  list(LENGTH args n)
  math(EXPR last "${n} - 1")
  foreach(i RANGE 0 ${last} 2)
    math(EXPR j "${i} + 1")
    list(GET args ${i} src)
    list(GET args ${j} name)
    file(COPY_FILE "${src}" "${OUT}/${dir}/${name}" ONLY_IF_DIFFERENT)
  endforeach()
endfunction()

set(swagger "${NODE_MODULES}/swagger-ui-dist")
if(EXISTS "${swagger}/swagger-ui-bundle.js")
  set(pairs)
  foreach(f LICENSE NOTICE index.css swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js
            favicon-16x16.png favicon-32x32.png)
    list(APPEND pairs "${swagger}/${f}" ${f})
  endforeach()
  list(APPEND pairs "${PAGES}/api-docs/index.html" index.html "${PAGES}/api-docs/swagger-initializer.js"
       swagger-initializer.js)
  copy_into(swagger-ui ${pairs})
else()
  message(WARNING "Swagger UI is not installed (${swagger}); /api-docs answers 404 until `make` runs npm ci in web/")
endif()

if(EXISTS "${NODE_MODULES}/graphiql/graphiql.min.js")
  copy_into(graphiql
    "${NODE_MODULES}/graphiql/graphiql.min.js" graphiql.min.js
    "${NODE_MODULES}/graphiql/graphiql.min.css" graphiql.min.css
    "${NODE_MODULES}/graphiql/LICENSE" LICENSE
    "${NODE_MODULES}/react/umd/react.production.min.js" react.production.min.js
    "${NODE_MODULES}/react-dom/umd/react-dom.production.min.js" react-dom.production.min.js)
else()
  message(WARNING "GraphiQL is not installed (${NODE_MODULES}/graphiql); its page at /graphql stays blank until `make` runs npm ci in web/")
endif()
