# The layering check (cmake -P): every #include "weir/..." in a module's files must name a header of the
# same module or of a module it may depend on (cmake/WeirModules.cmake). Every build runs it (target
# weir_check_layering, which each module's library waits for), so a wrong include fails the build.
#
#   cmake -DWEIR_SOURCE_ROOT=<folder holding weir/> -P cmake/WeirCheckLayering.cmake
#
# Fails listing each offending include, and each file that belongs to no declared module.
cmake_minimum_required(VERSION 3.22)  # script mode: the policies of the project (IN_LIST)
if(NOT WEIR_SOURCE_ROOT)
  message(FATAL_ERROR "WeirCheckLayering.cmake: pass -DWEIR_SOURCE_ROOT=<folder holding weir/>")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/WeirModules.cmake)

# The module a path under weir/ belongs to (the longest declared folder holding it; root files are api's),
# or "" when none does.
function(weir_module_of path out)
  set(best "")
  set(best_length 0)
  foreach(m ${WEIR_MODULES})
    string(LENGTH "${m}/" length)
    string(SUBSTRING "${path}" 0 ${length} head)
    if(head STREQUAL "${m}/" AND length GREATER best_length)
      set(best ${m})
      set(best_length ${length})
    endif()
  endforeach()
  if(best STREQUAL "" AND NOT path MATCHES "/")
    set(best api)
  endif()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE ${WEIR_SOURCE_ROOT}/weir ${WEIR_SOURCE_ROOT}/weir/*.h
     ${WEIR_SOURCE_ROOT}/weir/*.cc)
list(SORT files)
set(problems "")
foreach(file ${files})
  weir_module_of("${file}" module)
  if(module STREQUAL "")
    string(APPEND problems "\n  weir/${file}: belongs to no module "
                           "(declare its folder in cmake/WeirModules.cmake)")
    continue()
  endif()
  set(allowed ${module} ${WEIR_MODULE_DEPS_${module}})
  file(STRINGS ${WEIR_SOURCE_ROOT}/weir/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]weir/")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]weir/([^\">]*)[\">].*$" "\\1" header "${line}")
    weir_module_of("${header}" target)
    if(target STREQUAL "")
      string(APPEND problems "\n  weir/${file} includes weir/${header}, which belongs to no module")
    elseif(NOT target IN_LIST allowed)
      set(deps "${WEIR_MODULE_DEPS_${module}}")
      string(REPLACE ";" ", " deps "${deps}")
      if(deps STREQUAL "")
        set(deps "no other module")
      endif()
      string(APPEND problems "\n  weir/${file} includes weir/${header}: module ${module} may not depend on "
                             "${target} (it may depend on: ${deps})")
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "layering violation (cmake/WeirModules.cmake says what each module may depend on):"
                      "${problems}")
endif()
list(LENGTH files count)
message(STATUS "layering: ${count} files of ${WEIR_SOURCE_ROOT}/weir include only what their modules "
               "may depend on")

# The public API: what weir/weir.h reaches through its includes must not include the cluster's processes
# (JobMaster, TaskExecutor, MiniCluster, RPC, REST, HA). Templates of the API need the engine's runtime,
# state and network headers, so those are reachable; the cluster's internals are not, so a program that
# includes weir.h cannot come to depend on them by accident (tests and tools include them by name).
set(weir_internal_modules cluster/jobmanager cluster/taskmanager cluster/minicluster cluster/rpc cluster/rest
                          cluster/blob cluster/artifacts ha client)
set(pending weir.h)
set(reached "")
set(public_problems "")
while(pending)
  list(POP_FRONT pending header)
  if(header IN_LIST reached)
    continue()
  endif()
  list(APPEND reached ${header})
  if(NOT EXISTS ${WEIR_SOURCE_ROOT}/weir/${header})
    continue()  # generated (build_id.h)
  endif()
  file(STRINGS ${WEIR_SOURCE_ROOT}/weir/${header} includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]weir/")
  foreach(line ${includes})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]weir/([^\">]*)[\">].*$" "\\1" next "${line}")
    weir_module_of("${next}" target)
    if(target IN_LIST weir_internal_modules)
      string(APPEND public_problems "\n  weir/${header} includes weir/${next} (module ${target})")
    else()
      list(APPEND pending ${next})
    endif()
  endforeach()
endwhile()
if(public_problems)
  message(FATAL_ERROR "weir/weir.h reaches the cluster's internals (move the use into a .cc file, or forward-"
                      "declare):${public_problems}")
endif()
list(LENGTH reached count)
message(STATUS "public API: weir/weir.h reaches ${count} headers, none of the cluster's internals")
