#include "weir/cluster/rest/task_manager_endpoints.h"

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/millis_since.h"

namespace weir::cluster::rest {

namespace {

using Json = nlohmann::json;
using rpc::TaskManagerRecord;

constexpr int64_t kDefaultLogBytes = int64_t{1} << 20;
constexpr int64_t kMaxLogBytes = int64_t{16} << 20;

// Flink's field names where Flink has the field (`dataPort`, `slotsNumber`, `freeSlots`,
// `timeSinceLastHeartbeat`), plus the registry's status.
Json summary_json(const TaskManagerRecord& r, int free) {
  return Json{{"id", r.id},
              {"address", r.rpc_address},
              {"dataPort", r.data_port},
              {"slotsNumber", r.num_slots},
              {"freeSlots", free},
              {"timeSinceLastHeartbeat", millis_since(r.last_heartbeat)},
              {"status", rpc::to_string(r.status)}};
}

int64_t max_log_bytes(const RestRequest& req) {
  auto text = req.query_param("max-bytes");
  if (!text) return kDefaultLogBytes;
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(*text, &used);
  } catch (const std::exception&) {
  }
  if (used != text->size() || v <= 0 || v > kMaxLogBytes)
    throw RestError(
        400, fmt::format("max-bytes must be a number of bytes from 1 to {}, not '{}'", kMaxLogBytes, *text));
  return v;
}

}  // namespace

std::map<std::string, int> TaskManagerEndpoints::free_slots() const {
  std::map<std::string, int> out;
  if (server_) {
    for (const auto& [id, slots] : server_->resource_manager().slots_by_task_manager()) out[id] = slots.free;
    return out;
  }
  for (const auto& r : registry_.alive()) out[r.id] = static_cast<int>(r.offered_slots.size());
  return out;
}

Json TaskManagerEndpoints::list() const {
  auto free = free_slots();
  Json list = Json::array();
  for (const auto& r : registry_.all()) {
    auto it = free.find(r.id);
    list.push_back(
        summary_json(r, r.status == rpc::TaskManagerStatus::kAlive && it != free.end() ? it->second : 0));
  }
  return Json{{"taskmanagers", list}};
}

const TaskManagerRecord& TaskManagerEndpoints::find(const std::vector<TaskManagerRecord>& all,
                                                    const std::string& id) const {
  for (const auto& r : all)
    if (r.id == id) return r;
  throw RestError(404, fmt::format("TaskManager {} not found", id));
}

std::shared_ptr<rpc::RemoteTaskExecutor> TaskManagerEndpoints::executor(const TaskManagerRecord& r) const {
  if (r.status != rpc::TaskManagerStatus::kAlive)
    throw RestError(409, fmt::format("TaskManager {} is {}: it cannot be asked for its details or logs", r.id,
                                     rpc::to_string(r.status)));
  auto te = server_ ? server_->task_executor(r.id) : nullptr;
  if (!te)
    throw RestError(409,
                    fmt::format("TaskManager {} has not offered its slots yet: ask again in a moment", r.id));
  return te;
}

Json TaskManagerEndpoints::details(const TaskManagerRecord& r) const {
  auto free = free_slots();
  auto it = free.find(r.id);
  int free_slots = r.status == rpc::TaskManagerStatus::kAlive && it != free.end() ? it->second : 0;
  Json j = summary_json(r, free_slots);
  j["usedSlots"] = r.status == rpc::TaskManagerStatus::kAlive && it != free.end()
                       ? static_cast<int>(r.offered_slots.size()) - free_slots
                       : 0;
  if (r.status != rpc::TaskManagerStatus::kAlive || !server_ || !server_->task_executor(r.id)) {
    j["metrics"] = nullptr;
    return j;
  }
  weir::rpc::TaskManagerDetailsResponse d;
  try {
    d = executor(r)->details();
  } catch (const WeirError& e) {
    j["metrics"] = nullptr;
    j["error"] = e.what();
    return j;
  }
  const int slots = std::max(1, d.num_slots());
  const int64_t per_slot = d.managed_memory_bytes() / slots;
  j["uptime"] = d.uptime_ms();
  j["metrics"] = Json{{"rssBytes", d.rss_bytes()},
                      {"peakRssBytes", d.peak_rss_bytes()},
                      {"networkSegmentSize", d.network_segment_size()},
                      {"networkBuffersInUse", d.network_buffers_in_use()},
                      {"networkBuffersPeak", d.network_buffers_peak()},
                      {"networkBuffersTotal", d.network_buffers_capacity()},
                      {"managedMemoryBytes", d.managed_memory_bytes()},
                      {"managedMemoryPerSlotBytes", per_slot},
                      {"managedMemoryReservedBytes", per_slot * j["usedSlots"].get<int>()},
                      {"runningTasks", d.running_tasks()}};
  Json tasks = Json::array();
  for (const auto& t : d.tasks())
    tasks.push_back(Json{{"jobId", t.job_id()},
                         {"vertex", t.vertex()},
                         {"subtask", t.subtask()},
                         {"attempt", t.attempt()},
                         {"status", t.state()},
                         {"read-records", t.records_in()},
                         {"write-records", t.records_out()},
                         {"backpressured-ms", t.backpressured_ns() / 1'000'000},
                         {"idle-ms", t.idle_ns() / 1'000'000}});
  j["tasks"] = tasks;
  Json logs = Json::array();
  for (const auto& l : d.logs()) logs.push_back(Json{{"name", l.name()}, {"size", l.size()}});
  j["logs"] = logs;
  return j;
}

void TaskManagerEndpoints::add_routes(RestServer& server) const {
  server.add_route("GET", "/taskmanagers", [this](const RestRequest&) { return RestResponse::json(list()); });
  server.add_route("GET", "/taskmanagers/:taskmanagerid", [this](const RestRequest& req) {
    auto all = registry_.all();
    return RestResponse::json(details(find(all, req.params.at("taskmanagerid"))));
  });
  server.add_route("GET", "/taskmanagers/:taskmanagerid/metrics", [this](const RestRequest& req) {
    auto all = registry_.all();
    Json d = details(find(all, req.params.at("taskmanagerid")));
    std::vector<std::pair<std::string, Json>> values{
        {"Slots.Total", d["slotsNumber"]}, {"Slots.Free", d["freeSlots"]}, {"Slots.Used", d["usedSlots"]}};
    if (d["metrics"].is_object()) {
      const Json& m = d["metrics"];
      values.insert(values.end(), {{"Status.Process.RSS", m["rssBytes"]},
                                   {"Status.Process.PeakRSS", m["peakRssBytes"]},
                                   {"Status.Network.SegmentSize", m["networkSegmentSize"]},
                                   {"Status.Network.UsedMemorySegments", m["networkBuffersInUse"]},
                                   {"Status.Network.PeakMemorySegments", m["networkBuffersPeak"]},
                                   {"Status.Network.TotalMemorySegments", m["networkBuffersTotal"]},
                                   {"Status.Managed.Total", m["managedMemoryBytes"]},
                                   {"Status.Managed.Reserved", m["managedMemoryReservedBytes"]},
                                   {"Tasks.Running", m["runningTasks"]}});
    }
    std::set<std::string> wanted;
    if (auto get = req.query_param("get")) {
      size_t i = 0;
      while (i <= get->size()) {
        size_t j = get->find(',', i);
        if (j == std::string::npos) j = get->size();
        if (j > i) wanted.insert(get->substr(i, j - i));
        i = j + 1;
      }
    }
    Json out = Json::array();
    for (const auto& [name, value] : values)
      if (wanted.empty() || wanted.count(name)) out.push_back(Json{{"id", name}, {"value", value.dump()}});
    return RestResponse::json(out);
  });
  server.add_route("GET", "/taskmanagers/:taskmanagerid/logs", [this](const RestRequest& req) {
    auto all = registry_.all();
    const auto& r = find(all, req.params.at("taskmanagerid"));
    weir::rpc::TaskManagerDetailsResponse d;
    try {
      d = executor(r)->details();
    } catch (const WeirError& e) {
      throw RestError(503, e.what());
    }
    Json logs = Json::array();
    for (const auto& l : d.logs()) logs.push_back(Json{{"name", l.name()}, {"size", l.size()}});
    return RestResponse::json(Json{{"logs", logs}});
  });
  auto log_route = [this](const RestRequest& req, const std::string& name) {
    auto all = registry_.all();
    const auto& r = find(all, req.params.at("taskmanagerid"));
    int64_t max = max_log_bytes(req);
    weir::rpc::ReadLogResponse log;
    try {
      log = executor(r)->read_log(name, max);
    } catch (const WeirError& e) {
      throw RestError(503, e.what());
    }
    if (!log.found()) throw RestError(404, log.reason());
    return RestResponse::text(log.content(), "text/plain; charset=utf-8");
  };
  server.add_route("GET", "/taskmanagers/:taskmanagerid/log",
                   [log_route](const RestRequest& req) { return log_route(req, "taskmanager.log"); });
  server.add_route("GET", "/taskmanagers/:taskmanagerid/logs/:filename",
                   [log_route](const RestRequest& req) { return log_route(req, req.params.at("filename")); });
}

}  // namespace weir::cluster::rest
