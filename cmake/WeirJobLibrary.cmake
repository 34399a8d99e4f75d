# C++ job libraries (DESIGN.md section 2, docs/jobs.md).
#
# One copy of Weir per process: a job library is built WITHOUT Weir's code. Weir's symbols stay undefined
# in it and bind, when the library is loaded, to the copy in the process that loads it (the `weir`
# executable, or a test binary). That process exports its symbols (-rdynamic) and links all of
# weir_core's libraries (whole archive), so whatever a library calls is there. The plan context, the
# configuration registry and every other global therefore exist once, and Weir itself is still linked
# statically (no -fPIC code or PLT calls on its hot paths).
#
# Job libraries bind their own functions locally (-Bsymbolic-functions: a user function named like one of
# the executable's is still the library's own) while data (static locals of Weir's inline functions,
# vtables, type infos) binds to the process's copy.

#! weir_add_job_library(name sources...): a loadable job library lib<name>.so. Its sources include Weir's
#! headers and export their main with WEIR_JOB_MAIN (weir/api/job_entry_point.h).
function(weir_add_job_library name)
  add_library(${name} MODULE ${ARGN})
  target_include_directories(${name} PRIVATE $<TARGET_PROPERTY:weir_core,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(${name} PRIVATE $<TARGET_PROPERTY:weir_core,INTERFACE_COMPILE_DEFINITIONS>)
  target_compile_options(${name} PRIVATE $<TARGET_PROPERTY:weir_core,INTERFACE_COMPILE_OPTIONS>)
  target_link_options(${name} PRIVATE -Wl,-Bsymbolic-functions)
  set_target_properties(${name} PROPERTIES PREFIX "lib" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/jobs)
  # Built after weir_core's libraries, so a library never outpaces the Weir it is meant for.
  foreach(module ${WEIR_CORE_MODULES})
    add_dependencies(${name} ${WEIR_MODULE_TARGET_${module}})
  endforeach()
endfunction()

#! weir_enable_job_libraries(target): lets executable `target` load job libraries (JobLibrary::load):
#! exports its symbols and links all of weir_core.
function(weir_enable_job_libraries target)
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  # weir_core's module archives whole, once, ahead of the objects; later mentions of them (through other
  # libraries) then pull nothing more. ($<LINK_LIBRARY:WHOLE_ARCHIVE> would repeat them at every mention:
  # duplicate symbols.) Header-only modules have no archive.
  set(archives "")
  foreach(module ${WEIR_CORE_MODULES})
    get_target_property(type ${WEIR_MODULE_TARGET_${module}} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      string(APPEND archives " $<TARGET_FILE:${WEIR_MODULE_TARGET_${module}}>")
    endif()
  endforeach()
  target_link_options(${target} PRIVATE "SHELL:-Wl,--whole-archive${archives} -Wl,--no-whole-archive")
  target_link_libraries(${target} PRIVATE weir_core)
endfunction()
