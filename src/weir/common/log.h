#pragma once
// Logging: one spdlog logger per module ("checkpoint", "state", "ha", ...) and per cluster role
// ("jobmanager", "taskmanager"), all writing lines
//   HH:MM:SS.mmm L [name] message          (L: T D I W E C for trace ... critical)
// to stderr (unless log.stderr is false) and, with log.file set, to a file rotated at log.file.max-size
// keeping log.file.max-files.
// Levels: log.level for every logger, log.level.<name> for one (configure()). Nothing in the engine writes
// to stderr any other way.
//
// Threading: logging is thread-safe (spdlog's multi-threaded sinks). configure() is for start-up: it
// swaps the loggers' file sink and must not run while other threads log.
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "weir/common/config.h"

namespace weir::log {

//! The names with a log.level.<name> key: the modules that log, and the cluster roles.
inline constexpr std::string_view kLoggerNames[] = {
    "common",  "fs", "network", "state", "checkpoint", "runtime",     "connectors",
    "cluster", "ha", "rpc",     "rest",  "jobmanager", "taskmanager", "client"};

extern const ConfigOption<std::string> kLogLevel;     // log.level
extern const ConfigOption<std::string> kLogFile;      // log.file
extern const ConfigOption<bool> kLogStderr;           // log.stderr
extern const ConfigOption<int64_t> kLogFileMaxSize;   // log.file.max-size
extern const ConfigOption<int64_t> kLogFileMaxFiles;  // log.file.max-files

//! The logger called `name` (one of kLoggerNames), created on first use with the configured level.
spdlog::logger& get(std::string_view name);

//! Applies log.level and log.level.<name> to every logger, and with log.file adds the rotating file.
//! Throws ConfigError for a file that cannot be opened (naming log.file).
void configure(const Configuration& conf);

//! log.file and the names its rotated files get (`weir.log`, `weir.1.log`, ... up to log.file.max-files),
//! whether they exist yet or not; empty without log.file.
std::vector<std::string> files();

}  // namespace weir::log
