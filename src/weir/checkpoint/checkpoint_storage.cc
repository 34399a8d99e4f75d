#include "weir/checkpoint/checkpoint_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "weir/common/crc32c.h"
#include "weir/common/error.h"

namespace fs = std::filesystem;

namespace weir::checkpoint {

namespace {
void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}
}  // namespace

void write_file_durably(const std::string& path, std::string_view bytes) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw WeirError(fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw WeirError(fmt::format("cannot write '{}': {}", tmp, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    throw WeirError(fmt::format("cannot sync '{}': {}", tmp, std::strerror(errno)));
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw WeirError(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message()));
  fsync_path(fs::path(path).parent_path().string(), O_RDONLY | O_DIRECTORY);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WeirError(fmt::format("cannot read '{}'", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string encode_metadata(const CheckpointMetadata& m) {
  nlohmann::json j;
  j["format"] = "weir-checkpoint-1";
  j["job_id"] = m.job_id;
  j["checkpoint_id"] = m.checkpoint_id;
  j["timestamp"] = m.timestamp;
  j["savepoint"] = m.savepoint;
  for (const auto& v : m.vertices)
    j["vertices"].push_back({{"vertex", v.vertex},
                             {"name", v.name},
                             {"parallelism", v.parallelism},
                             {"max_parallelism", v.max_parallelism},
                             {"operator_ids", v.operator_ids}});
  for (const auto& t : m.tasks)
    j["tasks"].push_back({{"vertex", t.vertex}, {"subtask", t.subtask}, {"file", t.file}, {"size", t.size}});
  std::string body = j.dump(1);
  return body + fmt::format("\n#crc32c={:08x}\n", crc32c(body));
}

CheckpointMetadata decode_metadata(std::string_view bytes, const std::string& what) {
  auto pos = bytes.rfind("\n#crc32c=");
  if (pos == std::string_view::npos)
    throw SerializationError("'" + what + "' has no checksum: incomplete or not a checkpoint");
  std::string_view body = bytes.substr(0, pos);
  uint32_t stored = 0;
  try {
    stored = static_cast<uint32_t>(std::stoul(std::string(bytes.substr(pos + 9, 8)), nullptr, 16));
  } catch (const std::exception&) {
    throw SerializationError("'" + what + "' has a malformed checksum");
  }
  if (crc32c(body) != stored) throw SerializationError("'" + what + "' is corrupt: checksum mismatch");
  CheckpointMetadata m;
  try {
    auto j = nlohmann::json::parse(body);
    m.job_id = j.at("job_id").get<std::string>();
    m.checkpoint_id = j.at("checkpoint_id").get<int64_t>();
    m.timestamp = j.at("timestamp").get<int64_t>();
    m.savepoint = j.at("savepoint").get<bool>();
    if (j.contains("vertices"))
      for (const auto& v : j["vertices"])
        m.vertices.push_back({v.at("vertex").get<int>(), v.at("name").get<std::string>(),
                              v.at("parallelism").get<int>(), v.at("max_parallelism").get<int>(),
                              v.at("operator_ids").get<std::vector<std::string>>()});
    if (j.contains("tasks"))
      for (const auto& t : j["tasks"])
        m.tasks.push_back({t.at("vertex").get<int>(), t.at("subtask").get<int>(),
                           t.at("file").get<std::string>(), t.at("size").get<uint64_t>()});
  } catch (const nlohmann::json::exception& e) {
    throw SerializationError("'" + what + "' is malformed: " + e.what());
  }
  return m;
}

CheckpointStorage::CheckpointStorage(std::string base_dir, std::string job_id)
    : job_dir_(base_dir.empty() ? std::string() : (fs::path(base_dir) / job_id).string()) {}

std::string CheckpointStorage::checkpoint_dir(int64_t id) const {
  if (job_dir_.empty()) throw WeirError("no checkpoint directory: set execution.checkpointing.dir");
  return (fs::path(job_dir_) / fmt::format("chk-{}", id)).string();
}

TaskStateHandle CheckpointStorage::write_task_state(const std::string& dir, int vertex, int subtask,
                                                    std::string_view bytes) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WeirError(fmt::format("cannot create checkpoint directory '{}': {}", dir, ec.message()));
  std::string name = fmt::format("{}-{}", vertex, subtask);
  write_file_durably((fs::path(dir) / name).string(), bytes);
  return {vertex, subtask, name, bytes.size()};
}

void CheckpointStorage::write_metadata(const std::string& dir, const CheckpointMetadata& m) const {
  std::error_code ec;
  fs::create_directories(dir, ec);
  // shared/ belongs to checkpoints under the job directory (savepoints live elsewhere).
  if (!job_dir_.empty() && dir.rfind(job_dir_, 0) == 0)
    fs::create_directories(fs::path(job_dir_) / "shared", ec);
  write_file_durably((fs::path(dir) / "_metadata").string(), encode_metadata(m));
}

void CheckpointStorage::discard(const std::string& dir) const {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

OperatorRestore RestoredCheckpoint::for_operator(const std::string& id) const {
  OperatorRestore r;
  for (const auto& t : tasks)
    for (const auto& op : t.operators)
      if (op.operator_id == id) r.parts.push_back(&op);
  return r;
}

RestoredCheckpoint load_checkpoint(const std::string& path) {
  fs::path dir = path;
  if (fs::is_regular_file(dir)) dir = dir.parent_path();
  fs::path meta = dir / "_metadata";
  if (!fs::exists(meta))
    throw WeirError(
        fmt::format("'{}' is not a complete checkpoint or savepoint: no _metadata", dir.string()));
  RestoredCheckpoint r;
  r.path = dir.string();
  r.metadata = decode_metadata(read_file(meta.string()), meta.string());
  for (const auto& h : r.metadata.tasks) {
    fs::path f = dir / h.file;
    if (!fs::exists(f))
      throw WeirError(fmt::format("checkpoint '{}' is incomplete: '{}' is missing", dir.string(), h.file));
    r.tasks.push_back(decode_task_snapshot(read_file(f.string()), f.string()));
    for (auto& op : r.tasks.back().operators) {
      op.source_dir = r.path;
      if (!op.keyed_state_file.empty() && !fs::exists(dir / op.keyed_state_file))
        throw WeirError(
            fmt::format("checkpoint '{}' is incomplete: '{}' is missing", dir.string(), op.keyed_state_file));
    }
  }
  return r;
}

std::optional<RestoredCheckpoint> latest_valid_checkpoint(const std::string& job_dir,
                                                          std::vector<std::string>* why) {
  std::vector<std::pair<int64_t, fs::path>> found;
  std::error_code ec;
  if (!fs::exists(job_dir, ec)) return std::nullopt;
  for (const auto& e : fs::directory_iterator(job_dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("chk-", 0) != 0) continue;
    try {
      found.emplace_back(std::stoll(name.substr(4)), e.path());
    } catch (const std::exception&) {
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [id, p] : found) {
    try {
      return load_checkpoint(p.string());
    } catch (const std::exception& e) {
      if (why) why->push_back(fmt::format("skipping checkpoint {}: {}", id, e.what()));
    }
  }
  return std::nullopt;
}

}  // namespace weir::checkpoint
