#pragma once
// A FileSystem for tests that wraps another one, counts its operations and fails or "crashes" at a chosen
// one (RocksDB's fault-injection env, for Weir's file-system layer). Register it with
// fs::set_for_testing("file", ...) and every checkpoint file goes through it.
//
// Operations are counted from 1, per kind and overall, in the order the calls arrive. A fault fires at
// the Nth operation of a kind, or at the Nth operation of any kind:
//  - kFail: that operation throws FileSystemError and does nothing (a failed write, fsync, rename or
//    upload; a stream whose write or commit failed is spent, and its temp file goes as it would in a
//    live process). Later operations run normally.
//  - kCrash: the process "dies" just before the operation: it does not happen and throws SimulatedCrash,
//    and so does every later operation of this file system and its streams. Two operations are torn
//    the way they can be in a real process death: a commit leaves the stream's temp file (local: the
//    bytes were written and maybe fsynced, the rename did not happen) and no target; a remove_all
//    removes the files below the directory except the last in name order, and no directory.
//  - kCrashAfter: the operation happens, then the process dies before the caller learns of it.
// After a crash, streams are never cleaned up: destroying one keeps the wrapped stream (and so its
// temp file, or an unfinished upload) alive for as long as this file system lives, as a dead process
// would have left it. Keep the file system until the "restarted process" (a fresh file system) is done.
//
// A commit is one operation: the local file system's fsync, rename and directory fsync, or S3's
// completed upload. upload() and download() count as one operation of their kind, then as the create,
// writes and commit (or stats and ranged reads) they are made of.
//
// Threading: thread-safe like every FileSystem; deterministic when one thread drives it.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/fs/file_system.h"

namespace weir::fs {

enum class FsOp {
  kCreate,
  kWrite,
  kCommit,
  kRead,
  kReadRange,
  kStat,
  kList,
  kRemove,
  kRemoveAll,
  kMkdirs,
  kUpload,
  kDownload,
};
inline constexpr int kFsOpKinds = 12;
std::string_view op_name(FsOp op);

enum class Fault { kFail, kCrash, kCrashAfter };

//! The simulated process died (FaultInjectingFileSystem). Deliberately not a std::exception: code that
//! reports errors and goes on (catch (const std::exception&)) must not survive a crash, since a dead
//! process runs no error handling. Tests catch it by type where the "process" ends.
class SimulatedCrash {
 public:
  explicit SimulatedCrash(std::string what) : what_(std::move(what)) {}
  const std::string& what() const { return what_; }

 private:
  std::string what_;
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> inner);
  ~FaultInjectingFileSystem() override;

  //! The `n`th operation (from 1) of kind `op` gets `fault`. Faults accumulate; each fires once.
  void inject(FsOp op, uint64_t n, Fault fault);
  //! The `n`th operation (from 1) of kind `op` on a path containing `path_part` gets `fault` (to hit one
  //! writer's files among others: a sink's part files, not the checkpoint's).
  void inject_on_path(FsOp op, std::string path_part, uint64_t n, Fault fault);
  //! The `n`th operation (from 1) of any kind gets `fault`.
  void inject_at(uint64_t n, Fault fault);
  //! Forgets the faults that have not fired (counts and a crash stay).
  void clear_faults();

  //! Operations of kind `op` so far (those that failed or crashed included, none after a crash).
  uint64_t count(FsOp op) const;
  //! Operations of every kind so far.
  uint64_t count() const;
  bool crashed() const;
  //! Every operation so far, one line each ("17 commit /tmp/x/chk-2/_metadata"); names what a fault hit.
  std::vector<std::string> trace() const;
  //! Streams abandoned since a crash, kept alive so that their temp files stay.
  size_t abandoned_streams() const;

  std::string_view scheme() const override;
  std::unique_ptr<OutputStream> create(const Path& path, WriteMode mode = WriteMode::kOverwrite) override;
  std::string read(const Path& path) override;
  std::string read_range(const Path& path, uint64_t offset, uint64_t length) override;
  std::optional<FileStatus> stat(const Path& path) override;
  std::vector<FileStatus> list(const Path& dir) override;
  void remove(const Path& path) override;
  void remove_all(const Path& dir) override;
  void mkdirs(const Path& dir) override;
  void download(const Path& path, const std::string& local) override;
  void upload(const std::string& local, const Path& path, WriteMode mode = WriteMode::kOverwrite) override;

  struct State;  // shared with the streams, which may outlive the file system

 private:
  std::shared_ptr<FileSystem> inner_;
  std::shared_ptr<State> state_;
};

}  // namespace weir::fs
