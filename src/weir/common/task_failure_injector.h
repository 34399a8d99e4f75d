#pragma once
// Fails tasks at random moments of a run, for recovery tests and `weir nexmark --inject-failures K`.
// A source that carries an injector reports each batch of records it emitted and each checkpoint it
// heard complete. Failure k is due once the run has emitted more records (over all subtasks and
// attempts, replays included) than the k-th of K seeded random thresholds; the next report after
// that from a subtask that has heard a checkpoint complete in its own attempt throws InjectedFailure.
// So every failure happens after at least one completed checkpoint and the job recovers from one,
// and an attempt fails at most once: the other subtasks of an attempt that already failed (they are
// being canceled) never throw.
//
// Threading: one injector is shared by every subtask and every attempt of a job; its members are
// thread-safe. A Subtask handle belongs to one subtask's task thread.
#include <atomic>
#include <cstdint>
#include <vector>

namespace weir {

class TaskFailureInjector {
 public:
  //! `failures` failures spread over a run of about `expected_records` records (thresholds between
  //! 5% and 80% of it; <= 0: unknown, one failure per ~100k records). Equal seeds give equal thresholds.
  TaskFailureInjector(int failures, int64_t expected_records, uint64_t seed);

  //! One subtask of one attempt.
  struct Subtask {
    int64_t epoch = 0;  //!< failures injected when the subtask started
    bool checkpointed = false;
  };
  //! Called when a subtask starts (each attempt anew).
  Subtask attach() const { return Subtask{injected_.load(), false}; }
  void on_checkpoint_complete(Subtask& s) const { s.checkpointed = true; }
  //! Counts `n` emitted records; throws InjectedFailure when a failure is due here.
  void after_records(Subtask& s, int64_t n);

  int failures() const { return static_cast<int>(thresholds_.size()); }
  int injected() const { return static_cast<int>(injected_.load()); }
  const std::vector<int64_t>& thresholds() const { return thresholds_; }

 private:
  std::vector<int64_t> thresholds_;  // ascending
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t> injected_{0};
};

}  // namespace weir
