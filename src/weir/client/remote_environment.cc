#include "weir/client/remote_environment.h"

#include <filesystem>

#include <fmt/format.h>

#include "weir/client/job_upload.h"
#include "weir/client/rest_client.h"
#include "weir/client/rest_job.h"
#include "weir/common/error.h"

namespace weir {

namespace {

using Json = nlohmann::json;

// Submits to one JobManager: uploads the job library, then POST /jobs with the program's plan.
class RemoteExecutor : public PipelineExecutor {
 public:
  RemoteExecutor(std::string address, std::string library, std::vector<std::string> args)
      : address_(std::move(address)), library_(std::move(library)), args_(std::move(args)) {}

  std::shared_ptr<ExecutedJob> execute(const graph::JobGraph& graph, const Configuration& config) override {
    const std::string file = std::filesystem::path(library_).filename().string();
    client::RestClient rest(address_);
    const std::string blob_key = client::upload_job_library(rest, library_);
    Json spec = {{"kind", "library"},         {"name", file},
                 {"blob-key", blob_key},      {"args", args_},
                 {"config", config.values()}, {"expected-plan", graph.describe()}};
    auto reply = rest.post("/jobs", spec);
    if (reply.status != 202 || !reply.body.is_object() || !reply.body.contains("jobid") ||
        !reply.body["jobid"].is_string())
      throw WeirError(fmt::format("the JobManager at {} refused job '{}' (job library {}): {}", address_,
                                  graph.name, library_, reply.error_message()));
    auto id = JobId::parse(reply.body["jobid"].get<std::string>());
    if (!id)
      throw WeirError(fmt::format("the JobManager at {} answered job id '{}', which is not a job id",
                                  address_, reply.body["jobid"].get<std::string>()));
    return std::make_shared<client::RestJob>(address_, *id, graph.name);
  }

 private:
  std::string address_;
  std::string library_;
  std::vector<std::string> args_;
};

}  // namespace

std::unique_ptr<StreamExecutionEnvironment> create_remote_environment(const std::string& host, int port,
                                                                      const std::string& job_library,
                                                                      std::vector<std::string> program_args,
                                                                      Configuration config) {
  if (host.empty()) throw ConfigError("create_remote_environment: the JobManager's host is empty");
  if (port < 1 || port > 65535)
    throw ConfigError(fmt::format(
        "create_remote_environment: port {} is not a port (1..65535; the JobManager's rest.port)", port));
  if (job_library.empty())
    throw ConfigError(
        "create_remote_environment: no job library (the cluster builds the job from it: docs/jobs.md)");
  auto env = std::make_unique<StreamExecutionEnvironment>(std::move(config));
  env->set_executor(std::make_shared<RemoteExecutor>(fmt::format("{}:{}", host, port), job_library,
                                                     std::move(program_args)));
  return env;
}

}  // namespace weir
