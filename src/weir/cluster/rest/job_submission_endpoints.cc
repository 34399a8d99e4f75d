#include "weir/cluster/rest/job_submission_endpoints.h"

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::cluster::rest {

weir::rpc::JobSpec JobSubmissionEndpoints::parse_spec(const nlohmann::json& body) {
  weir::rpc::JobSpec spec;
  spec.set_kind(required_string_field(body, "kind"));
  spec.set_name(required_string_field(body, "name"));
  if (auto key = string_field(body, "blob-key")) spec.set_blob_key(*key);
  if (auto plan = string_field(body, "expected-plan")) spec.set_expected_plan(*plan);
  if (body.contains("args") && !body["args"].is_null()) {
    if (!body["args"].is_array()) throw RestError(400, "field 'args' must be an array of strings");
    for (const auto& a : body["args"]) {
      if (!a.is_string()) throw RestError(400, "field 'args' must be an array of strings");
      spec.add_args(a.get<std::string>());
    }
  }
  if (body.contains("config") && !body["config"].is_null()) {
    if (!body["config"].is_object()) throw RestError(400, "field 'config' must be an object of strings");
    for (const auto& [k, v] : body["config"].items()) {
      if (!v.is_string()) throw RestError(400, "field 'config': the value of '" + k + "' must be a string");
      (*spec.mutable_config())[k] = v.get<std::string>();
    }
  }
  return spec;
}

nlohmann::json JobSubmissionEndpoints::to_json(const weir::rpc::JobSpec& spec) {
  nlohmann::json j = {{"kind", spec.kind()},
                      {"name", spec.name()},
                      {"args", nlohmann::json::array()},
                      {"config", nlohmann::json::object()}};
  if (!spec.blob_key().empty()) j["blob-key"] = spec.blob_key();
  if (!spec.expected_plan().empty()) j["expected-plan"] = spec.expected_plan();
  for (const auto& a : spec.args()) j["args"].push_back(a);
  for (const auto& [k, v] : spec.config()) j["config"][k] = v;
  return j;
}

void JobSubmissionEndpoints::add_routes(RestServer& server) const {
  server.add_route("POST", "/jobs", [this](const RestRequest& req) {
    weir::rpc::JobSpec spec = parse_spec(req.json_body());
    JobId id;
    try {
      id = submit_(spec);
    } catch (const WeirError& e) {
      throw RestError(400, std::string("job refused: ") + e.what());
    }
    return RestResponse::json({{"jobid", id.to_string()}}, 202);
  });
  server.add_route("POST", "/jars/upload", [this](const RestRequest& req) {
    if (req.body.empty()) throw RestError(400, "empty upload: the body must be the job library's bytes");
    const std::string name = req.query_param("name").value_or("the upload");
    const bool elf = req.body.rfind(
                         "\x7f"
                         "ELF",
                         0) == 0;
    const bool zip = req.body.rfind("PK\x03\x04", 0) == 0;
    if (!elf && !zip)
      throw RestError(400,
                      fmt::format("'{}' is neither a job library (a .so shared object built against Weir, "
                                  "docs/jobs.md) nor a Python job (a .py script, uploaded as a zip "
                                  "archive by `weir run --python` or the web UI)",
                                  name));
    std::string key;
    try {
      key = store_(req.body);
    } catch (const WeirError& e) {
      throw RestError(500, std::string("cannot store the upload: ") + e.what());
    }
    return RestResponse::json(
        {{"blob-key", key}, {"filename", req.query_param("name").value_or("")}, {"status", "success"}});
  });
}

}  // namespace weir::cluster::rest
