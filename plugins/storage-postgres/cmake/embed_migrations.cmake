# cmake -DMIGRATIONS_DIR=<dir> -DOUTPUT=<file.cpp> -P embed_migrations.cmake
#
# Writes a C++ file defining embedded_migrations() (src/migrations.hpp) from the numbered files
# <dir>/NNN_<name>.up.sql and NNN_<name>.down.sql, so the plugin's .so carries its schema and
# needs no files at run time. Refuses a gap in the numbers, a missing half of a pair, or a name
# that does not follow the pattern, so a broken set fails the build instead of a deployment.
cmake_minimum_required(VERSION 3.25)

if(NOT MIGRATIONS_DIR OR NOT OUTPUT)
  message(FATAL_ERROR "embed_migrations.cmake needs -DMIGRATIONS_DIR=... and -DOUTPUT=...")
endif()

file(GLOB files RELATIVE ${MIGRATIONS_DIR} ${MIGRATIONS_DIR}/*)
list(SORT files)
set(versions "")
foreach(file ${files})
  if(NOT file MATCHES "^([0-9][0-9][0-9])_([a-z0-9_]+)\\.(up|down)\\.sql$")
    message(FATAL_ERROR "migrations/${file}: name it NNN_<lowercase_name>.up.sql or "
                        "NNN_<lowercase_name>.down.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")  # drops the leading zeros
  set(name ${CMAKE_MATCH_2})
  set(direction ${CMAKE_MATCH_3})
  if(DEFINED name_${version} AND NOT name_${version} STREQUAL name)
    message(FATAL_ERROR "migrations: version ${version} has two names, "
                        "'${name_${version}}' and '${name}'; give both files the same name")
  endif()
  set(name_${version} ${name})
  set(${direction}_${version} ${MIGRATIONS_DIR}/${file})
  list(APPEND versions ${version})
endforeach()
list(REMOVE_DUPLICATES versions)
list(LENGTH versions count)
if(count EQUAL 0)
  message(FATAL_ERROR "migrations: no NNN_<name>.up.sql files in ${MIGRATIONS_DIR}")
endif()

set(body "")
set(delimiter "mt5b_sql")
foreach(expected RANGE 1 ${count})
  if(NOT DEFINED name_${expected})
    message(FATAL_ERROR "migrations: version ${expected} is missing; versions must run 1, 2, 3 "
                        "... without gaps")
  endif()
  foreach(direction up down)
    if(NOT DEFINED ${direction}_${expected})
      message(FATAL_ERROR "migrations: version ${expected} (${name_${expected}}) has no "
                          "${direction} file; every step needs both an up and a down")
    endif()
    file(READ ${${direction}_${expected}} sql_${direction})
    string(FIND "${sql_${direction}}" ")${delimiter}\"" clash)
    if(NOT clash EQUAL -1)
      message(FATAL_ERROR "${${direction}_${expected}} contains ')${delimiter}\"', which ends "
                          "the C++ raw string it is embedded in; rephrase that text")
    endif()
  endforeach()
  string(APPEND body
    "    {${expected}, \"${name_${expected}}\",\n"
    "     R\"${delimiter}(${sql_up})${delimiter}\",\n"
    "     R\"${delimiter}(${sql_down})${delimiter}\"},\n")
endforeach()

set(content "// Generated from plugins/storage-postgres/migrations/*.sql by embed_migrations.cmake.
// Do not edit: edit the .sql files and rebuild.
#include \"migrations.hpp\"

namespace mt5b::storage_postgres {
namespace {

constexpr EmbeddedMigration kEmbeddedMigrations[] = {
${body}};

}  // namespace

std::span<const EmbeddedMigration> embedded_migrations() {
  return kEmbeddedMigrations;
}

}  // namespace mt5b::storage_postgres
")

# Rewrite only on change, so an unrelated reconfigure does not recompile the plugin.
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} previous)
  if(previous STREQUAL content)
    return()
  endif()
endif()
file(WRITE ${OUTPUT} "${content}")
