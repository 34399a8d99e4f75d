#include "weir/connectors/file_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

namespace weir::connectors {

namespace fs = std::filesystem;

namespace {
void publish(const fs::path& dir, const std::string& base, const std::string& suffix) {
  fs::path pending = dir / ("." + base + ".pending");
  fs::path final_path = dir / (base + suffix);
  std::error_code ec;
  if (!fs::exists(pending, ec)) {
    if (fs::exists(final_path, ec)) return;  // published before a failure: nothing to do
    throw WeirError(
        fmt::format("file sink: pending file '{}' of a completed checkpoint is missing", pending.string()));
  }
  fs::rename(pending, final_path, ec);
  if (ec)
    throw WeirError(fmt::format("file sink: cannot publish '{}': {}", final_path.string(), ec.message()));
}
}  // namespace

void PartFileNames::validate() const {
  auto bad = [](const std::string& s) {
    return s.find('/') != std::string::npos || s.find('\0') != std::string::npos;
  };
  if (prefix.empty() || bad(prefix) || prefix[0] == '.')
    throw ConfigError(
        fmt::format("file sink: part file prefix '{}' must be a non-empty file name that does "
                    "not start with '.'",
                    prefix));
  if (bad(suffix))
    throw ConfigError(fmt::format("file sink: part file suffix '{}' may not contain '/'", suffix));
}

FilePartWriter::~FilePartWriter() {
  if (f_) std::fclose(f_);
}

void FilePartWriter::open(const std::string& dir, const std::string& job_prefix, int attempt, int subtask,
                          bool transactional, PartFileNames names) {
  dir_ = dir;
  names_ = std::move(names);
  job_prefix_ = job_prefix;
  attempt_ = attempt;
  subtask_ = subtask;
  transactional_ = transactional;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw WeirError(fmt::format("file sink: cannot create directory '{}': {}", dir, ec.message()));
}

void FilePartWriter::write_line(std::string_view line) {
  if (!f_) {
    current_ = fmt::format("{}-{}-{}-{}-{}", names_.prefix, job_prefix_, attempt_, subtask_, counter_++);
    fs::path p = dir_ / ("." + current_ + ".inprogress");
    f_ = std::fopen(p.c_str(), "wb");
    if (!f_)
      throw WeirError(fmt::format("file sink: cannot open '{}': {}", p.string(), std::strerror(errno)));
    std::setvbuf(f_, nullptr, _IOFBF, 1 << 16);
  }
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
}

void FilePartWriter::close_current() {
  if (!f_) return;
  fs::path p = dir_ / ("." + current_ + ".inprogress");
  if (std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0 || std::fclose(f_) != 0) {
    f_ = nullptr;
    throw WeirError(fmt::format("file sink: cannot write '{}': {}", p.string(), std::strerror(errno)));
  }
  f_ = nullptr;
}

void FilePartWriter::prepare_commit(int64_t id) {
  if (!f_) return;
  close_current();
  std::error_code ec;
  fs::rename(dir_ / ("." + current_ + ".inprogress"), dir_ / ("." + current_ + ".pending"), ec);
  if (ec) throw WeirError(fmt::format("file sink: cannot close part '{}': {}", current_, ec.message()));
  pending_.emplace(id, current_);
}

void FilePartWriter::commit(int64_t id) {
  for (auto it = pending_.begin(); it != pending_.end() && it->first <= id;) {
    publish(dir_, it->second, names_.suffix);
    it = pending_.erase(it);
  }
}

void FilePartWriter::finish() {
  if (transactional_ || !f_) return;  // with checkpointing, the final checkpoint publishes the file
  close_current();
  std::error_code ec;
  fs::rename(dir_ / ("." + current_ + ".inprogress"), dir_ / (current_ + names_.suffix), ec);
  if (ec) throw WeirError(fmt::format("file sink: cannot publish '{}': {}", current_, ec.message()));
}

std::vector<std::string> FilePartWriter::pending_state() const {
  std::vector<std::string> out;
  for (const auto& [id, base] : pending_) out.push_back(fmt::format("{}|{}|{}", id, dir_.string(), base));
  return out;
}

void FilePartWriter::recover(const std::vector<std::string>& restored_pending, int parallelism) {
  auto mine = [&](const std::string& base) {
    // "<prefix>-<job>-<attempt>-<subtask>-<n>": the writer's subtask is the next-to-last field.
    auto last = base.rfind('-');
    auto prev = last == std::string::npos || last == 0 ? std::string::npos : base.rfind('-', last - 1);
    if (prev == std::string::npos) return false;
    try {
      return std::stoi(base.substr(prev + 1, last - prev - 1)) % parallelism == subtask_;
    } catch (const std::exception&) {
      return false;
    }
  };
  std::set<std::string> keep;
  for (const auto& e : restored_pending) {
    // "<checkpoint>|<directory>|<part>": the part is published where it was written (a job resumed
    // from a savepoint may write elsewhere now). Every subtask sees the whole list (union state).
    auto a = e.find('|'), b = e.rfind('|');
    if (a == std::string::npos || a == b)
      throw WeirError("file sink: malformed pending-file state '" + e + "'");
    std::string base = e.substr(b + 1);
    keep.insert(base);
    if (mine(base)) publish(e.substr(a + 1, b - a - 1), base, names_.suffix);
  }
  // Hidden files of this job's earlier attempts hold records written after the restored checkpoint:
  // they will be written again, so they go. Files of the current attempt belong to running subtasks.
  std::string job = fmt::format(".{}-{}-", names_.prefix, job_prefix_);
  std::string current_attempt = fmt::format(".{}-{}-{}-", names_.prefix, job_prefix_, attempt_);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(job, 0) != 0 || name.rfind(current_attempt, 0) == 0) continue;
    auto dot = name.rfind('.');
    std::string base = name.substr(1, dot == 0 ? std::string::npos : dot - 1);
    if (keep.count(base) || !mine(base)) continue;
    fs::remove(e.path(), ec);
  }
}

}  // namespace weir::connectors
