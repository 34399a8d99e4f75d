#include "weir/ha/job_result_store.h"

#include <zookeeper/zookeeper.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace weir::ha {

std::string_view to_string(JobTerminalState s) {
  switch (s) {
    case JobTerminalState::kFinished:
      return "FINISHED";
    case JobTerminalState::kCanceled:
      return "CANCELED";
    case JobTerminalState::kFailed:
      return "FAILED";
  }
  return "?";
}

namespace {

std::string encode(const JobResult& r) {
  return nlohmann::json{{"state", std::string(to_string(r.state))}, {"error", r.error}, {"clean", r.clean}}
      .dump();
}

}  // namespace

JobResult decode_job_result(const JobId& job, const std::string& bytes, const std::string& node) {
  try {
    auto j = nlohmann::json::parse(bytes);
    JobResult r;
    r.job = job;
    std::string state = j.at("state").get<std::string>();
    if (state == "FINISHED")
      r.state = JobTerminalState::kFinished;
    else if (state == "CANCELED")
      r.state = JobTerminalState::kCanceled;
    else if (state == "FAILED")
      r.state = JobTerminalState::kFailed;
    else
      throw ZooKeeperError(ZMARSHALLINGERROR, "read job result", node, "unknown state '" + state + "'");
    r.error = j.at("error").get<std::string>();
    r.clean = j.at("clean").get<bool>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw ZooKeeperError(ZMARSHALLINGERROR, "read job result", node,
                         std::string("not a job result: ") + e.what());
  }
}

void JobResultStore::put(const JobResult& result, const LeaderFence& fence) {
  zk_.create_parents(paths_.job_results_dir());
  JobResult r = result;
  r.clean = false;
  fenced_multi(zk_, fence, {ZooKeeperOp::create(paths_.job_result(result.job), encode(r))},
               "store the result of job " + result.job.to_string());
}

void JobResultStore::mark_clean(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.job_result(job);
  while (true) {
    auto got = zk_.get(node);
    if (!got) throw ZooKeeperError(ZNONODE, "mark job result clean", node, "the job has no result");
    JobResult r = decode_job_result(job, got->first, node);
    if (r.clean) return;
    r.clean = true;
    try {
      fenced_multi(zk_, fence, {ZooKeeperOp::set(node, encode(r), got->second.version)},
                   "mark job result clean");
      return;
    } catch (const MultiOpError& e) {
      if (!e.bad_version()) throw;
    }
  }
}

std::optional<JobResult> JobResultStore::get(const JobId& job) {
  std::string node = paths_.job_result(job);
  auto got = zk_.get(node);
  if (!got) return std::nullopt;
  return decode_job_result(job, got->first, node);
}

std::vector<JobResult> JobResultStore::list() {
  std::vector<std::string> names;
  try {
    names = zk_.children(paths_.job_results_dir());
  } catch (const ZooKeeperError& e) {
    if (e.no_node()) return {};
    throw;
  }
  std::vector<JobResult> out;
  for (const auto& n : names)
    if (auto id = JobId::parse(n))
      if (auto r = get(*id)) out.push_back(*r);
  std::sort(out.begin(), out.end(), [](const JobResult& a, const JobResult& b) { return a.job < b.job; });
  return out;
}

void JobResultStore::remove(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.job_result(job);
  if (!zk_.exists(node)) return;
  try {
    fenced_multi(zk_, fence, {ZooKeeperOp::remove(node)}, "remove the result of job " + job.to_string());
  } catch (const MultiOpError& e) {
    if (!e.no_node()) throw;
  }
}

}  // namespace weir::ha
