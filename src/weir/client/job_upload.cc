#include "weir/client/job_upload.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "weir/common/error.h"

namespace weir::client {

std::string upload_job_library(RestClient& rest, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec))
    throw WeirError(fmt::format(
        "job library '{}' cannot be read (it is uploaded to the cluster, which builds the job from it)",
        path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return upload_artifact(rest, std::filesystem::path(path).filename().string(), bytes.str(),
                         "job library " + path);
}

std::string upload_artifact(RestClient& rest, const std::string& name, const std::string& bytes,
                            const std::string& what) {
  RestReply up = rest.post_bytes("/jars/upload?name=" + name, bytes);
  if (up.status != 200 || !up.body.is_object() || !up.body.contains("blob-key") ||
      !up.body["blob-key"].is_string())
    throw WeirError(fmt::format("the JobManager at {} refused the upload of {}: {}", rest.address(), what,
                                up.error_message()));
  return up.body["blob-key"].get<std::string>();
}

}  // namespace weir::client
