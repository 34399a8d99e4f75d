// How jobs end when something goes wrong: a throwing user function, cancellation, too few slots,
// and graphs the engine must refuse.
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::eventually;
using testing::Feed;
using testing::from_feed;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

class Failures : public ::testing::TestWithParam<int> {};

TEST_P(Failures, ThrowingFunctionFailsTheJobNamingOperatorAndMessage) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->from_sequence(0, 100000)
      .map([](const int64_t& v) {
        if (v == 777) throw std::runtime_error("bad record 777");
        return v;
      })
      .name("Validate")
      .rebalance()
      .map([](const int64_t& v) { return v; })
      .collect();
  try {
    env->execute("failing job");
    FAIL() << "execute() returned for a failing job";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Validate");
    EXPECT_CONTAINS(e.what(), "bad record 777");
  }
}

// A user function may throw what is not a std::exception (C++ allows any type); the task fails naming the
// operator, as Flink's task fails on any Throwable, instead of the exception ending the TaskManager.
TEST_P(Failures, AFunctionThrowingANonStdExceptionFailsTheJobNamingItsOperator) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->from_sequence(0, 100000)
      .map([](const int64_t& v) {
        if (v == 777) throw 777;  // NOLINT(hicpp-exception-baseclass): the point of this test
        return v;
      })
      .name("Thrower")
      .collect();
  try {
    env->execute("throws an int");
    FAIL() << "execute() returned for a failing job";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Thrower");
    EXPECT_CONTAINS(e.what(), "an exception that is not a std::exception");
  }
}

// A failure in a chained operator that is not the head, in a keyed function, after a shuffle.
class ThrowOnKey final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void process_element(const int64_t& v, Context& ctx, Collector<int64_t>& out) override {
    if (v == 4242) throw std::invalid_argument("key 4242 is forbidden");
    out.collect(v);
  }
};

TEST_P(Failures, KeyedFunctionFailureNamesItsOperator) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->from_sequence(0, 10000)
      .map([](const int64_t& v) { return v; })
      .key_by([](const int64_t& v) { return v; })
      .process(ThrowOnKey(), "Forbidden Keys")
      .map([](const int64_t& v) { return v + 1; }, "After")
      .collect();
  try {
    env->execute();
    FAIL() << "execute() returned for a failing job";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Forbidden Keys");
    EXPECT_CONTAINS(e.what(), "key 4242 is forbidden");
  }
}

// An event-time timer that throws: the error names the keyed operator, not the one before it.
class ThrowingTimer final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void process_element(const int64_t& v, Context& ctx, Collector<int64_t>& out) override {
    ctx.timer_service().register_event_time_timer(v);
  }
  void on_timer(Timestamp ts, OnTimerContext&, Collector<int64_t>&) override {
    if (ts == 50) throw std::runtime_error("timer 50 exploded");
  }
};

TEST_P(Failures, ThrowingTimerNamesItsOperator) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->configure("pipeline.auto-watermark-interval", "0");
  env->from_sequence(0, 100)
      .assign_timestamps_and_watermarks(
          WatermarkStrategy<int64_t>::for_monotonous_timestamps().with_timestamp_assigner(
              [](const int64_t& v, Timestamp) { return v; }))
      .key_by([](const int64_t& v) { return v % 3; })
      .process(ThrowingTimer(), "Timer Owner")
      .collect();
  try {
    env->execute();
    FAIL() << "execute() returned for a failing job";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Timer Owner");
    EXPECT_CONTAINS(e.what(), "timer 50 exploded");
  }
}

class ThrowingProcessingTimer final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void process_element(const int64_t& v, Context& ctx, Collector<int64_t>& out) override {
    ctx.timer_service().register_processing_time_timer(ctx.timer_service().current_processing_time() + 10);
    out.collect(v);
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<int64_t>&) override {
    throw std::runtime_error("processing timer exploded");
  }
};

TEST_P(Failures, ThrowingProcessingTimeTimerNamesItsOperator) {
  auto clock = std::make_shared<ManualClock>(1000);
  auto feed = std::make_shared<testing::Feed<int64_t>>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->set_clock(clock);
  auto out = testing::from_feed(*env, feed)
                 .key_by([](const int64_t& v) { return v; })
                 .process(ThrowingProcessingTimer(), "Clock Watcher")
                 .collect();
  auto client = env->execute_async("processing timer failure");
  feed->push(1);
  ASSERT_TRUE(testing::eventually([&] { return out->size() == 1; }));
  clock->advance(20);
  try {
    client.get_job_execution_result();
    FAIL() << "the job did not fail";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Clock Watcher");
    EXPECT_CONTAINS(e.what(), "processing timer exploded");
  }
}

TEST_P(Failures, CancelEndsCanceledAndStatusIsObservable) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  auto feed = std::make_shared<Feed<int64_t>>();  // never closed: the job runs until canceled
  auto out = from_feed(*env, feed).rebalance().map([](const int64_t& v) { return v * 2; }).collect();
  auto client = env->execute_async("cancel me");
  feed->push(21);
  ASSERT_TRUE(eventually([&] { return out->size() == 1; }));
  EXPECT_EQ(client.get_job_status(), JobStatus::kRunning);  // a record went through: it runs
  client.cancel();
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
  EXPECT_EQ(client.get_job_status(), JobStatus::kCanceled);
  EXPECT_THROW(client.get_job_execution_result(), JobCanceledError);
  client.cancel();  // canceling a canceled job changes nothing
  EXPECT_EQ(client.get_job_status(), JobStatus::kCanceled);
}

TEST_P(Failures, FinishedAndFailedAreTerminalStatuses) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  env->from_sequence(1, 10).collect();
  auto ok = env->execute_async("finishes");
  EXPECT_EQ(ok.wait_for(std::chrono::seconds(30)), JobStatus::kFinished);
  EXPECT_NO_THROW(ok.get_job_execution_result());

  env->from_sequence(1, 10)
      .map([](const int64_t&) -> int64_t { throw std::runtime_error("nope"); })
      .collect();
  auto bad = env->execute_async("fails");
  EXPECT_EQ(bad.wait_for(std::chrono::seconds(30)), JobStatus::kFailed);
  EXPECT_THROW(bad.get_job_execution_result(), JobExecutionError);
}

// A job stuck in backpressure (a blocked sink) can still be canceled.
TEST_P(Failures, CancelWhileBackpressured) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(GetParam());
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  env->from_generator<int64_t>([](int64_t i) { return i; }, -1)  // unbounded
      .rebalance()
      .add_sink([release, seen](const int64_t&) {
        ++*seen;
        while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
  auto client = env->execute_async("blocked");
  ASSERT_TRUE(eventually([&] { return seen->load() > 0; }));
  client.cancel();
  // The sink's function is in user code; release it so its task can observe the cancellation.
  release->store(true);
  EXPECT_EQ(client.wait_for(std::chrono::seconds(30)), JobStatus::kCanceled);
}

TEST(FailuresAtSubmission, TooFewSlotsFailsWithAClearError) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(4);
  env->configure("taskmanager.numberOfTaskSlots", "2");
  env->from_sequence(0, 10).map([](const int64_t& v) { return v; }).collect();
  try {
    env->execute("too big");
    FAIL() << "a job needing 4 slots ran on 2";
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "not enough task slots");
    EXPECT_CONTAINS(e.what(), "needs 4");
    EXPECT_CONTAINS(e.what(), "taskmanager.numberOfTaskSlots");
  }
}

TEST(FailuresAtSubmission, ForwardBetweenDifferentParallelismsIsRejected) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(4);
  env->from_sequence(0, 10)
      .map([](const int64_t& v) { return v; }, "Wide")
      .forward()
      .map([](const int64_t& v) { return v; }, "Narrow")
      .set_parallelism(2);
  try {
    env->execute("bad forward");
    FAIL() << "a forward edge between parallelism 4 and 2 was accepted";
  } catch (const JobDefinitionError& e) {
    EXPECT_CONTAINS(e.what(), "forward");
    EXPECT_CONTAINS(e.what(), "'Wide' (4)");
    EXPECT_CONTAINS(e.what(), "'Narrow' (2)");
  }
}

TEST(FailuresAtSubmission, KeyedStateOnANonKeyedStreamIsRefused) {
  struct Bad final : MapFunction<int64_t, int64_t> {
    void open(RuntimeContext& ctx) override { ctx.get_state(ValueStateDescriptor<int64_t>("x")); }
    int64_t map(const int64_t& v) override { return v; }
  };
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->from_sequence(0, 10).map(Bad(), "Needs Keys").collect();
  try {
    env->execute();
    FAIL();
  } catch (const JobExecutionError& e) {
    EXPECT_CONTAINS(e.what(), "Needs Keys");
    EXPECT_CONTAINS(e.what(), "key_by");
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, Failures, ::testing::Values(1, 4));

}  // namespace
}  // namespace weir
