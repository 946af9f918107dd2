# Proves the host's layers hold (docs/architecture.md, "Layers"): with the include path the build
# gives a layer's own sources, a header of any layer above it in LAYERS is not found, and a header
# of the layer itself is. ctest runs it (tests/layering/CMakeLists.txt) as
#   cmake -DLAYERS=<bottom,...,top> -DINCLUDES_<layer>=<that target's include directories>
#         -DSOURCE_ROOT=<host> -DCXX=<compiler> -DWORK=<dir> -P check_layers.cmake
# INCLUDES_<layer> is $<TARGET_PROPERTY:mt5bridge_<layer>,INCLUDE_DIRECTORIES>: the directories
# the real build uses, its links included, so a wrong-way link makes this fail too.
cmake_minimum_required(VERSION 3.25)
foreach(var CXX SOURCE_ROOT LAYERS WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_layers.cmake needs -D${var}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK})
string(REPLACE "," ";" LAYERS "${LAYERS}")

set(failures "")
set(checked 0)
set(below "")
foreach(layer IN LISTS LAYERS)
  set(flags "")
  foreach(dir IN LISTS INCLUDES_${layer})
    list(APPEND flags "-I${dir}")
  endforeach()
  foreach(other IN LISTS LAYERS)
    file(GLOB_RECURSE headers RELATIVE ${SOURCE_ROOT} ${SOURCE_ROOT}/${other}/*.hpp)
    list(SORT headers)
    list(GET headers 0 header)
    set(probe ${WORK}/${layer}_includes_${other}.cpp)
    file(WRITE ${probe} "#include \"${header}\"\n")
    # -M -MG lists what the include resolves to without compiling it (a missing header is named
    # as written instead of failing); without the C++ library's headers a probe is quick.
    execute_process(COMMAND ${CXX} -std=c++20 -M -MG -nostdinc++ ${flags} ${probe}
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    string(REGEX MATCH "[^ \t\n\\\\]*/${header}" resolved "${out}")
    math(EXPR checked "${checked} + 1")
    if(NOT rc EQUAL 0)
      list(APPEND failures "${layer} -> ${other}: the preprocessor failed: ${err}")
    elseif(other STREQUAL layer AND NOT resolved)
      list(APPEND failures "${layer} cannot include its own ${header}: the probe is broken")
    elseif(resolved AND NOT other STREQUAL layer AND NOT other IN_LIST below)
      list(APPEND failures "${layer} can include ${header} (${resolved}) from a layer above it")
    endif()
  endforeach()
  list(APPEND below ${layer})
endforeach()
if(failures)
  string(REPLACE ";" "\n  " text "${failures}")
  message(FATAL_ERROR "host layering broken:\n  ${text}")
endif()
message(STATUS "host layering holds: ${checked} layer pairs checked")
