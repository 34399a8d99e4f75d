#pragma once
// Savepoints, stops with a savepoint and checkpoints triggered over REST, by trigger id: Flink's
// asynchronous operations. A trigger returns an id at once; the status routes ask here whether the
// operation is IN_PROGRESS or COMPLETED, with the savepoint's location (or the checkpoint's id) or
// the failure's cause. run() computes the result on a waiter thread of its own (an operation that
// waits until the job can take it, a savepoint that cancels the job after it).
//
// Bounded: a finished operation's outcome is kept for rest.async.store-duration after it was first seen
// finished (Flink's key: a client that triggers and never asks does not make the JobManager grow), and at
// most kMaxOperations operations are kept, the oldest finished ones going first; at most kMaxWaiters waiter
// threads run at once (another trigger is refused with 429 until one ends).
//
// Threading: thread-safe (one mutex). Waiter threads are joined by the destructor, which first tells
// them to stop waiting.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace weir::cluster::rest {

enum class OperationKind { kSavepoint, kStopWithSavepoint, kCheckpoint };

struct OperationStatus {
  OperationKind kind = OperationKind::kSavepoint;
  std::string job_id;
  bool done = false;
  std::string result;   //!< done without error: the savepoint's or checkpoint's path
  std::string failure;  //!< done with an error: why
};

class AsyncOperations {
 public:
  static constexpr size_t kMaxOperations = 1000;
  static constexpr size_t kMaxWaiters = 64;

  //! `store_duration`: rest.async.store-duration. `now_ms`: the clock expiry reads (null: the system's).
  explicit AsyncOperations(std::chrono::milliseconds store_duration = std::chrono::minutes(5),
                           std::function<int64_t()> now_ms = nullptr);
  ~AsyncOperations();
  AsyncOperations(const AsyncOperations&) = delete;
  AsyncOperations& operator=(const AsyncOperations&) = delete;

  //! Registers an operation on `job_id` and returns its trigger id (32 hex digits).
  std::string add(OperationKind kind, const std::string& job_id, std::future<std::string> result);
  //! Registers an operation whose result `work` computes on a thread of its own; `work` should give
  //! up (throw) once `closing` becomes true. Returns the trigger id.
  std::string run(OperationKind kind, const std::string& job_id,
                  std::function<std::string(const std::atomic<bool>& closing)> work);
  //! The operation's state, or nullopt when the id is unknown (or its outcome expired).
  std::optional<OperationStatus> status(const std::string& trigger_id);
  //! Operations kept now (finished ones not yet expired included).
  size_t size();

 private:
  struct Operation {
    OperationStatus status;
    std::shared_future<std::string> result;
    int64_t seq = 0;
    int64_t done_ms = -1;  // when it was first seen finished
  };
  void settle(Operation& op);
  int64_t now_ms() const;
  void evict_locked();
  std::string add_locked(OperationKind kind, const std::string& job_id, std::future<std::string> result);

  const std::chrono::milliseconds store_duration_;
  const std::function<int64_t()> now_ms_;
  std::mutex mu_;
  std::map<std::string, Operation> ops_;
  int64_t next_seq_ = 0;
  struct Waiter {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  // REQUIRES: mu_ held. Starts `f` on a waiter thread; joins waiters that have finished.
  void spawn_locked(std::function<void()> f);
  std::vector<Waiter> waiters_;
  std::atomic<bool> closing_{false};
};

}  // namespace weir::cluster::rest
