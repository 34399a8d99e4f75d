#include "weir/fs/fault_injecting_file_system.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <utility>

#include <fmt/format.h>

namespace weir::fs {

namespace {
constexpr size_t kMaxTrace = 1 << 16;  // lines kept; later operations are counted, not traced
}  // namespace

std::string_view op_name(FsOp op) {
  static constexpr std::array<std::string_view, kFsOpKinds> kNames = {
      "create", "write",  "commit",     "read",   "read_range", "stat",
      "list",   "remove", "remove_all", "mkdirs", "upload",     "download"};
  return kNames[static_cast<size_t>(op)];
}

struct FaultInjectingFileSystem::State {
  struct Rule {
    std::optional<FsOp> op;  // nullopt: the nth operation of any kind
    uint64_t n = 0;
    Fault fault = Fault::kFail;
    std::string path_part;  // not empty: the nth operation of kind `op` whose path contains it
    uint64_t seen = 0;      // such operations so far
  };

  mutable std::mutex mu;
  std::array<uint64_t, kFsOpKinds> counts{};
  uint64_t total = 0;
  std::vector<Rule> rules;
  bool crashed = false;
  std::string crash_point;  // the trace line of the operation the process died at
  std::vector<std::string> trace;
  std::vector<std::unique_ptr<OutputStream>> abandoned;

  //! Counts operation `op` on `what` and returns the fault it gets, if any. After a crash, throws
  //! SimulatedCrash without counting. A kCrash fault marks the process dead here.
  std::optional<Fault> begin(FsOp op, std::string_view what) {
    std::lock_guard lock(mu);
    if (crashed)
      throw SimulatedCrash(
          fmt::format("{} '{}' after the simulated crash at operation {}", op_name(op), what, crash_point));
    uint64_t n = ++counts[static_cast<size_t>(op)];
    ++total;
    std::string line = fmt::format("{} {} {}", total, op_name(op), what);
    if (trace.size() < kMaxTrace) trace.push_back(line);
    for (auto& r : rules)
      if (!r.path_part.empty() && *r.op == op && what.find(r.path_part) != std::string_view::npos) ++r.seen;
    auto it = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) {
      if (!r.path_part.empty())
        return *r.op == op && what.find(r.path_part) != std::string_view::npos && r.seen == r.n;
      return r.op ? (*r.op == op && r.n == n) : r.n == total;
    });
    if (it == rules.end()) return std::nullopt;
    Fault f = it->fault;
    rules.erase(it);
    if (f != Fault::kFail) crash_point = line;
    if (f == Fault::kCrash) crashed = true;
    return f;
  }

  //! The process dies now (kCrashAfter, once its operation is done).
  SimulatedCrash die() {
    {
      std::lock_guard lock(mu);
      crashed = true;
    }
    return crash();
  }

  SimulatedCrash crash() const {
    std::lock_guard lock(mu);
    return SimulatedCrash("simulated crash at operation " + crash_point);
  }

  bool is_crashed() const {
    std::lock_guard lock(mu);
    return crashed;
  }

  void abandon(std::unique_ptr<OutputStream> s) {
    std::lock_guard lock(mu);
    abandoned.push_back(std::move(s));
  }
};

namespace {

using State = FaultInjectingFileSystem::State;

FileSystemError injected(FsOp op, std::string_view what) {
  return FileSystemError(fmt::format("cannot {} '{}': injected fault", op_name(op), what));
}

// Runs `f` (the operation) under `fault`, which begin() returned.
template <class F>
auto run(State& s, std::optional<Fault> fault, FsOp op, std::string_view what, F&& f) {
  if (!fault) return f();
  switch (*fault) {
    case Fault::kFail:
      throw injected(op, what);
    case Fault::kCrash:
      throw s.crash();
    case Fault::kCrashAfter:
      try {
        (void)f();
      } catch (const FileSystemError&) {
        // It failed, and then the process died: the crash is what the caller sees.
      }
      throw s.die();
  }
  return f();
}

class FaultInjectingOutputStream final : public OutputStream {
 public:
  FaultInjectingOutputStream(std::shared_ptr<State> state, std::unique_ptr<OutputStream> inner, Path path)
      : state_(std::move(state)), inner_(std::move(inner)), path_(std::move(path)) {}

  // A dead process leaves its streams as they were: the temp file (or unfinished upload) stays.
  ~FaultInjectingOutputStream() override {
    if (inner_ && state_->is_crashed()) state_->abandon(std::move(inner_));
  }

  void write(std::string_view bytes) override {
    auto fault = state_->begin(FsOp::kWrite, fmt::format("{} ({} bytes)", path_.str(), bytes.size()));
    if (!inner_) throw FileSystemError(fmt::format("write to '{}' after commit or failure", path_.str()));
    if (fault == Fault::kFail) {
      inner_.reset();  // spent: a live process discards the temp file
      throw injected(FsOp::kWrite, path_.str());
    }
    run(*state_, fault, FsOp::kWrite, path_.str(), [&] { inner_->write(bytes); });
    pos_ += bytes.size();
  }

  void commit() override {
    auto fault = state_->begin(FsOp::kCommit, path_.str());
    if (!inner_) throw FileSystemError(fmt::format("'{}' committed twice or after a failure", path_.str()));
    if (fault == Fault::kCrash) throw state_->crash();        // before the rename: the temp file stays
    std::unique_ptr<OutputStream> inner = std::move(inner_);  // spent whatever happens
    run(*state_, fault, FsOp::kCommit, path_.str(), [&] { inner->commit(); });
  }

  uint64_t pos() const override { return pos_; }

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<OutputStream> inner_;  // null once committed or failed
  Path path_;
  uint64_t pos_ = 0;
};

// The files below `dir`, depth first in name order.
void files_below(FileSystem& fs, const Path& dir, std::vector<Path>& out) {
  for (const auto& e : fs.list(dir)) {
    if (e.is_dir)
      files_below(fs, e.path, out);
    else
      out.push_back(e.path);
  }
}

}  // namespace

FaultInjectingFileSystem::FaultInjectingFileSystem(std::shared_ptr<FileSystem> inner)
    : inner_(std::move(inner)), state_(std::make_shared<State>()) {}

FaultInjectingFileSystem::~FaultInjectingFileSystem() {
  std::vector<std::unique_ptr<OutputStream>> abandoned;
  {
    std::lock_guard lock(state_->mu);
    abandoned.swap(state_->abandoned);
  }
}

void FaultInjectingFileSystem::inject(FsOp op, uint64_t n, Fault fault) {
  std::lock_guard lock(state_->mu);
  state_->rules.push_back({op, n, fault});
}

void FaultInjectingFileSystem::inject_on_path(FsOp op, std::string path_part, uint64_t n, Fault fault) {
  std::lock_guard lock(state_->mu);
  state_->rules.push_back({op, n, fault, std::move(path_part)});
}

void FaultInjectingFileSystem::inject_at(uint64_t n, Fault fault) {
  std::lock_guard lock(state_->mu);
  state_->rules.push_back({std::nullopt, n, fault});
}

void FaultInjectingFileSystem::clear_faults() {
  std::lock_guard lock(state_->mu);
  state_->rules.clear();
}

uint64_t FaultInjectingFileSystem::count(FsOp op) const {
  std::lock_guard lock(state_->mu);
  return state_->counts[static_cast<size_t>(op)];
}

uint64_t FaultInjectingFileSystem::count() const {
  std::lock_guard lock(state_->mu);
  return state_->total;
}

bool FaultInjectingFileSystem::crashed() const {
  return state_->is_crashed();
}

std::vector<std::string> FaultInjectingFileSystem::trace() const {
  std::lock_guard lock(state_->mu);
  return state_->trace;
}

size_t FaultInjectingFileSystem::abandoned_streams() const {
  std::lock_guard lock(state_->mu);
  return state_->abandoned.size();
}

std::string_view FaultInjectingFileSystem::scheme() const {
  return inner_->scheme();
}

std::unique_ptr<OutputStream> FaultInjectingFileSystem::create(const Path& path, WriteMode mode) {
  auto fault = state_->begin(FsOp::kCreate, path.str());
  if (fault == Fault::kCrashAfter) {
    state_->abandon(inner_->create(path, mode));  // the temp file was created, then the process died
    throw state_->die();
  }
  return run(*state_, fault, FsOp::kCreate, path.str(), [&]() -> std::unique_ptr<OutputStream> {
    return std::make_unique<FaultInjectingOutputStream>(state_, inner_->create(path, mode), path);
  });
}

std::string FaultInjectingFileSystem::read(const Path& path) {
  return run(*state_, state_->begin(FsOp::kRead, path.str()), FsOp::kRead, path.str(),
             [&] { return inner_->read(path); });
}

std::string FaultInjectingFileSystem::read_range(const Path& path, uint64_t offset, uint64_t length) {
  std::string what = fmt::format("{} [{}, +{})", path.str(), offset, length);
  return run(*state_, state_->begin(FsOp::kReadRange, what), FsOp::kReadRange, path.str(),
             [&] { return inner_->read_range(path, offset, length); });
}

std::optional<FileStatus> FaultInjectingFileSystem::stat(const Path& path) {
  return run(*state_, state_->begin(FsOp::kStat, path.str()), FsOp::kStat, path.str(),
             [&] { return inner_->stat(path); });
}

std::vector<FileStatus> FaultInjectingFileSystem::list(const Path& dir) {
  return run(*state_, state_->begin(FsOp::kList, dir.str()), FsOp::kList, dir.str(),
             [&] { return inner_->list(dir); });
}

void FaultInjectingFileSystem::remove(const Path& path) {
  run(*state_, state_->begin(FsOp::kRemove, path.str()), FsOp::kRemove, path.str(),
      [&] { inner_->remove(path); });
}

void FaultInjectingFileSystem::remove_all(const Path& dir) {
  auto fault = state_->begin(FsOp::kRemoveAll, dir.str());
  if (fault == Fault::kCrash) {
    // Torn: a recursive delete that died part way. Name order puts _metadata after a checkpoint's task
    // files, so this leaves the worst case, a _metadata whose files are gone.
    std::vector<Path> files;
    if (auto st = inner_->stat(dir); st && st->is_dir) files_below(*inner_, dir, files);
    if (!files.empty()) files.pop_back();
    for (const auto& f : files) inner_->remove(f);
    throw state_->crash();
  }
  run(*state_, fault, FsOp::kRemoveAll, dir.str(), [&] { inner_->remove_all(dir); });
}

void FaultInjectingFileSystem::mkdirs(const Path& dir) {
  run(*state_, state_->begin(FsOp::kMkdirs, dir.str()), FsOp::kMkdirs, dir.str(),
      [&] { inner_->mkdirs(dir); });
}

void FaultInjectingFileSystem::download(const Path& path, const std::string& local) {
  // Through this file system's stat and read_range (FileSystem::download), so those count too.
  run(*state_, state_->begin(FsOp::kDownload, path.str()), FsOp::kDownload, path.str(),
      [&] { FileSystem::download(path, local); });
}

void FaultInjectingFileSystem::upload(const std::string& local, const Path& path, WriteMode mode) {
  // Through this file system's create, write and commit (FileSystem::upload), so those count too.
  run(*state_, state_->begin(FsOp::kUpload, path.str()), FsOp::kUpload, path.str(),
      [&] { FileSystem::upload(local, path, mode); });
}

}  // namespace weir::fs
