// The typed settings of the C++ API (weir/api/checkpoint_config.h): they write the keys the string
// configuration would, refuse bad values naming the key, and govern a job like those keys do.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/checkpoint/checkpoint_options.h"
#include "weir/weir.h"

namespace weir {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(TypedConfig, TypedSettersWriteTheKeysTheStringsWould) {
  StreamExecutionEnvironment typed;
  typed.enable_checkpointing(1500ms, CheckpointingMode::kAtLeastOnce);
  typed.get_checkpoint_config()
      .set_checkpoint_timeout(2min)
      .set_min_pause_between_checkpoints(250ms)
      .set_max_concurrent_checkpoints(2)
      .set_tolerable_checkpoint_failure_number(3)
      .enable_unaligned_checkpoints()
      .set_aligned_checkpoint_timeout(40ms)
      .set_externalized_checkpoint_retention(ExternalizedCheckpointRetention::kRetainOnCancellation)
      .set_checkpoint_storage("file:///tmp/weir-typed");
  typed.set_state_backend(EmbeddedRocksDBStateBackend(/*enable_incremental_checkpointing=*/true));
  typed.set_restart_strategy(RestartStrategies::fixed_delay_restart(4, 3s));
  typed.set_buffer_timeout(7ms);

  StreamExecutionEnvironment strings;
  for (auto [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"execution.checkpointing.interval", "1500 ms"},
           {"execution.checkpointing.mode", "at_least_once"},
           {"execution.checkpointing.timeout", "2 min"},
           {"execution.checkpointing.min-pause", "250 ms"},
           {"execution.checkpointing.max-concurrent-checkpoints", "2"},
           {"execution.checkpointing.tolerable-failed-checkpoints", "3"},
           {"execution.checkpointing.unaligned.enabled", "true"},
           {"execution.checkpointing.aligned-checkpoint-timeout", "40 ms"},
           {"execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation"},
           {"execution.checkpointing.dir", "file:///tmp/weir-typed"},
           {"state.backend.type", "rocksdb"},
           {"execution.checkpointing.incremental", "true"},
           {"restart-strategy.type", "fixed-delay"},
           {"restart-strategy.fixed-delay.attempts", "4"},
           {"restart-strategy.fixed-delay.delay", "3 s"},
           {"execution.buffer-timeout.interval", "7 ms"}})
    strings.configure(k, v);

  const Configuration& a = typed.get_config();
  const Configuration& b = strings.get_config();
  for (const auto* opt :
       {&options::kCheckpointInterval, &options::kCheckpointTimeout, &options::kCheckpointMinPause,
        &options::kAlignedCheckpointTimeout, &options::kBufferTimeout})
    EXPECT_EQ(a.get_duration(*opt), b.get_duration(*opt)) << opt->key();
  for (const char* key :
       {"execution.checkpointing.mode", "execution.checkpointing.max-concurrent-checkpoints",
        "execution.checkpointing.tolerable-failed-checkpoints", "execution.checkpointing.unaligned.enabled",
        "execution.checkpointing.externalized-checkpoint-retention", "execution.checkpointing.dir",
        "state.backend.type", "execution.checkpointing.incremental", "restart-strategy.type",
        "restart-strategy.fixed-delay.attempts"})
    EXPECT_EQ(a.raw(key), b.raw(key)) << key;
  EXPECT_EQ(a.get_duration(options::kCheckpointInterval), 1500ms);
  EXPECT_EQ(typed.get_checkpoint_config().get_checkpointing_mode(), CheckpointingMode::kAtLeastOnce);
  EXPECT_TRUE(typed.get_checkpoint_config().is_checkpointing_enabled());
  EXPECT_FALSE(StreamExecutionEnvironment().get_checkpoint_config().is_checkpointing_enabled());
}

TEST(TypedConfig, BadValuesAreRefusedNamingTheKey) {
  StreamExecutionEnvironment env;
  EXPECT_NE(error_of([&] { env.enable_checkpointing(0ms); }).find("execution.checkpointing.interval"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              env.get_checkpoint_config().set_max_concurrent_checkpoints(0);
            }).find("execution.checkpointing.max-concurrent-checkpoints"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              env.get_checkpoint_config().set_checkpoint_timeout(-1s);
            }).find("execution.checkpointing.timeout"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              RestartStrategies::fixed_delay_restart(-1, 1s);
            }).find("restart-strategy.fixed-delay.attempts"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              RestartStrategies::exponential_delay_restart(1s, 10s, 2.0, 1h, 1.5);
            }).find("restart-strategy.exponential-delay.jitter-factor"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              RestartStrategies::failure_rate_restart(0, 1min, 1s);
            }).find("restart-strategy.failure-rate.max-failures-per-interval"),
            std::string::npos);
  EXPECT_NE(error_of([&] { env.set_buffer_timeout(-1ms); }).find("execution.buffer-timeout.interval"),
            std::string::npos);
  EXPECT_FALSE(env.get_checkpoint_config().is_checkpointing_enabled()) << "a refused value changes nothing";
}

// A map that fails on its first `failures` attempts at the record 5, then passes everything.
struct FailFirstAttempts {
  std::shared_ptr<std::atomic<int>> failed;
  int failures;
  int64_t operator()(const int64_t& v) const {
    if (v == 5 && failed->load() < failures) {
      failed->fetch_add(1);
      throw std::runtime_error("planned failure");
    }
    return v;
  }
};

TEST(TypedConfig, TheTypedRestartStrategyGovernsTheJob) {
  testing::TempDir ckpt;
  {
    auto failed = std::make_shared<std::atomic<int>>(0);
    StreamExecutionEnvironment env;
    env.set_parallelism(1);
    env.enable_checkpointing(20ms).get_checkpoint_config().set_checkpoint_storage(ckpt.path.string());
    env.set_restart_strategy(RestartStrategies::fixed_delay_restart(2, 0ms));
    auto out = env.from_sequence(0, 9).map(FailFirstAttempts{failed, 2}).collect();
    auto client = env.execute_async("typed restart strategy");
    client.get_job_execution_result();
    EXPECT_EQ(failed->load(), 2);
    EXPECT_EQ(client.job_master().attempt(), 2) << "two restarts, as fixed_delay_restart(2, 0ms) allows";
  }
  {
    auto failed = std::make_shared<std::atomic<int>>(0);
    StreamExecutionEnvironment env;
    env.set_parallelism(1);
    env.enable_checkpointing(20ms).get_checkpoint_config().set_checkpoint_storage(ckpt.path.string());
    env.set_restart_strategy(RestartStrategies::no_restart());
    env.from_sequence(0, 9).map(FailFirstAttempts{failed, 2}).collect();
    EXPECT_THROW(env.execute("no restart"), JobExecutionError);
    EXPECT_EQ(failed->load(), 1) << "no_restart(): the first failure ends the job";
  }
}

}  // namespace
}  // namespace weir
