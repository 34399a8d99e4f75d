#include "weir/checkpoint/shared_state_registry.h"

#include <filesystem>
#include <fstream>
#include <set>

namespace weir::checkpoint {

namespace fs = std::filesystem;

std::vector<std::string> read_shared_refs(const std::string& dir) {
  std::set<std::string> files;
  // Lines are relative to the job directory (the parent of chk-<n>); older lists hold absolute paths.
  const fs::path job_dir = fs::absolute(fs::path(dir)).lexically_normal().parent_path();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".shared-refs") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) files.insert((job_dir / line).lexically_normal().string());
  }
  return {files.begin(), files.end()};
}

void SharedStateRegistry::register_checkpoint(int64_t id, const std::string& dir) {
  auto files = read_shared_refs(dir);
  if (files.empty()) return;
  for (const auto& f : files) ++refs_[f];
  by_checkpoint_[id] = std::move(files);
}

size_t SharedStateRegistry::release_checkpoint(int64_t id) {
  auto it = by_checkpoint_.find(id);
  if (it == by_checkpoint_.end()) return 0;
  size_t deleted = 0;
  for (const auto& f : it->second) {
    auto r = refs_.find(f);
    if (r == refs_.end() || --r->second > 0) continue;
    refs_.erase(r);
    bool ours = !shared_dir_.empty() && fs::path(f).parent_path().lexically_normal() ==
                                            fs::absolute(fs::path(shared_dir_)).lexically_normal();
    std::error_code ec;
    if (ours && fs::remove(f, ec)) ++deleted;
  }
  by_checkpoint_.erase(it);
  return deleted;
}

}  // namespace weir::checkpoint
