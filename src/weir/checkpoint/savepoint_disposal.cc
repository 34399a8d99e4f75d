#include "weir/checkpoint/savepoint_disposal.h"

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/error.h"

namespace fs = std::filesystem;

namespace weir::checkpoint {

namespace {
// A listed file must be a plain relative name below the savepoint directory.
bool inside(const fs::path& rel) {
  if (rel.empty() || rel.is_absolute() || rel.has_root_name()) return false;
  for (const auto& part : rel)
    if (part == ".." || part == ".") return false;
  return true;
}
}  // namespace

DisposedSavepoint dispose_savepoint(const std::string& path) {
  std::error_code ec;
  fs::path dir = path;
  if (path.empty()) throw WeirError("cannot dispose of a savepoint: no path given");
  if (!fs::exists(dir, ec))
    throw WeirError(fmt::format("cannot dispose of '{}': no such file or directory", path));
  if (fs::is_regular_file(dir, ec)) {
    if (dir.filename() != "_metadata")
      throw WeirError(
          fmt::format("cannot dispose of '{}': not a savepoint (give its directory or its _metadata)", path));
    dir = dir.parent_path();
  }
  fs::path meta = dir / "_metadata";
  if (!fs::is_regular_file(meta, ec))
    throw WeirError(fmt::format(
        "cannot dispose of '{}': not a savepoint (no _metadata in it); nothing was deleted", path));
  CheckpointMetadata m;
  try {
    m = decode_metadata(read_file(meta.string()), meta.string());
  } catch (const std::exception& e) {
    throw WeirError(
        fmt::format("cannot dispose of '{}': its _metadata is not a savepoint's ({}); nothing was deleted",
                    path, e.what()));
  }
  if (!m.savepoint)
    throw WeirError(fmt::format(
        "cannot dispose of '{}': it is checkpoint {} of job {}, not a savepoint; checkpoints are removed by "
        "their job (execution.checkpointing.num-retained) or by hand; nothing was deleted",
        path, m.checkpoint_id, m.job_id));
  std::vector<fs::path> files;
  for (const auto& t : m.tasks) {
    fs::path rel = t.file;
    if (!inside(rel))
      throw WeirError(
          fmt::format("cannot dispose of '{}': its _metadata lists '{}', which is outside the savepoint; "
                      "nothing was deleted",
                      path, t.file));
    files.push_back(dir / rel);
  }

  DisposedSavepoint r;
  r.path = dir.string();
  auto remove = [&](const fs::path& f) {
    std::error_code e;
    uint64_t size = fs::is_regular_file(f, e) ? fs::file_size(f, e) : 0;
    if (fs::remove(f, e)) {
      ++r.files;
      r.bytes += size;
    } else if (e) {
      throw WeirError(
          fmt::format("disposing of '{}': cannot delete '{}': {}", path, f.string(), e.message()));
    }
    // A file already gone (an earlier disposal was interrupted) is not an error.
  };
  for (const auto& f : files) remove(f);
  remove(meta);
  if (fs::is_empty(dir, ec) && !ec) r.removed_dir = fs::remove(dir, ec);
  return r;
}

}  // namespace weir::checkpoint
