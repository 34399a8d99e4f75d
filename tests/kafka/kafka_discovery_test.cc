// Dynamic partition discovery (partition.discovery.interval.ms) against a real broker: partitions added to a
// topic and topics created to match a pattern while a source runs are read from their earliest offset by
// exactly one subtask, are part of its checkpoints, and after a restore at another parallelism (and then at
// the same one) nothing is read twice or skipped; a job that fails after such a checkpoint publishes every
// record once.
#include <atomic>
#include <set>

#include "it/it_support.h"
#include "kafka/kafka_test_support.h"
#include "weir/connectors/kafka/kafka_admin.h"
#include "weir/connectors/kafka/kafka_partition_split.h"

namespace weir::kafka_test {
namespace {

using kafka::KafkaPartitionSplit;

void add_partitions(const std::string& topic, int total) {
  kafka::KafkaAdmin(servers()).create_partitions(topic, total, 30s);
}

// Polls every subtask (as their tasks would) until together they emitted `total` records; a test failure
// after 30 s.
void read_together(const std::vector<Subtask*>& tasks, size_t total) {
  auto count = [&] {
    size_t n = 0;
    for (auto* t : tasks) n += t->capture.values.size();
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (count() < total) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "only " << count() << " of " << total << " records after 30 s";
      return;
    }
    bool any = false;
    for (auto* t : tasks) any |= t->reader->poll_next(t->out, 64) == InputStatus::kMoreAvailable;
    if (!any) std::this_thread::sleep_for(5ms);  // the tasks' wait between empty polls
  }
}

std::vector<std::string> read_by(const std::vector<Subtask*>& tasks) {
  std::vector<std::string> out;
  for (auto* t : tasks) out.insert(out.end(), t->capture.values.begin(), t->capture.values.end());
  return out;
}

std::map<TopicPartition, int64_t> split_offsets(const std::vector<std::string>& splits) {
  std::map<TopicPartition, int64_t> out;
  for (const auto& s : splits) {
    auto split = KafkaPartitionSplit::decode(s);
    out[split.partition] = split.next_offset;
  }
  return out;
}

void append(std::vector<std::string>& to, const Produced& produced) {
  for (const auto& [p, values] : produced) to.insert(to.end(), values.begin(), values.end());
}

TEST(KafkaDiscovery, NewPartitionsAndNewTopicsAreReadOnceFromTheStartAndSurviveARescaledRestore) {
  std::string a = fresh_topic(2);
  // fresh_topic names are "<test>-<n>": the pattern matches this test's topics, created now or later.
  std::string pattern = a.substr(0, a.rfind('-') + 1) + "[0-9]+";
  std::vector<std::string> want;
  append(want, produce(a, 2, 20));
  auto source = KafkaSource<std::string>::builder()
                    .set_bootstrap_servers(servers())
                    .set_topic_pattern(pattern)
                    .set_deserializer(KafkaDeserializers::utf8_string())
                    .set_starting_offsets(OffsetsInitializer::earliest())
                    .set_property("partition.discovery.interval.ms", "50")
                    .set_client_timeout(10s)
                    .build();
  EXPECT_EQ(source.settings().partition_discovery_interval, 50ms);

  // Two subtasks; then partitions 2 and 3 of a and a new topic b with 3 partitions appear, with records
  // produced before the subtasks see them (so they must start from the earliest offset).
  Subtask s0(source, 0, 2), s1(source, 1, 2);
  read_together({&s0, &s1}, want.size());
  add_partitions(a, 4);
  std::string b = fresh_topic(3);
  append(want, produce(a, 4, 40, 100));  // 10 in each of a's partitions, 0 to 3
  append(want, produce(b, 3, 30, 200));
  read_together({&s0, &s1}, want.size());
  EXPECT_EQ(sorted(read_by({&s0, &s1})), sorted(want)) << "lost or repeated records of new partitions";

  // Checkpoint 4: each partition is in exactly one subtask's splits, at its end.
  std::vector<std::vector<std::string>> checkpointed = {*s0.reader->snapshot_splits_at(4),
                                                        *s1.reader->snapshot_splits_at(4)};
  auto o0 = split_offsets(checkpointed[0]), o1 = split_offsets(checkpointed[1]);
  std::map<TopicPartition, int64_t> both = o0;
  for (const auto& [tp, offset] : o1)
    EXPECT_TRUE(both.emplace(tp, offset).second) << "read twice: " << tp.topic;
  std::map<TopicPartition, int64_t> ends = {{{a, 0}, 20}, {{a, 1}, 20}, {{a, 2}, 10}, {{a, 3}, 10},
                                            {{b, 0}, 10}, {{b, 1}, 10}, {{b, 2}, 10}};
  EXPECT_EQ(both, ends);
  std::vector<std::string> read_before = read_by({&s0, &s1});

  // Records after the checkpoint (replayed by the restored job), then a's partitions 4 and 5, and a restore
  // at parallelism 3 with the splits dealt as the source operator deals them: each to the subtask the
  // reader's split_owner names.
  std::vector<std::string> after;
  append(after, produce(a, 4, 40, 300));
  append(after, produce(b, 3, 30, 400));
  add_partitions(a, 6);
  append(after, produce(a, 6, 60, 500));
  std::vector<std::string> job;
  for (const auto& splits : checkpointed) job.insert(job.end(), splits.begin(), splits.end());
  std::vector<std::vector<std::string>> dealt(3);
  for (const auto& split : job) {
    int owner = s0.reader->split_owner(split, 3);
    ASSERT_GE(owner, 0);
    ASSERT_LT(owner, 3);
    dealt[owner].push_back(split);
  }
  Subtask r0(source, 0, 3, &dealt[0], &job), r1(source, 1, 3, &dealt[1], &job),
      r2(source, 2, 3, &dealt[2], &job);
  read_together({&r0, &r1, &r2}, after.size());
  EXPECT_EQ(sorted(read_by({&r0, &r1, &r2})), sorted(after))
      << "the restored subtasks lost or repeated records";
  std::map<TopicPartition, int64_t> restored;
  for (auto* r : {&r0, &r1, &r2})
    for (const auto& [tp, offset] : split_offsets(*r->reader->snapshot_splits_at(5)))
      EXPECT_TRUE(restored.emplace(tp, offset).second) << "read twice after the restore: " << tp.topic;
  EXPECT_EQ(restored.size(), 9u);

  // Checkpoint 5, then a's partitions 6 and 7 and a restore at the same parallelism: each subtask takes back
  // its own splits only (and sees no other subtask's), so its discovery must not take a partition another
  // subtask reads. Had the rescale dealt a partition away from its owner, the owner would read it again.
  std::vector<std::vector<std::string>> own = {*r0.reader->snapshot_splits_at(5),
                                               *r1.reader->snapshot_splits_at(5),
                                               *r2.reader->snapshot_splits_at(5)};
  std::vector<std::string> later;
  append(later, produce(a, 6, 60, 600));
  add_partitions(a, 8);
  append(later, produce(a, 8, 80, 700));
  Subtask q0(source, 0, 3, &own[0], &own[0]), q1(source, 1, 3, &own[1], &own[1]),
      q2(source, 2, 3, &own[2], &own[2]);
  read_together({&q0, &q1, &q2}, later.size());
  EXPECT_EQ(sorted(read_by({&q0, &q1, &q2})), sorted(later))
      << "subtasks restored at an unchanged parallelism lost or repeated records";
}

TEST(KafkaDiscovery, BoundedSourcesAndAZeroIntervalDoNotDiscover) {
  std::string topic = fresh_topic(1);
  auto bounded = string_source(topic)
                     .set_property("partition.discovery.interval.ms", "10")
                     .set_bounded(OffsetsInitializer::latest())
                     .build();
  EXPECT_FALSE(bounded.settings().discovers_partitions());
  auto off = string_source(topic).set_property("partition.discovery.interval.ms", "0").build();
  EXPECT_FALSE(off.settings().discovers_partitions());
  EXPECT_TRUE(string_source(topic).build().settings().discovers_partitions());
  EXPECT_EQ(string_source(topic).build().settings().partition_discovery_interval, 300000ms)
      << "Flink's default";
  try {
    string_source(topic).set_property("partition.discovery.interval.ms", "5s").build();
    FAIL() << "built with a bad interval";
  } catch (const kafka::KafkaError& e) {
    EXPECT_CONTAINS(e.what(), "property 'partition.discovery.interval.ms' = '5s' is not a whole number");
  }
}

// Passes records through. Arms once the second checkpoint completed since it saw a record of a partition
// added while the job ran (checkpoints run one at a time, so that checkpoint's barrier followed the record:
// the source's snapshot held the new partition's split); armed, the next record it sees throws, once.
class FailAfterNewPartitionCheckpoint : public MapFunction<std::string, std::string>,
                                        public CheckpointListener {
 public:
  struct Shared {
    std::atomic<int64_t> seen{0};
    std::atomic<bool> armed{false};
    std::atomic<int> injected{0};
  };
  FailAfterNewPartitionCheckpoint(std::shared_ptr<Shared> shared, int first_new, int old_partitions)
      : shared_(std::move(shared)), first_new_(first_new), old_partitions_(old_partitions) {}
  void notify_checkpoint_complete(int64_t) override {
    if (saw_new_ && ++completed_since_new_ >= 2) shared_->armed = true;
  }
  std::string map(const std::string& v) override {
    shared_->seen.fetch_add(1);
    int i = std::stoi(v.substr(v.rfind('-') + 1));
    if (i >= first_new_ && i % 4 >= old_partitions_) saw_new_ = true;
    if (shared_->armed && shared_->injected.fetch_add(1) == 0) throw std::runtime_error("injected failure");
    return v;
  }

 private:
  std::shared_ptr<Shared> shared_;
  int first_new_, old_partitions_;
  bool saw_new_ = false;
  int completed_since_new_ = 0;
};

TEST(KafkaDiscovery, ARunningJobReadsAddedPartitionsExactlyOnceThroughAFailure) {
  std::string topic = fresh_topic(2);
  std::multiset<std::string> want = values_of(produce(topic, 2, 1000));
  weir::testing::TempDir checkpoints, savepoints, out;
  auto shared = std::make_shared<FailAfterNewPartitionCheckpoint::Shared>();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  enable_recovery(*env, checkpoints.path, "50 ms", 5);
  auto source = string_source(topic).set_partition_discovery_interval(100ms).build();  // unbounded
  env->from_source<std::string>(source.reader_factory(), "Kafka")
      .map(FailAfterNewPartitionCheckpoint(shared, 1000, 2), "Failing Map")
      .write_as_text(out.path.string());
  auto client = env->execute_async("kafka with added partitions");
  ASSERT_TRUE(weir::testing::eventually([&] { return shared->seen.load() >= 1000; }));

  add_partitions(topic, 4);
  want.merge(values_of(produce(topic, 4, 1000, 1000)));
  // Once a checkpoint holding the new partitions completed, more records: the first one fails the job.
  ASSERT_TRUE(weir::testing::eventually([&] { return shared->armed.load(); }));
  want.merge(values_of(produce(topic, 4, 400, 2000)));
  // The file sink publishes on checkpoint completion: nothing notifies the test, so it polls.
  ASSERT_TRUE(weir::testing::eventually([&] {
    return weir::testing::published_lines(out.path).size() >= want.size();
  })) << "published "
      << weir::testing::published_lines(out.path).size() << " of " << want.size();
  EXPECT_GE(shared->injected.load(), 1);
  client.stop_with_savepoint((savepoints.path / "sp").string(), false).get();
  client.get_job_execution_result();
  auto got = weir::testing::published_lines(out.path);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "records of the added partitions were lost or repeated";
}

}  // namespace
}  // namespace weir::kafka_test
