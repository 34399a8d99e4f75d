#include "weir/client/rest_job.h"

#include <thread>

#include <fmt/format.h>

#include "weir/client/rest_operation.h"
#include "weir/cluster/execution_state.h"
#include "weir/common/error.h"

namespace weir::client {

namespace {

using Json = nlohmann::json;

// How often a waiting client asks for a job's state or an operation's: REST has no push.
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// The answer's body when it has status `want`; otherwise a WeirError with the JobManager's message.
Json expect(const RestReply& r, int want, const std::string& address, const std::string& what) {
  if (r.status == want) return r.body;
  throw WeirError(
      fmt::format("{}: the JobManager at {} answered {}: {}", what, address, r.status, r.error_message()));
}

}  // namespace

RestJob::RestJob(std::string address, JobId id, std::string name)
    : address_(std::move(address)), id_(id), name_(std::move(name)), rest_(address_) {}

cluster::JobStatus RestJob::parse_status(const std::string& state) {
  using cluster::JobStatus;
  for (JobStatus s : {JobStatus::kCreated, JobStatus::kRunning, JobStatus::kRestarting, JobStatus::kFailing,
                      JobStatus::kFailed, JobStatus::kCanceling, JobStatus::kCanceled, JobStatus::kFinished})
    if (state == cluster::to_string(s)) return s;
  throw WeirError(fmt::format("unknown job state '{}' from the JobManager", state));
}

Json RestJob::details() const {
  RestReply r;
  {
    std::lock_guard lock(mu_);
    r = rest_.get("/jobs/" + id_.to_string());
  }
  Json b = expect(r, 200, address_, fmt::format("job {} '{}'", id_.to_string(), name_));
  if (!b.is_object() || !b.contains("state") || !b["state"].is_string())
    throw WeirError(fmt::format("job {} '{}': the JobManager at {} answered without a state: {}",
                                id_.to_string(), name_, address_, r.text.substr(0, 200)));
  return b;
}

cluster::JobStatus RestJob::status() const {
  return parse_status(details()["state"].get<std::string>());
}

void RestJob::cancel() {
  RestReply r;
  {
    std::lock_guard lock(mu_);
    r = rest_.patch("/jobs/" + id_.to_string() + "?mode=cancel");
  }
  expect(r, 202, address_, fmt::format("canceling job {} '{}'", id_.to_string(), name_));
}

cluster::JobStatus RestJob::wait_for(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    cluster::JobStatus s = status();
    if (cluster::is_terminal(s) || std::chrono::steady_clock::now() >= deadline) return s;
    std::this_thread::sleep_for(kPollInterval);  // polling: REST has no push
  }
}

cluster::JobExecutionResult RestJob::wait() const {
  for (;;) {
    Json b = details();
    cluster::JobStatus s = parse_status(b["state"].get<std::string>());
    if (s == cluster::JobStatus::kFailed)
      throw JobExecutionError(
          fmt::format("job '{}' failed: {}", name_, b.value("failure", std::string("(no cause given)"))));
    if (s == cluster::JobStatus::kCanceled)
      throw JobCanceledError(fmt::format("job '{}' was canceled", name_));
    if (s == cluster::JobStatus::kFinished) return {id_, b.value("duration", int64_t{0})};
    std::this_thread::sleep_for(kPollInterval);  // polling: REST has no push
  }
}

std::future<std::string> RestJob::operation(const std::string& route, const Json& body,
                                            const std::string& status_route, std::string what) {
  const std::string job = "/jobs/" + id_.to_string();
  RestReply r;
  {
    std::lock_guard lock(mu_);
    r = rest_.post(job + route, body);
  }
  const std::string id = operation_request_id(expect(r, 202, address_, what), what, address_);
  std::string path = job + status_route + "/" + id;
  return std::async(std::launch::async, [address = address_, path, what = std::move(what)] {
    RestClient rest(address);
    for (;;) {
      if (auto op = completed_operation(expect(rest.get(path), 200, address, what), what, address))
        return operation_string(*op, "location", what, address);
      std::this_thread::sleep_for(kPollInterval);  // polling: REST has no push
    }
  });
}

std::future<std::string> RestJob::trigger_savepoint(const std::string& dir) {
  return operation("/savepoints", Json{{"target-directory", dir}, {"cancel-job", false}}, "/savepoints",
                   fmt::format("the savepoint of job {} into {}", id_.to_string(), dir));
}

std::future<std::string> RestJob::trigger_checkpoint() {
  return operation("/checkpoints", Json::object(), "/checkpoints",
                   fmt::format("the checkpoint of job {}", id_.to_string()));
}

std::future<std::string> RestJob::stop_with_savepoint(const std::string& dir, bool drain) {
  return operation("/stop", Json{{"targetDirectory", dir}, {"drain", drain}}, "/savepoints",
                   fmt::format("stopping job {} with a savepoint into {}", id_.to_string(), dir));
}

}  // namespace weir::client
