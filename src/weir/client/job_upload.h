#pragma once
// Uploading a job library (or a Python job's archive) to a JobManager (`POST /jars/upload`, Flink's jar
// upload): what `weir run
// --jobmanager` and the remote environment send before they submit the job that names it.
//
// Threading: as RestClient (one thread at a time per client).
#include <string>

#include "weir/client/rest_client.h"

namespace weir::client {

//! Uploads `bytes` as `name` (a job library, a Python job's archive); returns the blob key the JobManager
//! stored them under. WeirError with the JobManager's message, naming `what`, when it refuses them.
std::string upload_artifact(RestClient& rest, const std::string& name, const std::string& bytes,
                            const std::string& what);

//! Reads the job library at `path` and uploads it; returns the blob key the JobManager stored it under.
//! WeirError naming the file when it cannot be read, and the JobManager's message when it refuses it.
std::string upload_job_library(RestClient& rest, const std::string& path);

}  // namespace weir::client
