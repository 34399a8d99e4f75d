#pragma once
// The asynchronous part of a task's checkpoints (Flink's AsyncCheckpointRunnable, on one thread per task):
// the task thread snapshots its operators synchronously and posts the rest (encode, upload, acknowledge,
// local copies) here, so processing goes on meanwhile. Jobs run one at a time in the order posted, so a
// checkpoint's acknowledgement never overtakes an older one's, and removing local copies subsumed by a
// completed checkpoint waits for any snapshot still being written.
//
// Threading: post() from any thread (the task thread in practice); the writer thread starts on the first
// post; stop() (or the destructor) lets it finish the posted jobs, then joins it. A job posted after
// stop() is dropped: the task is ending.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace weir::cluster {

class SnapshotWriter {
 public:
  SnapshotWriter() = default;
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;
  ~SnapshotWriter() { stop(); }

  //! Queues `job`; false (and the job is dropped) once stop() was called.
  bool post(std::function<void()> job);
  //! Runs what is queued, then ends the thread. Idempotent.
  void stop();

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace weir::cluster
