// Releasing channels by job or by one attempt: channel keys are "<job id>#<attempt>"; a job id releases
// every attempt of it, an attempt's key that attempt alone ("<job>#3" is not "<job>#30"), so a
// TaskManager can drop a failed attempt's channels while the job runs on.
#include <gtest/gtest.h>

#include "weir/network/partition_registry.h"

namespace weir::network {
namespace {

TEST(JobKeyMatches, AJobIdMatchesEveryAttemptAndAnAttemptKeyOnlyItself) {
  EXPECT_TRUE(job_key_matches("abc#0", "abc"));
  EXPECT_TRUE(job_key_matches("abc#30", "abc"));
  EXPECT_FALSE(job_key_matches("abcd#0", "abc"));  // another job whose id starts the same
  EXPECT_TRUE(job_key_matches("abc#3", "abc#3"));
  EXPECT_FALSE(job_key_matches("abc#30", "abc#3"));
  EXPECT_FALSE(job_key_matches("abc#3", "abc#30"));
  EXPECT_FALSE(job_key_matches("abc", "abc#3"));
}

TEST(PartitionRegistry, ReleasingOneAttemptKeepsTheOthers) {
  PartitionRegistry r;
  auto a3 = r.channel({"job#3", 1, 0, 0});
  auto a30 = r.channel({"job#30", 1, 0, 0});
  auto other = r.channel({"jobx#3", 1, 0, 0});
  EXPECT_EQ(r.num_channels("job"), 2u);
  r.release_job("job#3");
  EXPECT_EQ(r.num_channels("job#3"), 0u);
  EXPECT_EQ(r.num_channels("job#30"), 1u);
  EXPECT_EQ(r.num_channels("jobx"), 1u);
  // A channel asked for again after its release is a new one.
  EXPECT_NE(r.channel({"job#3", 1, 0, 0}), a3);
  EXPECT_EQ(r.channel({"job#30", 1, 0, 0}), a30);
  r.release_job("job");
  EXPECT_EQ(r.num_channels("job"), 0u);
  EXPECT_EQ(r.channel({"jobx#3", 1, 0, 0}), other);
}

// A remote subscription of a released attempt gets no channel (the data plane refuses it) and does not
// bring the attempt's channels back; other attempts, a job released as a whole (a new JobManager leader runs
// it again) and local tasks are not affected. Only the last kRememberedReleases attempts are remembered.
TEST(PartitionRegistry, ARemoteSubscriptionOfAReleasedAttemptGetsNoChannel) {
  PartitionRegistry r;
  auto a3 = r.channel({"job#3", 1, 0, 0});
  r.release_job("job#3");
  EXPECT_EQ(r.channel_unless_released({"job#3", 1, 0, 0}), nullptr);
  EXPECT_EQ(r.channel_unless_released({"job#3", 2, 5, 7}), nullptr);
  EXPECT_EQ(r.num_channels("job#3"), 0u);
  auto a30 = r.channel_unless_released({"job#30", 1, 0, 0});
  ASSERT_NE(a30, nullptr);
  EXPECT_EQ(a30, r.channel({"job#30", 1, 0, 0}));
  r.release_job("other");  // a whole job: its later attempts are welcome
  EXPECT_NE(r.channel_unless_released({"other#9", 1, 0, 0}), nullptr);
  for (size_t i = 0; i < PartitionRegistry::kRememberedReleases; ++i) r.release_job("x#" + std::to_string(i));
  EXPECT_EQ(r.channel_unless_released({"x#1", 1, 0, 0}), nullptr);
  EXPECT_NE(r.channel_unless_released({"job#3", 1, 0, 0}), nullptr);  // the oldest release, forgotten
  r.release_job("x#1");                                               // again: no second entry
  r.release_job("y#1");
  EXPECT_NE(r.channel_unless_released({"x#0", 1, 0, 0}), nullptr);
  EXPECT_EQ(r.channel_unless_released({"x#1", 1, 0, 0}), nullptr);
}

// What a TaskManager remembers of a job's failed attempts goes when the job ends (is released as a whole):
// after any number of jobs, each with failed attempts, the registry is back to its size before them (a
// long-running cluster's TaskManagers stay flat under job churn). A job's release forgets only its own
// attempts, and a new JobManager leader running the same job again gets channels for its attempts, whose
// numbers start from 0 again.
TEST(PartitionRegistry, AnEndedJobLeavesNothingBehind) {
  PartitionRegistry r;
  r.release_job("running#1");  // a failed attempt of a job that runs on
  ASSERT_EQ(r.num_remembered_releases(), 1u);
  for (int job = 0; job < 100; ++job) {
    const std::string id = "job" + std::to_string(job);
    for (int attempt = 0; attempt < 3; ++attempt) {
      r.channel({id + "#" + std::to_string(attempt), 1, 0, 0});
      if (attempt < 2) r.release_job(id + "#" + std::to_string(attempt));  // attempts 0 and 1 failed
    }
    EXPECT_EQ(r.num_remembered_releases(), 3u);
    r.release_job(id);  // the job ended
    EXPECT_EQ(r.num_channels(id), 0u);
    EXPECT_EQ(r.num_remembered_releases(), 1u) << "after job " << id;
  }
  EXPECT_EQ(r.channel_unless_released({"running#1", 1, 0, 0}), nullptr);  // still refused
  EXPECT_NE(r.channel_unless_released({"job7#0", 1, 0, 0}), nullptr);     // the same job id, run again
  // "job1" is a prefix of "job10".."job19" but not their job: releasing it again forgets none of theirs.
  r.release_job("job10#0");
  r.release_job("job1");
  EXPECT_EQ(r.channel_unless_released({"job10#0", 1, 0, 0}), nullptr);
  // The order of remembered releases lost the ended jobs' keys too: kRememberedReleases more releases
  // forget exactly the oldest remembered ones.
  for (size_t i = 0; i + 2 < PartitionRegistry::kRememberedReleases; ++i)
    r.release_job("x#" + std::to_string(i));
  EXPECT_EQ(r.num_remembered_releases(), PartitionRegistry::kRememberedReleases);
  EXPECT_EQ(r.channel_unless_released({"running#1", 1, 0, 0}), nullptr);
  r.release_job("y#1");
  EXPECT_NE(r.channel_unless_released({"running#1", 1, 0, 0}), nullptr);  // the oldest, forgotten now
  EXPECT_EQ(r.num_remembered_releases(), PartitionRegistry::kRememberedReleases);
}

// A channel only a remote subscription created goes when that subscription ends; one a task of this process
// asked for (before or after the subscription) stays until its attempt is released.
TEST(PartitionRegistry, AChannelOnlyASubscriptionCreatedGoesWhenItEnds) {
  PartitionRegistry r;
  const ChannelId a{"job#1", 1, 0, 0}, b{"job#1", 2, 0, 0}, c{"job#1", 3, 0, 0};
  auto subscribed = r.channel_unless_released(a);
  EXPECT_FALSE(r.release_unclaimed(a, nullptr));  // not the channel the subscription was served
  EXPECT_TRUE(r.release_unclaimed(a, subscribed.get()));
  EXPECT_EQ(r.num_channels("job#1"), 0u);
  EXPECT_FALSE(r.release_unclaimed(a, subscribed.get()));  // gone already

  auto b_subscribed = r.channel_unless_released(b);
  EXPECT_EQ(r.channel(b), b_subscribed);  // its producer task came
  EXPECT_FALSE(r.release_unclaimed(b, b_subscribed.get()));
  auto c_task = r.channel(c);
  EXPECT_EQ(r.channel_unless_released(c), c_task);
  EXPECT_FALSE(r.release_unclaimed(c, c_task.get()));
  EXPECT_EQ(r.num_channels("job#1"), 2u);
}

}  // namespace
}  // namespace weir::network
