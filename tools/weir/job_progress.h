#pragma once
// What an attached `weir run` / `weir nexmark` shows while its job runs on a cluster (issue 17, item 5):
// the job's state, the records per second its sources send on, and the last completed checkpoint. On a
// terminal it is one line rewritten in place about once a second; otherwise (a pipe, a file, CI logs)
// a plain line whenever the state changes or a checkpoint completes, and at least every 10 s.
//
// Threading: one thread (the command's).
#include <chrono>
#include <cstdio>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace weir::cli {

struct JobProgress {
  std::string state;
  //! Records per second leaving the source vertices (summed); none before two metric samples, or when
  //! the whole job is one chained vertex with no network output to count.
  std::optional<double> records_per_second;
  int restarts = 0;
  std::optional<int64_t> checkpoint_id;  //!< the latest completed checkpoint
  int64_t checkpoint_age_ms = 0;         //!< since it completed
  int64_t checkpoint_size = 0;           //!< its state size in bytes
  int64_t checkpoints_failed = 0;
};

//! `job` is /jobs/:id, `checkpoints` /jobs/:id/checkpoints (null: not asked), `sources` the ids of the
//! vertices without inputs (from /jobs/:id/plan), `now_ms` the time since the epoch.
JobProgress job_progress(const nlohmann::json& job, const nlohmann::json& checkpoints,
                         const std::set<std::string>& sources, int64_t now_ms);

//! "RUNNING  12.3k records/s  checkpoint 7 (1.2 s ago, 3.4 MB)  restarts 1"
std::string format_progress(const JobProgress& p);

class ProgressLine {
 public:
  ProgressLine(std::FILE* out, bool terminal) : out_(out), terminal_(terminal) {}
  //! Shows `p` (a terminal: in place; otherwise a new line when it is news, see above).
  void show(const JobProgress& p);
  //! Ends the line in place (a terminal), so what follows starts on a line of its own.
  void end();

 private:
  std::FILE* out_;
  bool terminal_;
  bool shown_ = false;
  std::string last_state_;
  std::optional<int64_t> last_checkpoint_;
  std::chrono::steady_clock::time_point last_line_{};
};

}  // namespace weir::cli
