#include "weir/checkpoint/savepoint_disposal.h"

#include <set>
#include <vector>

#include <fmt/format.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/error.h"
#include "weir/fs/file_system.h"

namespace weir::checkpoint {

DisposedSavepoint dispose_savepoint(const std::string& path) {
  if (path.empty()) throw WeirError("cannot dispose of a savepoint: no path given");
  fs::Path dir = fs::Path::parse(path);
  auto fs = fs::get(dir);
  auto st = fs->stat(dir);
  if (!st) throw WeirError(fmt::format("cannot dispose of '{}': no such file or directory", path));
  if (!st->is_dir) {
    if (dir.name() != "_metadata")
      throw WeirError(
          fmt::format("cannot dispose of '{}': not a savepoint (give its directory or its _metadata)", path));
    dir = dir.parent();
  }
  fs::Path meta = dir / "_metadata";
  std::string bytes;
  try {
    bytes = fs->read(meta);
  } catch (const fs::FileNotFoundError&) {
    throw WeirError(fmt::format(
        "cannot dispose of '{}': not a savepoint (no _metadata in it); nothing was deleted", path));
  }
  CheckpointMetadata m;
  try {
    // Decoding also refuses file names outside the directory (absolute, "..").
    m = decode_metadata(bytes, meta.str());
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
  std::set<std::string> files;
  for (const auto& t : m.tasks) {
    files.insert(t.file);
    for (const auto& op : t.operators)
      if (!op.keyed_state_file.empty()) files.insert(op.keyed_state_file);
  }

  DisposedSavepoint r;
  r.path = dir.str();
  auto remove = [&](const fs::Path& f) {
    auto s = fs->stat(f);
    if (!s) return;  // already gone (an earlier disposal was interrupted): not an error
    try {
      fs->remove(f);
    } catch (const std::exception& e) {
      throw WeirError(fmt::format("disposing of '{}': cannot delete '{}': {}", path, f.str(), e.what()));
    }
    ++r.files;
    r.bytes += s->size;
  };
  for (const auto& f : files) remove(dir / f);
  remove(meta);
  if (fs->list(dir).empty()) {
    fs->remove_all(dir);
    r.removed_dir = true;
  }
  return r;
}

}  // namespace weir::checkpoint
