#pragma once
// The log files of this process, for the web UI's TaskManager page (Flink's /taskmanagers/:id/logs).
// Without log.file a Weir process logs to its standard error (and prints to its standard output), so its
// log files are the regular files those are redirected to: `<role>.log` (standard error's file) and
// `<role>.out` (standard output's, when it is another file). With log.file (what `weir cluster start`
// sets) they are log.file as `<role>.log`, its rotated files as `<role>.1.log`, ..., and the file standard
// output goes to as `<role>.out` (standard error's as `<role>.err` when it is another one). A terminal or
// a pipe is no file and is not listed.
//
// Threading: plain functions; any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::cluster::rpc {

struct LogFile {
  std::string name;  //!< e.g. taskmanager.log
  std::string path;  //!< the file it is
  int64_t size = 0;
};

//! The process's log files now.
std::vector<LogFile> process_log_files(const std::string& role);

//! The last `max_bytes` of log `name` (from the start of a line when cut); nullopt when there is no such
//! log. Throws WeirError when it cannot be read.
std::optional<std::string> read_log_tail(const std::string& role, const std::string& name, int64_t max_bytes,
                                         int64_t* size = nullptr);

}  // namespace weir::cluster::rpc
