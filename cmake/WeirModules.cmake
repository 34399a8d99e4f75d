# Weir's modules and what each may depend on: the one place the layering is written down
# (docs/dev/architecture.md draws it). It drives both
#  - the libraries: weir_add_module() links each module's library to exactly the modules listed here, and
#  - the include check (cmake/WeirCheckLayering.cmake, run by every build): a file of a module may include
#    headers of its own module and of the modules listed here, nothing else.
# Linking alone would not catch a header-only include of a higher module; the check does.
#
# weir_module(<folder under src/weir> <library> <modules it may depend on...>)
# A module may only name modules declared above it, so the graph has no cycles by construction.
# A file belongs to the module with the longest folder that contains it (cluster/rpc/x.h is cluster/rpc's,
# cluster/gateways.h is cluster's); the files at the root of src/weir (weir.h) count as api's.
# Keep each module's README ("May depend on:") in step with its line here.

set(WEIR_MODULES "")
macro(weir_module dir target)
  if(DEFINED WEIR_MODULE_TARGET_${dir})
    message(FATAL_ERROR "WeirModules.cmake: module ${dir} is declared twice")
  endif()
  foreach(_weir_dep ${ARGN})
    if(NOT _weir_dep IN_LIST WEIR_MODULES)
      message(FATAL_ERROR "WeirModules.cmake: ${dir} depends on ${_weir_dep}, which is not declared above it "
                          "(a module may only depend on modules below it in the layering)")
    endif()
  endforeach()
  list(APPEND WEIR_MODULES ${dir})
  set(WEIR_MODULE_TARGET_${dir} ${target})
  set(WEIR_MODULE_DEPS_${dir} ${ARGN})
endmacro()

# The engine, bottom up.
weir_module(common              weir_common)
weir_module(fs                  weir_fs                  common)
weir_module(network             weir_network             common)
weir_module(state               weir_state               common fs)
weir_module(checkpoint          weir_checkpoint          common fs)
weir_module(runtime             weir_runtime             common network state checkpoint)
weir_module(functions           weir_functions           common state runtime)
weir_module(graph               weir_graph               common runtime)
weir_module(connectors          weir_connectors          common fs checkpoint functions)
weir_module(cluster             weir_cluster_gateways    common checkpoint graph)
weir_module(cluster/jobmanager  weir_cluster_jobmanager  common checkpoint graph cluster)
weir_module(cluster/taskmanager weir_cluster_taskmanager common network state checkpoint runtime graph
                                                         cluster)
weir_module(cluster/minicluster weir_cluster_minicluster common cluster cluster/jobmanager
                                                         cluster/taskmanager)
weir_module(api                 weir_api                 common fs state checkpoint runtime functions graph
                                                         connectors cluster cluster/minicluster)
weir_module(nexmark             weir_nexmark             common graph cluster/minicluster api connectors)
# The Kafka connector (src/weir/connectors/kafka/README.md): links librdkafka, so it stays out of weir_core
# like weir_ha; programs that read or write Kafka link weir_connectors_kafka.
weir_module(connectors/kafka    weir_connectors_kafka    common checkpoint functions connectors)
# Nexmark over Kafka (src/weir/nexmark/kafka/README.md): the nexmark module's kafka: sources and sinks, installed
# by the `weir` binary into nexmark's registry (kafka_io.h), so weir_core stays without librdkafka.
weir_module(nexmark/kafka       weir_nexmark_kafka       common functions api connectors nexmark
                                                         connectors/kafka)
# The distributed cluster's processes: gRPC, REST, the blob store and the job library loader, kept out of
# weir_core so that programs which only embed Weir do not pull in gRPC.
# High availability on ZooKeeper (src/weir/ha/README.md): leader election and retrieval, the HA stores. Declared
# before the cluster's processes so that their wiring (cluster/rpc, cluster/rest) may use it.
weir_module(ha                  weir_ha                  common fs)
weir_module(cluster/blob        weir_blob                common fs)
weir_module(cluster/artifacts   weir_job_loader          common graph api)
weir_module(cluster/rpc         weir_rpc                 common network graph cluster cluster/jobmanager
                                                         cluster/taskmanager cluster/blob cluster/artifacts checkpoint ha)
weir_module(cluster/rest        weir_rest                common fs runtime cluster/jobmanager cluster/taskmanager
                                                         cluster/rpc)
# The client of a running cluster (src/weir/client/README.md): the REST client and the remote environment
# (create_remote_environment), above api; it needs neither gRPC nor the cluster's processes.
weir_module(client              weir_client              common graph cluster api)

# What weir_core stands for: the engine without the distributed cluster's processes. Tools, tests,
# examples, benchmarks and the Python module link it.
set(WEIR_CORE_MODULES common fs network state checkpoint runtime functions graph connectors cluster
                      cluster/jobmanager cluster/taskmanager cluster/minicluster api client nexmark)

#! weir_add_module(<folder> [sources...]): the library of module <folder> (declared above): a static library
#! of the sources, or an INTERFACE library when the module is header-only. It links (PUBLIC) exactly the
#! modules it may depend on. Its build waits for the layering check.
function(weir_add_module dir)
  if(NOT DEFINED WEIR_MODULE_TARGET_${dir})
    message(FATAL_ERROR "weir_add_module(${dir}): not declared in cmake/WeirModules.cmake")
  endif()
  set(target ${WEIR_MODULE_TARGET_${dir}})
  if(ARGN)
    add_library(${target} STATIC ${ARGN})
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} ${PROJECT_SOURCE_DIR}/src)
  foreach(dep ${WEIR_MODULE_DEPS_${dir}})
    target_link_libraries(${target} ${scope} ${WEIR_MODULE_TARGET_${dep}})
  endforeach()
  add_dependencies(${target} weir_check_layering)
endfunction()
