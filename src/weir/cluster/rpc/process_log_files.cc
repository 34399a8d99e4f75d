#include "weir/cluster/rpc/process_log_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "weir/common/error.h"
#include "weir/common/log.h"

namespace weir::cluster::rpc {

namespace {

// The regular file behind file descriptor `fd`, with its device and inode.
std::optional<std::pair<std::string, struct stat>> file_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::error_code ec;
  auto path = std::filesystem::read_symlink(fmt::format("/proc/self/fd/{}", fd), ec);
  if (ec) return std::nullopt;
  return std::make_pair(path.string(), st);
}

}  // namespace

std::vector<LogFile> process_log_files(const std::string& role) {
  std::vector<LogFile> out;
  auto err = file_of(2);
  auto std_out = file_of(1);
  const bool same = err && std_out && err->second.st_dev == std_out->second.st_dev &&
                    err->second.st_ino == std_out->second.st_ino;
  const std::vector<std::string> logs = log::files();
  if (logs.empty()) {
    // The log is standard error's file; standard output's, when another file, is the .out.
    if (err) out.push_back(LogFile{role + ".log", err->first, static_cast<int64_t>(err->second.st_size)});
    if (std_out && !same)
      out.push_back(LogFile{role + ".out", std_out->first, static_cast<int64_t>(std_out->second.st_size)});
    return out;
  }
  // log.file: the log and its rotated files (role.log, role.1.log, ...), then what the process printed.
  for (size_t i = 0; i < logs.size(); ++i) {
    std::error_code ec;
    auto size = std::filesystem::file_size(logs[i], ec);
    if (ec) continue;  // not rotated that far yet
    out.push_back(LogFile{i == 0 ? role + ".log" : fmt::format("{}.{}.log", role, i), logs[i],
                          static_cast<int64_t>(size)});
  }
  if (std_out)
    out.push_back(LogFile{role + ".out", std_out->first, static_cast<int64_t>(std_out->second.st_size)});
  if (err && !same) {
    // Standard error holds no log lines now, but what a crash prints (a sanitizer, std::terminate).
    out.push_back(LogFile{role + ".err", err->first, static_cast<int64_t>(err->second.st_size)});
  }
  return out;
}

std::optional<std::string> read_log_tail(const std::string& role, const std::string& name, int64_t max_bytes,
                                         int64_t* size) {
  for (const auto& f : process_log_files(role)) {
    if (f.name != name) continue;
    // Read through the descriptor's path; the file may have grown since it was listed.
    std::ifstream in(f.path, std::ios::binary);
    if (!in) throw WeirError(fmt::format("cannot read log {} ({})", name, f.path));
    in.seekg(0, std::ios::end);
    int64_t total = static_cast<int64_t>(in.tellg());
    if (size) *size = total;
    int64_t from = std::max<int64_t>(0, total - std::max<int64_t>(0, max_bytes));
    in.seekg(from);
    std::string text(static_cast<size_t>(total - from), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (from > 0) {
      size_t nl = text.find('\n');
      text.erase(0, nl == std::string::npos ? 0 : nl + 1);
    }
    return text;
  }
  return std::nullopt;
}

}  // namespace weir::cluster::rpc
