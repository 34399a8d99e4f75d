#pragma once
// Stop-with-savepoint of one job (Flink's StopWithSavepointTerminationManager / the adaptive scheduler's
// StopWithSavepoint state, taken out of the scheduler). Without drain the savepoint is taken first and every
// task is then canceled; the job ends FINISHED (its windows and timers stay in the savepoint). With drain the
// sources are told to end their input (maximum watermark, so every event-time window and timer fires, then
// end of data); once every source has, the savepoint is triggered as the final checkpoint the tasks wait
// for before they finish, and the job finishes as a bounded job does.
//
// Threading: Under the JobMaster's lock. Every member is called with the JobMaster's mu_ held, and the
// savepoint's completion callbacks run under it too (the coordinator's completion step). It owns no thread
// and no lock of its own.
#include <future>
#include <memory>
#include <string>

namespace weir::cluster {

class JobMaster;

class StopWithSavepoint {
 public:
  explicit StopWithSavepoint(JobMaster& jm) : jm_(jm) {}
  StopWithSavepoint(const StopWithSavepoint&) = delete;
  StopWithSavepoint& operator=(const StopWithSavepoint&) = delete;

  //! Stops the job with a savepoint into `dir` (see above); the future yields its path or throws why not.
  std::future<std::string> stop(const std::string& dir, bool drain);
  //! The savepoint (without drain) was taken and the tasks are being canceled: the job ends FINISHED.
  bool stopping() const { return stopping_; }
  //! Draining: the next checkpoint must be the savepoint (an earlier one would let the drained tasks end
  //! before it, and their state would be missing from it).
  bool draining() const { return drain_promise_ != nullptr; }
  //! Every source of the current attempts has reached the end of its data while draining: takes the
  //! savepoint.
  void on_sources_ended();
  //! The job failed over, ended or was suspended while draining: the drain fails with `why`.
  void fail_drain(const std::string& why);

 private:
  std::future<std::string> drain(const std::string& dir);
  //! Returns why the savepoint could not start, or empty.
  std::string trigger_drained_savepoint();

  JobMaster& jm_;
  bool stopping_ = false;
  // While draining: the savepoint's directory and who waits for it.
  std::string drain_dir_;
  std::shared_ptr<std::promise<std::string>> drain_promise_;
};

}  // namespace weir::cluster
