# Warnings are errors everywhere: a warning ignored today is a bug shipped tomorrow.
add_compile_options(-Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports -Wrestrict on plain `"literal" + std::string` at -O2 (GCC bug 105329, fixed
  # in 13): a false positive that would otherwise forbid ordinary string code.
  add_compile_options(-Wno-restrict)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang 14 only enables Asio's co_await support when told to.
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1)
endif()
if(SHALE_SANITIZE)
  add_compile_options(-fsanitize=${SHALE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SHALE_SANITIZE})
endif()
if(SHALE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHALE_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND (SHALE_FUZZ OR SHALE_SANITIZE MATCHES "undefined"))
  # clang 14's -fsanitize=function cannot compile C++20 coroutines ("Cannot represent a
  # difference across sections", e.g. storage/node_server.cc); the other UBSan checks stay.
  add_compile_options(-fno-sanitize=function)
endif()
# Every include is rooted at the repository: #include "storage/segment_writer.h".
include_directories(${PROJECT_SOURCE_DIR})
