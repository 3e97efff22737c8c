# cmake -DDIST=<web/node_modules/swagger-ui-dist> -DPAGE=<web/api-docs> -DOUT=<dir> -P CopySwaggerUi.cmake
# Puts the Swagger UI files the server serves at /api-docs into OUT (<build>/share/arena/swagger-ui):
# the distribution's scripts, styles and icons (npm package swagger-ui-dist, installed by make with
# npm ci in web/), and our own page and initializer, which load /openapi.json.
set(files LICENSE NOTICE index.css swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js favicon-16x16.png favicon-32x32.png)
if(NOT EXISTS "${DIST}/swagger-ui-bundle.js")
  message(WARNING "Swagger UI is not installed (${DIST}); /api-docs will answer 404 until `make` runs npm ci in web/")
  return()
endif()
file(MAKE_DIRECTORY "${OUT}")
foreach(f ${files})
  file(COPY_FILE "${DIST}/${f}" "${OUT}/${f}" ONLY_IF_DIFFERENT)
endforeach()
foreach(f index.html swagger-initializer.js)
  file(COPY_FILE "${PAGE}/${f}" "${OUT}/${f}" ONLY_IF_DIFFERENT)
endforeach()
