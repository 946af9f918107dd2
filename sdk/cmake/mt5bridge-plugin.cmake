# mt5bridge_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
# Builds a loadable plugin `<name>.so` with hidden visibility, so the entry symbol is the only
# one it exports. In the mt5bridge tree the output lands in build/plugins/.
function(mt5bridge_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  if(TARGET mt5bridge::sdk)
    target_link_libraries(${name} PRIVATE mt5bridge::sdk ${ARG_LIBRARIES})
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Export the entry symbol and nothing else, not even weak template instantiations.
  set(_script ${CMAKE_CURRENT_BINARY_DIR}/${name}.exports)
  file(WRITE ${_script} "{ global: mt5b_plugin_entry; local: *; };\n")
  target_link_options(${name} PRIVATE "LINKER:--version-script=${_script}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${_script})
  if(DEFINED MT5BRIDGE_PLUGIN_OUTPUT_DIR)
    # In the mt5bridge tree: next to the host binary, and installed where the host looks.
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${MT5BRIDGE_PLUGIN_OUTPUT_DIR})
    install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/mt5bridge/plugins
            COMPONENT host)
  endif()
endfunction()
