#include "weir/common/log.h"

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "weir/common/error.h"

namespace weir::log {

namespace {

constexpr const char* kPattern = "%H:%M:%S.%e %L [%n] %v";
const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};

std::vector<ConfigOption<std::string>>& per_logger_levels() {
  static std::vector<ConfigOption<std::string>> options = [] {
    std::vector<ConfigOption<std::string>> v;
    for (auto name : kLoggerNames)
      v.emplace_back(ConfigOptionSpec{
          "log.level." + std::string(name), ConfigType::kEnum, "",
          "Level of the '" + std::string(name) + "' logger (overrides log.level).", kLevels});
    return v;
  }();
  return options;
}
// Registered with the other keys at start-up, so -D log.level.<name>=... is known before any logging.
[[maybe_unused]] const bool kRegistered = (per_logger_levels(), true);

struct Registry {
  std::mutex mu;
  spdlog::sink_ptr stderr_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::vector<spdlog::sink_ptr> sinks{stderr_sink};
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  spdlog::sink_ptr file;  // log.file's sink, if any (replaced by the next configure())
  std::string file_path;  // log.file
  size_t max_files = 0;   // log.file.max-files
  spdlog::level::level_enum default_level = spdlog::level::info;
  std::map<std::string, spdlog::level::level_enum, std::less<>> levels;  // log.level.<name>
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: threads may log during exit
  return *r;
}

spdlog::level::level_enum level_of(const std::string& text) {
  if (text == "warn") return spdlog::level::warn;
  return spdlog::level::from_str(text);
}

}  // namespace

const ConfigOption<std::string> kLogLevel{{"log.level", ConfigType::kEnum, "info",
                                           "Level of every logger (log.level.<name> overrides one).",
                                           kLevels}};
const ConfigOption<std::string> kLogFile{
    {"log.file", ConfigType::kString, "",
     "Also write the log to this file, rotated at log.file.max-size (empty: stderr only)."}};
const ConfigOption<bool> kLogStderr{
    {"log.stderr", ConfigType::kBool, "true",
     "Write the log to standard error as well as to log.file (false needs log.file: `weir cluster start` "
     "sets it, so that a cluster process's log is only its rotated file)."}};
const ConfigOption<int64_t> kLogFileMaxSize{{"log.file.max-size",
                                             ConfigType::kMemorySize,
                                             "10 mb",
                                             "Size at which log.file is rotated.",
                                             {},
                                             4096,
                                             INT64_MAX}};
const ConfigOption<int64_t> kLogFileMaxFiles{{"log.file.max-files",
                                              ConfigType::kInt,
                                              "5",
                                              "Rotated log files kept besides the current one.",
                                              {},
                                              0,
                                              1000}};

spdlog::logger& get(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  if (auto it = r.loggers.find(name); it != r.loggers.end()) return *it->second;
  auto logger = std::make_shared<spdlog::logger>(std::string(name), r.sinks.begin(), r.sinks.end());
  logger->set_pattern(kPattern);
  auto level = r.levels.find(name);
  logger->set_level(level != r.levels.end() ? level->second : r.default_level);
  logger->flush_on(spdlog::level::trace);  // every line reaches the file at once (crashes, kill -9)
  return *r.loggers.emplace(std::string(name), std::move(logger)).first->second;
}

void configure(const Configuration& conf) {
  Registry& r = registry();
  std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> file;
  const std::string path = conf.get_string(kLogFile);
  if (!path.empty()) {
    const int64_t max_size = conf.get_memory(kLogFileMaxSize, true);
    if (max_size < 4096)
      throw ConfigError(
          fmt::format("log.file.max-size: {} bytes is too small to rotate at (at least 4 kb)", max_size));
    try {
      file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          path, static_cast<size_t>(max_size), static_cast<size_t>(conf.get_int(kLogFileMaxFiles)));
    } catch (const spdlog::spdlog_ex& e) {
      throw ConfigError(fmt::format("log.file: cannot write the log to '{}': {}", path, e.what()));
    }
  }
  const bool to_stderr = conf.get_bool(kLogStderr);
  if (!to_stderr && !file)
    throw ConfigError("log.stderr is false but log.file is not set: the log would go nowhere");
  std::lock_guard lock(r.mu);
  r.default_level = level_of(conf.get_string(kLogLevel));
  r.levels.clear();
  for (const auto& option : per_logger_levels())
    if (conf.contains(option.key()))
      r.levels[option.key().substr(std::string("log.level.").size())] = level_of(conf.get_string(option));
  if (file) file->set_pattern(kPattern);
  // A logger sets its pattern on the sinks it has when it is created: one created while log.stderr was
  // false never set it on the stderr sink.
  r.stderr_sink->set_pattern(kPattern);
  auto replace_file = [&](std::vector<spdlog::sink_ptr>& sinks) {
    if (r.file) std::erase(sinks, r.file);
    std::erase(sinks, r.stderr_sink);
    if (to_stderr) sinks.insert(sinks.begin(), r.stderr_sink);
    if (file) sinks.push_back(file);
  };
  replace_file(r.sinks);
  for (auto& [name, logger] : r.loggers) {
    replace_file(logger->sinks());
    auto level = r.levels.find(name);
    logger->set_level(level != r.levels.end() ? level->second : r.default_level);
  }
  r.file = file;
  r.file_path = file ? path : std::string();
  r.max_files = file ? static_cast<size_t>(conf.get_int(kLogFileMaxFiles)) : 0;
}

std::vector<std::string> files() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  std::vector<std::string> out;
  if (r.file_path.empty()) return out;
  out.push_back(r.file_path);
  // spdlog's rotation names: weir.log -> weir.1.log, weir.2.log, ...
  auto [base, ext] = spdlog::details::file_helper::split_by_extension(r.file_path);
  for (size_t i = 1; i <= r.max_files; ++i) out.push_back(fmt::format("{}.{}{}", base, i, ext));
  return out;
}

}  // namespace weir::log
