# shale_add_tests(DIR [LABEL label] LIBS lib...): every DIR/*_test.cc becomes one GoogleTest
# executable and one ctest test named after the file, labelled `unit` unless LABEL says
# otherwise (`crash`, `integration`, `slow`). Globbing (re-checked at build time) lets engineers
# add tests without editing CMake files that others are editing too.
function(shale_add_tests dir)
  cmake_parse_arguments(ARG "" "LABEL" "LIBS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  file(GLOB _tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  foreach(_src ${_tests})
    get_filename_component(_name ${_src} NAME_WE)
    add_executable(${_name} ${_src})
    target_link_libraries(${_name} PRIVATE ${ARG_LIBS} shale_test_support GTest::gmock
                                           GTest::gtest_main)
    add_test(NAME ${_name} COMMAND ${_name})
    set_tests_properties(${_name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT 900)
  endforeach()
endfunction()

# shale_library(NAME DIR LIBS...): a static library from DIR/*.cc (recursively), main.cc excluded.
function(shale_library name dir)
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  list(FILTER _srcs EXCLUDE REGEX ".*/main\\.cc$")
  if(_srcs)
    add_library(${name} STATIC ${_srcs})
    target_link_libraries(${name} PUBLIC ${ARGN})
  else()
    # A layer whose first sources have not landed yet still links as a dependency.
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${ARGN})
  endif()
endfunction()
