#pragma once
// The configuration every `weir` command starts from: a weir.yaml file (`-c`), then `-D key=value` flags,
// which win. Errors name the file or the key.
#include <string>
#include <vector>

#include "weir/common/config.h"
#include "weir/fs/file_system.h"

namespace weir::cli {

inline Configuration load_configuration(const std::string& conf_file,
                                        const std::vector<std::string>& defines) {
  Configuration conf;
  if (!conf_file.empty()) conf = Configuration::load_yaml(conf_file);
  for (const auto& d : defines) conf.set_from_flag(d);
  fs::configure(conf);  // s3.* keys for checkpoints, savepoints and blobs on object stores
  return conf;
}

}  // namespace weir::cli
