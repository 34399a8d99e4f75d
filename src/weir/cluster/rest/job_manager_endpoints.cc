#include "weir/cluster/rest/job_manager_endpoints.h"

#include <fmt/format.h>

#include "weir/cluster/rest/job_metrics.h"
#include "weir/cluster/rest/rest_options.h"
#include "weir/cluster/rest/web_ui.h"
#include "weir/common/millis_since.h"

namespace weir::cluster::rest {

namespace {

using rpc::TaskManagerRecord;
using rpc::TaskManagerStatus;
using Json = nlohmann::json;

struct SlotCounts {
  int task_managers = 0;  // alive ones
  int total = 0;
  int available = 0;  // slots no job holds
};

SlotCounts count_slots(const std::vector<TaskManagerRecord>& alive, const std::map<std::string, int>& free) {
  SlotCounts c;
  for (const auto& r : alive) {
    ++c.task_managers;
    c.total += r.num_slots;
    if (auto it = free.find(r.id); it != free.end()) c.available += it->second;
  }
  return c;
}

}  // namespace

const char* weir_version() {
  return WEIR_VERSION;
}

JobManagerEndpoints::JobManagerEndpoints(const rpc::TaskManagerRegistry& registry, Configuration conf,
                                         Dispatcher* dispatcher, rpc::JobManagerServer* server)
    : registry_(registry),
      conf_(std::move(conf)),
      dispatcher_(dispatcher),
      server_(server),
      jobs_(std::make_unique<JobEndpoints>(dispatcher, conf_.get_duration(options::kRestAsyncStoreDuration))),
      task_managers_(registry, server) {}

JobManagerEndpoints::~JobManagerEndpoints() = default;

Json JobManagerEndpoints::overview() const {
  SlotCounts c = count_slots(registry_.alive(), task_managers_.free_slots());
  JobCounts j = dispatcher_ ? count_jobs(*dispatcher_) : JobCounts{};
  return Json{{"taskmanagers", c.task_managers}, {"slots-total", c.total},
              {"slots-available", c.available},  {"jobs-running", j.running},
              {"jobs-finished", j.finished},     {"jobs-cancelled", j.canceled},
              {"jobs-failed", j.failed},         {"weir-version", weir_version()}};
}

Json JobManagerEndpoints::task_managers() const {
  return task_managers_.list();
}

std::string JobManagerEndpoints::metrics() const {
  SlotCounts c = count_slots(registry_.alive(), task_managers_.free_slots());
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, double value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  metric("weir_jobmanager_taskmanagers_registered", "gauge", "TaskManagers registered and alive.",
         c.task_managers);
  metric("weir_jobmanager_taskmanagers_lost_total", "counter",
         "TaskManagers marked lost after heartbeat.timeout without a heartbeat.",
         static_cast<double>(registry_.lost_total()));
  metric("weir_jobmanager_slots_total", "gauge", "Task slots of the alive TaskManagers.", c.total);
  metric("weir_jobmanager_slots_available", "gauge", "Offered task slots no job holds.", c.available);
  metric("weir_jobmanager_jobs_running", "gauge", "Jobs running on the cluster.",
         dispatcher_ ? count_jobs(*dispatcher_).running : 0);
  metric("weir_jobmanager_uptime_seconds", "gauge", "Seconds since the JobManager started.",
         static_cast<double>(millis_since(started_)) / 1000.0);
  if (dispatcher_) out += job_metrics(*dispatcher_);
  return out;
}

void JobManagerEndpoints::add_routes(RestServer& server) const {
  server.add_route("GET", "/overview", [this](const RestRequest&) { return RestResponse::json(overview()); });
  server.add_route("GET", "/config", [this](const RestRequest&) {
    return RestResponse::json(
        Json{{"refresh-interval", 3000},
             {"weir-version", weir_version()},
             {"features", Json{{"web-submit", server_ != nullptr}, {"web-cancel", true}}},
             {"upload-max-bytes", conf_.get_memory(options::kRestMaxContentLength, true)}});
  });
  // The effective configuration, explicitly set keys only (Flink's /jobmanager/config shape).
  server.add_route("GET", "/jobmanager/config", [this](const RestRequest&) {
    Json list = Json::array();
    for (const auto& [key, value] : conf_.values()) list.push_back(Json{{"key", key}, {"value", value}});
    return RestResponse::json(list);
  });
  task_managers_.add_routes(server);
  jobs_->add_routes(server);
  server.add_route("GET", "/metrics", [this](const RestRequest&) {
    return RestResponse::text(metrics(), "text/plain; version=0.0.4");
  });
  add_web_ui_routes(server);
}

}  // namespace weir::cluster::rest
