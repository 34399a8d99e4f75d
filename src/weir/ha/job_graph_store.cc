#include "weir/ha/job_graph_store.h"

#include <algorithm>

#include "weir/fs/file_system.h"
#include "weir/ha/leader_session_id.h"

namespace weir::ha {

void JobGraphStore::put(const JobId& job, const std::string& spec, const LeaderFence& fence) {
  fs::Path file = paths_.job_files(job) / ("spec-" + LeaderSessionId::generate().str());
  auto fs = fs::get(file);
  fs->mkdirs(file.parent());
  fs->write_file(file, spec, fs::WriteMode::kNoOverwrite);
  std::string node = paths_.job(job);
  std::optional<fs::Path> replaced;  // the spec file an earlier put() stored
  try {
    zk_.create_parents(paths_.jobs_dir());
    for (int attempt = 0;; ++attempt) {
      auto old = zk_.get(node);
      try {
        if (old) {
          fenced_multi(zk_, fence, {ZooKeeperOp::set(node, file.str(), old->second.version)},
                       "store job spec");
          replaced = fs::Path::parse(old->first);
        } else {
          fenced_multi(zk_, fence, {ZooKeeperOp::create(node, file.str())}, "store job spec");
        }
        break;
      } catch (const MultiOpError& e) {
        if (attempt < 5 && (e.node_exists() || e.bad_version() || e.no_node()))
          continue;  // raced; read again
        throw;
      }
    }
  } catch (...) {
    fs->remove(file);  // no pointer names it
    throw;
  }
  if (replaced && paths_.job_files(job).contains(*replaced) && !(*replaced == file)) fs->remove(*replaced);
}

std::optional<std::string> JobGraphStore::get(const JobId& job) {
  auto pointer = zk_.get(paths_.job(job));
  if (!pointer) return std::nullopt;
  fs::Path file = fs::Path::parse(pointer->first);
  return fs::get(file)->read(file);
}

std::vector<JobId> JobGraphStore::job_ids() {
  std::vector<JobId> ids;
  try {
    for (const auto& name : zk_.children(paths_.jobs_dir()))
      if (auto id = JobId::parse(name)) ids.push_back(*id);
  } catch (const ZooKeeperError& e) {
    if (!e.no_node()) throw;
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

void JobGraphStore::remove(const JobId& job, const LeaderFence& fence) {
  std::string node = paths_.job(job);
  if (zk_.exists(node)) {
    try {
      fenced_multi(zk_, fence, {ZooKeeperOp::remove(node)}, "remove job spec");
    } catch (const MultiOpError& e) {
      if (!e.no_node()) throw;
    }
  }
  fs::Path dir = paths_.job_files(job);
  fs::get(dir)->remove_all(dir);
}

}  // namespace weir::ha
