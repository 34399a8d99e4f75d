# Runs the layering check (cmake/WeirCheckLayering.cmake) on small source trees and asserts its verdict:
# a clean tree passes; an upward include, a TaskManager file including the JobManager, a folder that
# belongs to no module, and weir.h reaching a header of the cluster's internals each fail with a message
# naming the file and the rule.
#   cmake -DWEIR_PROJECT_ROOT=<repository> -P tests/layering/check_layering_test.cmake
cmake_minimum_required(VERSION 3.22)
set(checker ${WEIR_PROJECT_ROOT}/cmake/WeirCheckLayering.cmake)
set(fixtures ${WEIR_PROJECT_ROOT}/tests/layering)

# expect_check(<tree> <whether it passes> <text the output must hold, in pieces joined without spaces>...)
function(expect_check tree want_ok)
  string(CONCAT want_message ${ARGN})
  execute_process(COMMAND ${CMAKE_COMMAND} -DWEIR_SOURCE_ROOT=${fixtures}/${tree} -P ${checker}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(text "${out}${err}")
  if(want_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "${tree}: the check failed, but the tree is clean:\n${text}")
  elseif(NOT want_ok AND rc EQUAL 0)
    message(FATAL_ERROR "${tree}: the check passed, but the tree breaks the layering:\n${text}")
  endif()
  string(FIND "${text}" "${want_message}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${tree}: expected \"${want_message}\" in the check's output:\n${text}")
  endif()
  message(STATUS "${tree}: as expected")
endfunction()

expect_check(clean TRUE "layering: 2 files")
expect_check(upward FALSE
             "weir/common/upward.h includes weir/api/environment.h: module common may not depend on api")
expect_check(sideways FALSE "weir/cluster/taskmanager/task.cc includes "
             "weir/cluster/jobmanager/checkpoint_coordinator.h: module cluster/taskmanager may not depend on "
             "cluster/jobmanager")
expect_check(unknown FALSE "weir/newmodule/thing.h: belongs to no module")
expect_check(internal_in_public FALSE "weir/weir.h reaches the cluster's internals")
expect_check(internal_in_public FALSE
             "weir/api/environment.h includes weir/cluster/minicluster/mini_cluster.h (module cluster/minicluster)")
