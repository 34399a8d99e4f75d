#pragma once
// One log line per event of the cluster processes, through the role's logger (weir/common/log.h):
// "HH:MM:SS.mmm I [jobmanager] message".
#include <string>

#include "weir/common/log.h"

namespace weir::cluster::rpc {

inline void log_line(const std::string& role, const std::string& message) {
  log::get(role).info("{}", message);
}

}  // namespace weir::cluster::rpc
