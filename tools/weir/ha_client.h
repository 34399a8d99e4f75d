#pragma once
// Clients of an HA cluster (high-availability.type: zookeeper in their configuration) find the leading
// JobManager's REST API through ZooKeeper instead of a fixed --jobmanager address.
#include <optional>
#include <string>

#include "weir/common/config.h"

namespace weir::cli {

//! The leader's REST address (HOST:PORT) as published in ZooKeeper, waiting up to the ZooKeeper connection
//! timeout for one to be elected; nullopt when `conf` does not configure ZooKeeper HA. Throws WeirError when
//! ZooKeeper cannot be reached or names no leader in time.
std::optional<std::string> leader_rest_address(const Configuration& conf);

//! `jobmanager` when given; else the leader's REST address when `conf` configures ZooKeeper HA (and that
//! configuration is remembered for leader_after_failure()); else "".
std::string resolve_jobmanager(const std::string& jobmanager, const Configuration& conf);

//! A client following a job lost its JobManager (no answer, 503, or the job unknown for now): with the HA
//! configuration resolve_jobmanager() found the leader with, the REST address of whoever leads now (waiting
//! for an election up to the connection timeout); nullopt without HA.
std::optional<std::string> leader_after_failure();

}  // namespace weir::cli
