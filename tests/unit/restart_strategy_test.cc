// Restart strategies: delays and limits, from configuration, without running a job.
#include <gtest/gtest.h>

#include "weir/checkpoint/checkpoint_options.h"
#include "weir/cluster/jobmanager/restart_strategy.h"
#include "weir/common/error.h"

namespace weir::cluster {
namespace {

TEST(RestartStrategy, DefaultsFollowCheckpointing) {
  Configuration conf;
  EXPECT_EQ(RestartStrategy::from_config(conf, false)->describe(), "none");
  EXPECT_NE(RestartStrategy::from_config(conf, true)->describe().find("exponential-delay"),
            std::string::npos);
}

TEST(RestartStrategy, FixedDelayAllowsItsAttemptsThenFails) {
  Configuration conf;
  conf.set("restart-strategy.type", "fixed-delay");
  conf.set("restart-strategy.fixed-delay.attempts", "3");
  conf.set("restart-strategy.fixed-delay.delay", "250 ms");
  auto s = RestartStrategy::from_config(conf, false);
  EXPECT_EQ(s->on_failure(0), 250);
  EXPECT_EQ(s->on_failure(1), 250);
  EXPECT_EQ(s->on_failure(2), 250);
  EXPECT_EQ(s->on_failure(3), -1);
}

TEST(RestartStrategy, FailureRateCountsOnlyFailuresInsideTheInterval) {
  FailureRateRestartStrategy s(2, 1000, 10);
  EXPECT_EQ(s.on_failure(0), 10);
  EXPECT_EQ(s.on_failure(500), 10);
  EXPECT_EQ(s.on_failure(900), -1);  // third failure within 1 s
  FailureRateRestartStrategy t(2, 1000, 10);
  EXPECT_EQ(t.on_failure(0), 10);
  EXPECT_EQ(t.on_failure(500), 10);
  EXPECT_EQ(t.on_failure(1600), 10);  // the first two are older than the interval by now
}

TEST(RestartStrategy, ExponentialDelayGrowsCapsJittersAndResets) {
  ExponentialDelayRestartStrategy::Options o;
  o.initial_ms = 100;
  o.max_ms = 1000;
  o.multiplier = 2;
  o.jitter = 0;
  o.reset_threshold_ms = 10'000;
  ExponentialDelayRestartStrategy s(o);
  EXPECT_EQ(s.on_failure(0), 100);
  EXPECT_EQ(s.on_failure(1), 200);
  EXPECT_EQ(s.on_failure(2), 400);
  EXPECT_EQ(s.on_failure(3), 800);
  EXPECT_EQ(s.on_failure(4), 1000);
  EXPECT_EQ(s.on_failure(5), 1000);
  EXPECT_EQ(s.on_failure(50'000), 100);  // ran long enough: back to the initial backoff

  o.jitter = 0.1;
  ExponentialDelayRestartStrategy j(o, 7);
  for (int i = 0; i < 20; ++i) {
    int64_t d = j.on_failure(i);
    int64_t base = std::min<int64_t>(1000, 100LL << std::min(i, 4));
    EXPECT_GE(d, base * 9 / 10);
    EXPECT_LE(d, base * 11 / 10 + 1);
  }

  o.jitter = 0;
  o.attempts = 2;
  ExponentialDelayRestartStrategy limited(o);
  EXPECT_GE(limited.on_failure(0), 0);
  EXPECT_GE(limited.on_failure(1), 0);
  EXPECT_EQ(limited.on_failure(2), -1);
}

TEST(RestartStrategy, BadValuesNameTheKey) {
  Configuration conf;
  EXPECT_THROW(conf.set("restart-strategy.type", "sometimes"), ConfigError);
  conf.set("restart-strategy.type", "exponential-delay");
  conf.set("restart-strategy.exponential-delay.jitter-factor", "2.5");
  try {
    RestartStrategy::from_config(conf, true);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("jitter-factor"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir::cluster
