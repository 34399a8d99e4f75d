#pragma once
// Where one Weir cluster keeps its HA state: the znodes below <root><cluster-id> and the files below
// <storageDir><cluster-id>. The one place the layout is written down in code (README.md draws it).
#include <cstdint>
#include <string>

#include "weir/common/ids.h"
#include "weir/fs/path.h"
#include "weir/ha/ha_options.h"

namespace weir::ha {

class HaPaths {
 public:
  //! `cluster_znode` e.g. "/weir/default"; `storage_dir` the cluster's file directory (may be empty when
  //! only znodes are used).
  HaPaths(std::string cluster_znode, fs::Path storage_dir)
      : cluster_(std::move(cluster_znode)), storage_(std::move(storage_dir)) {}
  //! From resolved settings: <root><cluster-id> and <storageDir><cluster-id>.
  static HaPaths of(const HaSettings& settings);

  const std::string& cluster() const { return cluster_; }
  //! The election: ephemeral sequential latch-<uuid>-<seq> nodes.
  std::string latch_dir() const { return cluster_ + "/leader-latch"; }
  //! The published address of a leading component ("jobmanager").
  std::string leader(const std::string& component) const { return cluster_ + "/leader/" + component; }
  std::string jobs_dir() const { return cluster_ + "/jobs"; }
  std::string job(const JobId& id) const { return jobs_dir() + "/" + id.to_string(); }
  std::string counters_dir() const { return cluster_ + "/checkpoint-counter"; }
  std::string counter(const JobId& id) const { return counters_dir() + "/" + id.to_string(); }
  std::string checkpoints_dir() const { return cluster_ + "/checkpoints"; }
  std::string checkpoints(const JobId& id) const { return checkpoints_dir() + "/" + id.to_string(); }
  //! A checkpoint's pointer: its id zero-padded to 19 digits, so names sort like ids.
  std::string checkpoint(const JobId& id, int64_t checkpoint_id) const;
  std::string job_results_dir() const { return cluster_ + "/job-results"; }
  std::string job_result(const JobId& id) const { return job_results_dir() + "/" + id.to_string(); }

  const fs::Path& storage() const { return storage_; }
  //! A job's files in the storage directory: its specs.
  fs::Path job_files(const JobId& id) const { return storage_ / "jobs" / id.to_string(); }

 private:
  std::string cluster_;
  fs::Path storage_;
};

}  // namespace weir::ha
