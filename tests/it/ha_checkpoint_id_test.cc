// With high availability a checkpoint's id comes from ZooKeeper's counter (CheckpointHaHooks::next_id). That
// round trip happens on the JobMaster's I/O lane, ids reserved ahead of the triggers, never under the
// JobMaster's lock: a ZooKeeper that stops answering holds back checkpoints, not the JobMaster (task state
// updates, cancellation, status). Here the counter is a gate the test closes; the hook's ZooKeeper side is
// tested against a real ZooKeeper by the ha_* tests.
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using cluster::JobStatus;
using testing::eventually;
using testing::TempDir;

//! A checkpoint id counter that answers only while open, like a ZooKeeper that stopped answering.
class GatedCounter {
 public:
  int64_t next() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    --waiting_;
    ids_.push_back(next_);
    return next_++;
  }
  void set_open(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mu_);
    return waiting_;
  }
  std::vector<int64_t> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
  int64_t next_ = 100;
  std::vector<int64_t> ids_;
};

TEST(HaCheckpointIds, AZooKeeperThatDoesNotAnswerHoldsBackCheckpointsNotTheJobMaster) {
  TempDir checkpoints;
  cluster::MiniClusterConfig c;
  c.num_task_managers = 1;
  c.slots_per_task_manager = 2;
  cluster::MiniCluster mc(c);
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "20 ms");
  env->configure("execution.checkpointing.dir", checkpoints.path.string());
  env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 2'000)
      .add_sink([](const int64_t&) {});
  auto counter = std::make_shared<GatedCounter>();
  cluster::CheckpointHaHooks hooks;
  hooks.next_id = [counter] { return counter->next(); };
  auto jm = mc.dispatcher().submit_job(env->get_job_graph(), SystemClock::shared(), JobId::generate(), hooks);
  ASSERT_TRUE(eventually([&] { return jm->checkpoint_stats().completed >= 2; }));
  const int64_t before = jm->checkpoint_stats().latest->id;
  EXPECT_GE(before, 100);  // from the counter

  counter->set_open(false);
  // The next reservation waits on the counter (it follows the next trigger).
  ASSERT_TRUE(eventually([&] { return counter->waiting() > 0; }));
  // Meanwhile the JobMaster answers and follows its tasks: it is cancelled, the tasks report CANCELED.
  auto checks = std::async(std::launch::async, [&] {
    bool running = jm->status() == JobStatus::kRunning;
    jm->cancel();
    bool canceled = eventually([&] { return jm->status() == JobStatus::kCanceled; });
    return running && canceled;
  });
  const bool answered = checks.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  counter->set_open(true);  // let a blocked JobMaster go, so that the test ends either way
  EXPECT_TRUE(answered) << "the JobMaster was blocked while ZooKeeper's counter did not answer";
  EXPECT_TRUE(checks.get()) << "the job was not RUNNING, then CANCELED";
  EXPECT_EQ(jm->wait(std::chrono::seconds(60)), JobStatus::kCanceled);
  // Ids taken from the counter in increasing order, the checkpoints' among them.
  auto ids = counter->ids();
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_NE(std::find(ids.begin(), ids.end(), before), ids.end());
  mc.close();
}

}  // namespace
}  // namespace weir
