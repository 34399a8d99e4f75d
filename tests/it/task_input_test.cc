// A task's input channels carry bytes another process wrote (issue 12: untrusted bytes). One keyed task is
// deployed alone on a registry of local channels, which the test writes as its two producers would, and
// the task must fail naming the channel, not allocate without bound: a frame announcing more than the
// largest frame (whole, or with its header split across two buffers), and events sent without end to a
// channel blocked for a checkpoint's alignment (beyond taskmanager.network.max-stashed-event-bytes, whose
// bad values are refused naming the key).
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "weir/cluster/taskmanager/barrier_codec.h"
#include "weir/cluster/taskmanager/task.h"
#include "weir/cluster/taskmanager/task_options.h"
#include "weir/network/element_kind.h"
#include "weir/network/partition_registry.h"
#include "weir/weir.h"

namespace weir {
namespace {

using cluster::ExecutionState;
using cluster::TaskStateUpdate;

//! The JobMaster's side of the task: what it reported.
class Reports : public cluster::JobMasterGateway {
 public:
  void update_task_execution_state(const TaskStateUpdate& u) override {
    std::lock_guard lock(mu_);
    if (cluster::is_terminal(u.state)) ended_ = u;
    cv_.notify_all();
  }
  //! The task's final report (FAILED, CANCELED, FINISHED), waited for up to a minute.
  std::optional<TaskStateUpdate> ended() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::minutes(1), [&] { return ended_.has_value(); });
    return ended_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<TaskStateUpdate> ended_;
};

//! The keyed task of "two generator subtasks -> key_by -> reduce -> sink" (subtask 0 of 1), deployed alone:
//! its two input channels are the registry's, written by the test.
struct KeyedTask {
  network::PartitionRegistry registry;
  std::shared_ptr<Reports> reports = std::make_shared<Reports>();
  std::shared_ptr<network::LocalChannel> inputs[2];
  std::unique_ptr<cluster::Task> task;

  //! `max_stashed_event_bytes`: the job's taskmanager.network.max-stashed-event-bytes (empty: the default).
  explicit KeyedTask(const std::string& max_stashed_event_bytes = {}) {
    auto env = StreamExecutionEnvironment::get_execution_environment();
    if (!max_stashed_event_bytes.empty())
      env->configure("taskmanager.network.max-stashed-event-bytes", max_stashed_event_bytes);
    env->enable_checkpointing(std::chrono::hours(1));  // barriers align (exactly-once); none is triggered
    auto numbers = env->from_generator<int64_t>([](int64_t i) { return i; }, int64_t{1} << 40, 1'000);
    numbers.set_parallelism(2);
    auto sums =
        numbers.key_by([](const int64_t& x) { return x % 3; }).reduce([](const int64_t& a, const int64_t& b) {
          return a + b;
        });
    sums.set_parallelism(1);
    sums.add_sink([](const int64_t&) {}).set_parallelism(1);
    auto jg = env->get_job_graph();
    cluster::TaskDeploymentDescriptor tdd;
    tdd.job = JobId::generate();
    tdd.job_graph = jg;
    tdd.vertex = 1;
    tdd.subtask = 0;
    tdd.clock = SystemClock::shared();
    EXPECT_FALSE(jg->vertices.at(1).is_source);
    const auto& edge = jg->edges.at(0);
    for (int p = 0; p < 2; ++p)
      inputs[p] = registry.channel({fmt::format("{}#0", tdd.job.to_string()), edge.id, p, 0});
    task = std::make_unique<cluster::Task>(std::move(tdd), &registry, reports);
    task->start();
  }
  //! Pushes `bytes` into input channel `p` as one buffer outside every pool (as events travel).
  void push(int p, const std::string& bytes) {
    inputs[p]->push(network::make_unpooled_buffer(bytes.data(), static_cast<uint32_t>(bytes.size()), false));
  }
  //! The task's failure; empty (and a test failure) when it did not fail.
  std::string failure() {
    auto end = reports->ended();
    if (!end) return "(the task did not end)";
    EXPECT_EQ(end->state, ExecutionState::kFailed) << end->error;
    return end->error;
  }
};

std::string frame_header(uint32_t length) {
  std::string h(4, '\0');
  std::memcpy(h.data(), &length, 4);
  return h;
}

std::string frame(network::ElementKind kind, const std::string& payload) {
  return frame_header(static_cast<uint32_t>(payload.size() + 1)) + static_cast<char>(kind) + payload;
}

TEST(TaskInput, AFrameLongerThanTheLargestFrameFailsTheTaskNamingTheChannel) {
  KeyedTask t;
  t.push(1, frame_header(network::kMaxFrameLength + 1) + "abc");
  std::string m = t.failure();
  EXPECT_NE(m.find(fmt::format("a frame of {} bytes announced in input channel 1 of ",
                               network::kMaxFrameLength + 1)),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("exceeds the largest frame"), std::string::npos) << m;
}

TEST(TaskInput, AFrameWhoseOversizedHeaderSpansTwoBuffersIsRefusedToo) {
  KeyedTask t;
  const std::string header = frame_header(0xffffffffu);
  t.push(0, header.substr(0, 2));  // the reader keeps the start of the frame, then learns its length
  t.push(0, header.substr(2) + "x");
  std::string m = t.failure();
  EXPECT_NE(m.find("a frame of 4294967295 bytes announced in input channel 0 of "), std::string::npos) << m;
}

// Channel 0 brings checkpoint 1's barrier and is blocked until channel 1 brings it too; what it brings
// meanwhile is held. Events travel without credit, so a producer could send them without end: beyond the
// bound (network::RemoteInputOptions::max_unread_event_bytes, 128 MiB) the task fails naming the channel.
TEST(TaskInput, EventsWithoutEndOnAChannelBlockedForAlignmentFailTheTask) {
  KeyedTask t;
  cluster::CheckpointBarrier barrier;
  barrier.id = 1;
  t.push(0, frame(network::ElementKind::kBarrier, cluster::encode_barrier(barrier)));
  const std::string event = frame(network::ElementKind::kEndOfData, "") + std::string(1 << 20, 'e');
  const uint64_t bound = network::RemoteInputOptions{}.max_unread_event_bytes;
  for (uint64_t sent = 0; sent <= bound; sent += event.size()) t.push(0, event);
  std::string m = t.failure();
  EXPECT_NE(m.find("input channel 0 of "), std::string::npos) << m;
  EXPECT_NE(m.find(fmt::format("more than the {} bytes a channel may hold without credit", bound)),
            std::string::npos)
      << m;
}

// The bound is the job's taskmanager.network.max-stashed-event-bytes: at 4 kb the fourth event of 1 KiB and
// some bytes is one too many (the task counts what it took before it failed).
TEST(TaskInput, TheBoundOnEventsHeldByABlockedChannelIsTheConfiguredOne) {
  KeyedTask t("4 kb");
  cluster::CheckpointBarrier barrier;
  barrier.id = 1;
  t.push(0, frame(network::ElementKind::kBarrier, cluster::encode_barrier(barrier)));
  const std::string event = frame(network::ElementKind::kEndOfData, "") + std::string(1024, 'e');
  for (int i = 0; i < 16; ++i) t.push(0, event);
  std::string m = t.failure();
  EXPECT_NE(m.find("input channel 0 of "), std::string::npos) << m;
  EXPECT_NE(m.find(fmt::format("received {} bytes of events while blocked", 4 * event.size())),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("more than the 4096 bytes a channel may hold without credit"), std::string::npos) << m;
}

TEST(TaskInput, ABadMaxStashedEventBytesIsRefusedNamingTheKey) {
  const std::string key = "taskmanager.network.max-stashed-event-bytes";
  for (const std::string& value : {"0", "-1", "lots", "12 parsecs", "99999999999999999999"}) {
    Configuration conf;
    try {
      conf.set(key, value);
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + value + "'"), std::string::npos) << e.what();
    }
  }
  Configuration conf;
  EXPECT_EQ(conf.get_memory(options::kMaxStashedEventBytes, true),
            static_cast<int64_t>(network::RemoteInputOptions{}.max_unread_event_bytes));
  conf.set(key, "1 b");  // the least: every stashed event fails its task
  EXPECT_EQ(conf.get_memory(options::kMaxStashedEventBytes, true), 1);
}

}  // namespace
}  // namespace weir
