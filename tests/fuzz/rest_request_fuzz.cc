// What a REST client sends: a query string (percent-decoded into parameters), a JSON body read through the
// body helpers the handlers use, and a job id in a path. A malformed one is refused with a RestError (the
// server's 4xx naming the problem); anything else, which the server would answer with a 500, is a finding.
#include <string>

#include "fuzz_target.h"
#include "weir/cluster/rest/job_endpoints.h"
#include "weir/cluster/rest/rest_request.h"

namespace {

template <typename F>
void refused_with_4xx_or_accepted(F&& handle) {
  try {
    handle();
  } catch (const weir::cluster::rest::RestError& e) {
    if (e.status() < 400 || e.status() > 499) throw;  // bad input is the client's error
  }
  // Anything else (a WeirError too) is what the server answers 500 with: a finding.
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weir::cluster::rest;
  const std::string text(reinterpret_cast<const char*>(data), size);
  refused_with_4xx_or_accepted([&] { parse_query(text); });
  refused_with_4xx_or_accepted([&] { parse_job_id(text); });
  RestRequest req;
  req.body = text;
  refused_with_4xx_or_accepted([&] {
    nlohmann::json body = req.json_body();
    // The fields the job, savepoint and stop handlers read (Flink's names).
    for (const char* name : {"entryClass", "programArgs", "savepointPath", "targetDirectory", "parallelism"})
      refused_with_4xx_or_accepted([&] { string_field(body, name); });
    for (const char* name : {"allowNonRestoredState", "drain", "cancel-job"})
      refused_with_4xx_or_accepted([&] { bool_field(body, name); });
    refused_with_4xx_or_accepted([&] { required_string_field(body, "target-directory"); });
  });
  return 0;
}
