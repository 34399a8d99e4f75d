#pragma once
// Text files in a directory, exactly once. Each subtask writes a part file through the fs layer's
// commit-or-nothing stream (fs/file_system.h), whose bytes sit in a hidden temp file
// ("..<prefix>-<job>-<attempt>-<subtask>-<n>.pending.<pid>-<k>.inprogress"; the prefix is "part" unless
// PartFileNames say otherwise, as Flink's OutputFileConfig). Without checkpointing the file is published
// under its final name ("<prefix>-<job>-<attempt>-<subtask>-<n><suffix>") when the input ends. With
// checkpointing, a checkpoint's barrier commits the stream as the pending file
// (".<prefix>-...-<n>.pending": fsync, rename, fsync of the directory, before the task acknowledges, so
// the checkpoint never lists a file a power loss could take back) and the checkpoint's completion
// publishes it (two-phase commit: a rename, then an fsync of the directory, so a published file stays
// published). An error of any of these (disk full, fsync) is thrown: at the barrier it fails the
// checkpoint, at the completion it fails the task, whose restore publishes again; nothing passes in
// silence. On restore, pending files of the restored checkpoint are published and hidden files written
// after it are deleted, so the visible files hold every record exactly once.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/common/error.h"
#include "weir/common/formatter.h"
#include "weir/fs/file_system.h"
#include "weir/functions/functions.h"
#include "weir/functions/runtime_context.h"

namespace weir::connectors {

//! How part files are named (Flink's OutputFileConfig): "<prefix>-<job>-<attempt>-<subtask>-<n><suffix>".
struct PartFileNames {
  std::string prefix = "part";
  std::string suffix;
  //! Throws ConfigError naming a prefix or suffix that cannot be part of a file name.
  void validate() const;
};

class FilePartWriter {
 public:
  FilePartWriter() = default;
  FilePartWriter(const FilePartWriter&) = delete;
  FilePartWriter& operator=(const FilePartWriter&) = delete;
  ~FilePartWriter() = default;

  //! `run` names this run of the job (job id prefix and attempt); `transactional` follows checkpointing.
  void open(const std::string& dir, const std::string& job_prefix, int attempt, int subtask,
            bool transactional, PartFileNames names = {});
  void write_line(std::string_view line);
  //! Checkpoint `id` passes: close the current file as pending for `id`.
  void prepare_commit(int64_t id);
  //! Checkpoint `id` completed: publish every pending file of checkpoints up to `id`.
  void commit(int64_t id);
  //! End of input. Without checkpointing, publishes the current file; with it, the final checkpoint does.
  void finish();
  //! Pending files as state entries "<checkpoint id>|<directory>|<part name>".
  std::vector<std::string> pending_state() const;
  //! After a restore: publish the restored pending files, and delete hidden files of earlier attempts
  //! of this job that the checkpoint does not list. Each subtask acts on the files written by old
  //! subtasks s with s % parallelism == its index, so a subtask restarted alone (region failover)
  //! touches no file of a subtask that keeps running.
  void recover(const std::vector<std::string>& restored_pending, int parallelism);

 private:
  //! Commits the open part as its pending file (durably); no-op without one.
  void close_current();
  void flush_buffer();
  std::filesystem::path dir_;
  PartFileNames names_;
  std::string job_prefix_;
  int attempt_ = 0;
  int subtask_ = 0;
  bool transactional_ = false;
  int counter_ = 0;
  std::unique_ptr<fs::OutputStream> out_;        // the open part, bound for ".<current_>.pending"
  std::string buf_;                              // lines not yet handed to out_ (one write per 64 KiB)
  std::string current_;                          // base name of the open part, e.g. "part-..-0"
  std::multimap<int64_t, std::string> pending_;  // checkpoint id -> base name
};

//! Whether a part-file sink of this job commits its files with checkpoints (checkpointing is on), or
//! publishes them at the end of its input.
inline bool part_files_are_transactional(RuntimeContext& ctx) {
  return ctx.get_runtime_config().get_duration(options::kCheckpointInterval).count() > 0;
}

//! Shared lifecycle of the text and JSON part-file sinks.
template <typename T, typename Derived>
class PartFileSinkBase : public SinkFunction<T>, public CheckpointedFunction, public CheckpointListener {
 public:
  explicit PartFileSinkBase(std::string dir, PartFileNames names = {})
      : dir_(std::move(dir)), names_(std::move(names)) {
    names_.validate();
  }
  PartFileSinkBase(const PartFileSinkBase& o) : dir_(o.dir_), names_(o.names_) {}
  void initialize_state(RuntimeContext& ctx, bool restored) override {
    state_ = &ctx.get_union_list_state(ListStateDescriptor<std::string>("pending-part-files"));
    writer_.open(dir_, ctx.get_job_id().substr(0, 8), ctx.get_attempt_number(),
                 ctx.get_index_of_this_subtask(), part_files_are_transactional(ctx), names_);
    if (restored) writer_.recover(state_->get(), ctx.get_number_of_parallel_subtasks());
    state_->clear();
  }
  void snapshot_state(int64_t id) override {
    writer_.prepare_commit(id);
    state_->update(writer_.pending_state());
  }
  void notify_checkpoint_complete(int64_t id) override { writer_.commit(id); }
  void invoke(const T& v, const typename SinkFunction<T>::Context&) override {
    line_.clear();
    static_cast<Derived*>(this)->format(line_, v);
    writer_.write_line(line_);
  }
  void finish() override { writer_.finish(); }

 private:
  std::string dir_;
  PartFileNames names_;
  FilePartWriter writer_;
  ListState<std::string>* state_ = nullptr;
  std::string line_;
};

template <typename T>
class FileSink final : public PartFileSinkBase<T, FileSink<T>> {
 public:
  using PartFileSinkBase<T, FileSink<T>>::PartFileSinkBase;
  void format(std::string& out, const T& v) const { append_display(out, v); }
};

}  // namespace weir::connectors
