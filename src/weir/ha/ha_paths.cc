#include "weir/ha/ha_paths.h"

#include <fmt/format.h>

namespace weir::ha {

HaPaths HaPaths::of(const HaSettings& settings) {
  fs::Path storage;
  if (!settings.storage_dir.empty())
    storage = fs::Path::parse(settings.storage_dir) / settings.cluster_id.substr(1);
  return HaPaths(settings.cluster_znode(), storage);
}

std::string HaPaths::checkpoint(const JobId& id, int64_t checkpoint_id) const {
  return fmt::format("{}/{:019d}", checkpoints(id), checkpoint_id);
}

}  // namespace weir::ha
