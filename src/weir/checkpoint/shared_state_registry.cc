#include "weir/checkpoint/shared_state_registry.h"

#include <cstdio>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"
#include "weir/fs/file_system.h"

namespace weir::checkpoint {

std::vector<std::string> read_shared_refs(const std::string& dir) {
  std::set<std::string> files;
  // Lines are relative to the job directory (the parent of chk-<n>); older lists hold absolute paths.
  // A list is written whole by one task, each line ending in '\n'. Anything else (a torn list, a line no
  // path can be made of, a control character that would cut the name short in a system call) means the
  // list cannot say what the checkpoint references: an error naming the list, so the checkpoint fails (or a
  // recovered one's files stay) instead of files still in use being deleted later.
  const fs::Path d = fs::Path::parse(dir);
  const fs::Path job_dir = d.parent();
  auto fs = fs::get(d);
  for (const auto& e : fs->list(d)) {
    const std::string name = e.path.name();
    if (name.size() < 12 || name.compare(name.size() - 12, 12, ".shared-refs") != 0) continue;
    auto corrupt = [&](const std::string& why) {
      return WeirError(fmt::format("corrupt shared-state list '{}': {}", e.path.str(), why));
    };
    if (e.is_dir) throw corrupt("a directory, not a file");
    std::string text = fs->read(e.path);
    if (!text.empty() && text.back() != '\n')
      throw corrupt(fmt::format("{} bytes ending in the middle of a line (torn)", text.size()));
    size_t i = 0;
    for (int line_no = 1; i < text.size(); ++line_no) {
      size_t j = text.find('\n', i);
      std::string line = text.substr(i, j - i);
      i = j + 1;
      if (line.empty()) continue;
      for (unsigned char c : line)
        if (c < 0x20 || c == 0x7f)
          throw corrupt(fmt::format("line {} holds the control character {}", line_no, int(c)));
      try {
        files.insert(line.front() == '/' || line.find("://") != std::string::npos
                         ? fs::Path::parse(line).str()
                         : (job_dir / line).str());
      } catch (const std::exception& ex) {
        throw corrupt(fmt::format("line {}: {}", line_no, ex.what()));
      }
    }
  }
  return {files.begin(), files.end()};
}

void SharedStateRegistry::add(int64_t id, std::vector<std::string> files) {
  if (files.empty()) return;
  for (const auto& f : files) ++refs_[f];
  by_checkpoint_[id] = std::move(files);
}

std::vector<std::string> SharedStateRegistry::release(int64_t id) {
  auto it = by_checkpoint_.find(id);
  if (it == by_checkpoint_.end()) return {};
  std::vector<std::string> unreferenced;
  std::optional<fs::Path> shared;
  if (!shared_dir_.empty()) shared = fs::Path::parse(shared_dir_);
  for (const auto& f : it->second) {
    auto r = refs_.find(f);
    if (r == refs_.end() || --r->second > 0) continue;
    refs_.erase(r);
    fs::Path p = fs::Path::parse(f);
    if (!shared || p.parent() != *shared) continue;  // another job's file: never ours to delete
    unreferenced.push_back(f);
  }
  by_checkpoint_.erase(it);
  return unreferenced;
}

size_t remove_shared_files(const std::vector<std::string>& files) {
  size_t deleted = 0;
  for (const auto& f : files) {
    try {
      fs::Path p = fs::Path::parse(f);
      fs::get(p)->remove(p);
      ++deleted;
    } catch (const std::exception& e) {
      log::get("checkpoint").warn("cannot remove shared state file '{}': {}", f, e.what());
    }
  }
  return deleted;
}

}  // namespace weir::checkpoint
