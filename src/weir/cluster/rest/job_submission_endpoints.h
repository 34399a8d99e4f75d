#pragma once
// Job submission over REST, what `weir run` and `weir nexmark --jobmanager` call (Flink's CLI submits
// through the REST API too):
//   POST /jobs  body {"kind": "builtin" | "library", "name": "...", "blob-key": "...",
//                     "args": ["..."], "config": {"key": "value"}, "expected-plan": "..."}
//               ->  {"jobid": "..."}
//   ("expected-plan", from a remote environment: the submitting program's JobGraph::describe(); the job is
//   refused, naming the first differing line, when the plan built from the spec differs)
//   POST /jars/upload?name=FILE  body: the job library's bytes  ->  {"blob-key": "...", "filename": "..."}
//   (stored content-addressed in the JobManager's blob store; a library job's spec names the key)
//   The bytes must be a job library (an ELF shared object) or a Python job's zip archive (its script at the
//   root: `weir run --python` and the web UI make it); anything else is a 400 saying so. A body over
//   rest.server.max-content-length is a 413 (RestServer::set_max_body_bytes).
// A spec the JobManager cannot plan (unknown builtin, bad arguments or configuration, a library that does
// not load) is a 400 naming the problem; the job is not created.
//
// Threading: handlers run on the REST server's threads; `submit` must be thread-safe.
#include <functional>

#include "weir/cluster/rest/rest_server.h"
#include "weir/cluster/rpc/cluster.pb.h"
#include "weir/common/ids.h"

namespace weir::cluster::rest {

class JobSubmissionEndpoints {
 public:
  using Submit = std::function<JobId(const weir::rpc::JobSpec&)>;
  //! Stores an uploaded artifact and returns its blob key.
  using Store = std::function<std::string(const std::string& bytes)>;
  JobSubmissionEndpoints(Submit submit, Store store) : submit_(std::move(submit)), store_(std::move(store)) {}
  void add_routes(RestServer& server) const;

  //! The spec a POST /jobs body describes; RestError(400) naming a missing or mistyped field.
  static weir::rpc::JobSpec parse_spec(const nlohmann::json& body);
  //! The body that parse_spec() reads back (the client's side).
  static nlohmann::json to_json(const weir::rpc::JobSpec& spec);

 private:
  Submit submit_;
  Store store_;
};

}  // namespace weir::cluster::rest
