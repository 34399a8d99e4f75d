#pragma once
#include <cstdint>
#include <string>

#include "weir/common/ids.h"

namespace weir::cluster {

//! State of one subtask attempt (Flink's ExecutionState).
enum class ExecutionState {
  kCreated,
  kScheduled,
  kDeploying,
  kRunning,
  kFinished,
  kCanceling,
  kCanceled,
  kFailed
};

//! State of a job (Flink's JobStatus, the subset Weir uses now).
enum class JobStatus { kCreated, kRunning, kRestarting, kFailing, kFailed, kCanceling, kCanceled, kFinished };

//! What a finished job's client gets (Flink's JobExecutionResult).
struct JobExecutionResult {
  JobId job_id;
  int64_t net_runtime_ms = 0;
};

inline const char* to_string(ExecutionState s) {
  switch (s) {
    case ExecutionState::kCreated:
      return "CREATED";
    case ExecutionState::kScheduled:
      return "SCHEDULED";
    case ExecutionState::kDeploying:
      return "DEPLOYING";
    case ExecutionState::kRunning:
      return "RUNNING";
    case ExecutionState::kFinished:
      return "FINISHED";
    case ExecutionState::kCanceling:
      return "CANCELING";
    case ExecutionState::kCanceled:
      return "CANCELED";
    case ExecutionState::kFailed:
      return "FAILED";
  }
  return "?";
}

inline const char* to_string(JobStatus s) {
  switch (s) {
    case JobStatus::kCreated:
      return "CREATED";
    case JobStatus::kRunning:
      return "RUNNING";
    case JobStatus::kRestarting:
      return "RESTARTING";
    case JobStatus::kFailing:
      return "FAILING";
    case JobStatus::kFailed:
      return "FAILED";
    case JobStatus::kCanceling:
      return "CANCELING";
    case JobStatus::kCanceled:
      return "CANCELED";
    case JobStatus::kFinished:
      return "FINISHED";
  }
  return "?";
}

inline bool is_terminal(JobStatus s) {
  return s == JobStatus::kFailed || s == JobStatus::kCanceled || s == JobStatus::kFinished;
}
inline bool is_terminal(ExecutionState s) {
  return s == ExecutionState::kFinished || s == ExecutionState::kCanceled || s == ExecutionState::kFailed;
}

}  // namespace weir::cluster
