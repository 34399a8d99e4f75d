#include "weir/connectors/file_sink.h"

#include <set>

#include <fmt/format.h>

#include "weir/fs/local_file_system.h"

namespace weir::connectors {

namespace stdfs = std::filesystem;

namespace {
constexpr size_t kWriteBuffer = 1 << 16;

//! Renames a pending file to its final name (nothing when a run before a failure did); the caller then
//! syncs the directory, also in that case: the failure may have come before the earlier sync.
void publish(const stdfs::path& dir, const std::string& base, const std::string& suffix) {
  stdfs::path pending = dir / ("." + base + ".pending");
  stdfs::path final_path = dir / (base + suffix);
  std::error_code ec;
  if (!stdfs::exists(pending, ec)) {
    // Published before a failure: the rename happened; the directory sync after it may not have.
    if (stdfs::exists(final_path, ec)) return;
    throw WeirError(
        fmt::format("file sink: pending file '{}' of a completed checkpoint is missing", pending.string()));
  }
  stdfs::rename(pending, final_path, ec);
  if (ec)
    throw WeirError(fmt::format("file sink: cannot publish '{}': {}", final_path.string(), ec.message()));
}

//! Makes the renames in `dir` durable: an error is thrown (fs::FileSystemError naming the directory).
void sync(const stdfs::path& dir) {
  fs::sync_directory(dir.string());
}

//! The part a hidden file belongs to: ".<base>.pending", ".<base>.inprogress" (before the fs layer) and
//! the fs layer's temp files "..<base>.pending.<pid>-<k>.inprogress" all give <base>
//! ("<prefix>-<job>-<attempt>-<subtask>-<n>"; the fields after the prefix hold no '.').
std::string part_of(const std::string& name, const std::string& prefix) {
  size_t start = name.find_first_not_of('.');
  if (start == std::string::npos) return {};
  std::string rest = name.substr(start);
  if (rest.rfind(prefix + "-", 0) != 0) return {};
  size_t dot = rest.find('.', prefix.size() + 1);
  return rest.substr(0, dot);
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

void FilePartWriter::open(const std::string& dir, const std::string& job_prefix, int attempt, int subtask,
                          bool transactional, PartFileNames names) {
  dir_ = dir;
  names_ = std::move(names);
  job_prefix_ = job_prefix;
  attempt_ = attempt;
  subtask_ = subtask;
  transactional_ = transactional;
  std::error_code ec;
  stdfs::create_directories(dir_, ec);
  if (ec) throw WeirError(fmt::format("file sink: cannot create directory '{}': {}", dir, ec.message()));
  dir_ = stdfs::absolute(dir_, ec);
}

void FilePartWriter::write_line(std::string_view line) {
  if (!out_) {
    current_ = fmt::format("{}-{}-{}-{}-{}", names_.prefix, job_prefix_, attempt_, subtask_, counter_++);
    // Through the fs layer (fs::get: a test's fault-injecting file system too); its temp file is hidden.
    auto target = fs::Path::parse((dir_ / ("." + current_ + ".pending")).string());
    out_ = fs::get(target)->create(target, fs::WriteMode::kNoOverwrite);
    buf_.reserve(kWriteBuffer);
  }
  buf_.append(line);
  buf_.push_back('\n');
  if (buf_.size() >= kWriteBuffer) flush_buffer();
}

void FilePartWriter::flush_buffer() {
  if (buf_.empty()) return;
  out_->write(buf_);
  buf_.clear();
}

void FilePartWriter::close_current() {
  if (!out_) return;
  // Whatever happens, this part is done: a failed commit leaves nothing (its records are replayed).
  auto out = std::move(out_);
  std::string buf = std::move(buf_);
  buf_.clear();
  try {
    if (!buf.empty()) out->write(buf);
    out->commit();  // fsync, rename to ".<current_>.pending", fsync of the directory
  } catch (const fs::FileSystemError& e) {
    throw fs::FileSystemError(fmt::format("file sink: cannot commit part '{}': {}", current_, e.what()));
  }
}

void FilePartWriter::prepare_commit(int64_t id) {
  if (!out_) return;
  close_current();
  pending_.emplace(id, current_);
}

void FilePartWriter::commit(int64_t id) {
  bool published = false;
  for (auto it = pending_.begin(); it != pending_.end() && it->first <= id;) {
    publish(dir_, it->second, names_.suffix);
    it = pending_.erase(it);
    published = true;
  }
  if (published) sync(dir_);
}

void FilePartWriter::finish() {
  if (transactional_ || !out_) return;  // with checkpointing, the final checkpoint publishes the file
  close_current();
  publish(dir_, current_, names_.suffix);
  sync(dir_);
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
  std::set<std::string> published_in;
  for (const auto& e : restored_pending) {
    // "<checkpoint>|<directory>|<part>": the part is published where it was written (a job resumed
    // from a savepoint may write elsewhere now). Every subtask sees the whole list (union state).
    auto a = e.find('|'), b = e.rfind('|');
    if (a == std::string::npos || a == b)
      throw WeirError("file sink: malformed pending-file state '" + e + "'");
    std::string base = e.substr(b + 1);
    keep.insert(base);
    if (!mine(base)) continue;
    publish(e.substr(a + 1, b - a - 1), base, names_.suffix);
    published_in.insert(e.substr(a + 1, b - a - 1));
  }
  for (const auto& d : published_in) sync(d);
  // Hidden files of this job's earlier attempts (pending files and the fs layer's temp files of parts in
  // progress) hold records written after the restored checkpoint: they will be written again, so they
  // go. Files of the current attempt belong to running subtasks.
  std::string job = fmt::format("{}-{}-", names_.prefix, job_prefix_);
  std::string current_attempt = fmt::format("{}-{}-{}-", names_.prefix, job_prefix_, attempt_);
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator(dir_, ec)) {
    std::string name = e.path().filename().string();
    if (name.empty() || name[0] != '.') continue;
    std::string base = part_of(name, names_.prefix);
    if (base.rfind(job, 0) != 0 || base.rfind(current_attempt, 0) == 0) continue;
    if (keep.count(base) || !mine(base)) continue;
    stdfs::remove(e.path(), ec);
  }
}

}  // namespace weir::connectors
