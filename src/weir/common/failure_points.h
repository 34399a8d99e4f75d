#pragma once
// Named failure points for tests (after Redpanda's fault injector and RocksDB's kill points). Code on
// a path worth breaking calls `WEIR_FAILURE_POINT("task.before-snapshot")`; a test arms that name and
// the point throws InjectedFailure on its n-th hit. The points are compiled into every build, so the
// tested binary is the shipped one, but they are inert unless armed: an unarmed check is one relaxed
// atomic load.
//
// Points in the engine (grep WEIR_FAILURE_POINT for the others):
//   task.restore            a task about to restore an operator's state
//   task.before-snapshot    a task about to take its synchronous snapshot
//   task.before-ack         a task's snapshot written, its acknowledgement not yet sent (the checkpoint
//                           is declined, the task keeps running)
//   task.checkpoint-complete  a task told that a checkpoint completed, before its operators hear of it
//   rpc.task-failure-report   a TaskManager about to report a task FAILED to the JobManager: when it fires
//                             the report is dropped (a lost message; heartbeat reconciliation finds the task
//                             missing)
//   rpc.cancel-task           the JobManager about to send a CancelTask to a TaskManager: when it fires the
//                             request is dropped and the cancel counts as lost (the JobMaster retries it,
//                             then takes the attempt as canceled)
//   rpc.release-job           the JobManager about to send a ReleaseJob to a TaskManager: when it fires the
//                             request is dropped (the TaskManager's heartbeats then release the job)
//   Service threads, each in the unit of work its thread catches (tests of what a throw there does):
//   jobmanager.heartbeat-round  a round of the JobManager's heartbeat monitor (the round is lost, the next
//                               comes a tick later)
//   rest.metric-history.round   a round of REST's metric sampler (the round's samples are lost)
//   taskmanager.connection.heartbeat  the TaskManager's connection thread about to send a heartbeat (the
//                               TaskManager fails, failure() naming the error)
//   taskmanager.reaper          the TaskExecutor's reaper about to reap an ended task (a fatal error of the
//                               TaskManager: a TaskManager process exits with code 70)
//
// Threading: every member is safe to call from any thread; arming is meant for tests, before or while
// a job runs.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "weir/common/error.h"

namespace weir {

//! Thrown by an armed failure point; a task that sees it fails like on any other error.
class InjectedFailure : public WeirError {
 public:
  explicit InjectedFailure(const std::string& point) : WeirError("injected failure at '" + point + "'") {}
};

class FailurePoints {
 public:
  //! From now on, the `nth` hit of `name` (1: the next one) throws, and so do the `times - 1` hits
  //! after it; then the point is inert again. Re-arming a point replaces its previous arming.
  static void arm(std::string_view name, int64_t nth = 1, int64_t times = 1);
  static void disarm(std::string_view name);
  static void disarm_all();
  //! Hits of `name` while it was armed, and how many of those threw.
  static int64_t hits(std::string_view name);
  static int64_t fired(std::string_view name);

  //! Throws InjectedFailure when `name` is armed and this hit is due.
  static void check(std::string_view name) {
    if (armed_.load(std::memory_order_relaxed) != 0) check_armed(name);
  }

 private:
  static void check_armed(std::string_view name);
  static std::atomic<int> armed_;  // number of armed points
};

}  // namespace weir

#define WEIR_FAILURE_POINT(name) ::weir::FailurePoints::check(name)
