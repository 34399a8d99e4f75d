#pragma once
// The JobManager's pool for blocking I/O (Flink's ioExecutor): checkpoint metadata writes, ZooKeeper
// completions, discards of subsumed and aborted checkpoints, reading checkpoints to restore from, and the
// end-of-job callbacks that wait on the TaskManagers' data planes. A small fixed number of threads shared by
// every JobMaster of a Dispatcher; what one job runs on it is ordered by its IoLane (io_lane.h), which has at
// most one function queued or running here at a time, so the queue is bounded by the number of JobMasters.
//
// Threading: submit() from any thread. Destruction runs what is queued, then ends the threads: joined, or
// detached when the last owner lets go on one of them (a JobMaster destroyed by its own I/O step); they touch
// only their shared State then. A function that throws is logged; the pool goes on.
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace weir::cluster {

class IoExecutor {
 public:
  static constexpr int kDefaultThreads = 4;
  explicit IoExecutor(int threads = kDefaultThreads);
  ~IoExecutor();
  IoExecutor(const IoExecutor&) = delete;
  IoExecutor& operator=(const IoExecutor&) = delete;

  //! Queues `fn`; after shutdown() it is dropped (reported).
  void submit(std::function<void()> fn);
  //! Runs what is queued, then ends the threads (see above). Idempotent; the destructor calls it.
  void shutdown();
  //! Functions queued and not yet started (tests, metrics).
  size_t queued() const;

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> queue;
    bool stopping = false;
  };
  static void run(State& s);
  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace weir::cluster
