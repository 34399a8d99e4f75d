// The Nexmark source's splits: a snapshot taken part-way and restored at another parallelism makes
// exactly the events not yet made (none skipped, none repeated), each subtask in event-time order.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/common/failure_points.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/connectors/nexmark/nexmark_source.h"

namespace weir::connectors::nexmark {
namespace {

GeneratorConfig config(int64_t events) {
  GeneratorConfig c;
  c.seed = 11;
  c.events = events;
  return c;
}

//! Keeps each record's serialized bytes and checks that event time never goes back.
class CollectingOutput final : public runtime::Output<Event> {
 public:
  void collect(const Event& e, Timestamp ts) override {
    EXPECT_GE(ts, last_) << "event time went back";
    last_ = ts;
    records.push_back(serialize_to_string(e));
  }
  void emit_watermark(Timestamp) override {}
  void emit_watermark_status(bool) override {}
  std::vector<std::string> records;

 private:
  Timestamp last_ = INT64_MIN;
};

//! Reads until the end of input (or until `limit` records when limit >= 0).
void read(NexmarkSourceReader& r, CollectingOutput& sink, int64_t limit = -1) {
  SourceOutput<Event> out(&sink);
  while (limit < 0 || static_cast<int64_t>(sink.records.size()) < limit) {
    int batch = limit < 0 ? 100 : static_cast<int>(std::min<int64_t>(100, limit - sink.records.size()));
    if (r.poll_next(out, batch) == InputStatus::kEndOfInput) return;
  }
}

std::vector<std::string> all_events(const GeneratorConfig& c) {
  NexmarkGenerator gen(c);
  std::vector<std::string> out;
  for (int64_t n = 0; n < c.events; ++n) out.push_back(serialize_to_string(gen.generate(n)));
  return out;
}

//! Runs `before` subtasks part-way, snapshots them, deals their splits round-robin to `after` new
//! subtasks (as the source operator does) and reads those to the end.
std::vector<std::string> stop_and_resume(int64_t events, int before, int after, int64_t read_before) {
  auto gen = std::make_shared<const NexmarkGenerator>(config(events));
  std::vector<std::string> made;
  std::vector<std::string> splits;
  for (int s = 0; s < before; ++s) {
    NexmarkSourceReader r(gen, 0);
    r.open({s, before, nullptr});
    CollectingOutput sink;
    read(r, sink, read_before + s * 37);  // subtasks at different positions
    made.insert(made.end(), sink.records.begin(), sink.records.end());
    auto sp = r.snapshot_splits();
    EXPECT_TRUE(sp.has_value());
    splits.insert(splits.end(), sp->begin(), sp->end());
  }
  for (int s = 0; s < after; ++s) {
    std::vector<std::string> mine;
    for (size_t i = s; i < splits.size(); i += after) mine.push_back(splits[i]);
    NexmarkSourceReader r(gen, 0);
    r.open({s, after, nullptr});
    r.restore_splits(mine);
    CollectingOutput sink;
    read(r, sink);
    made.insert(made.end(), sink.records.begin(), sink.records.end());
  }
  return made;
}

TEST(NexmarkSourceSplits, ResumeAtAnotherParallelismMakesEveryEventExactlyOnce) {
  const int64_t n = 20'000;
  auto want = all_events(config(n));
  std::sort(want.begin(), want.end());
  for (auto [before, after] : {std::pair{1, 4}, {4, 2}, {3, 5}, {2, 2}, {4, 1}}) {
    auto got = stop_and_resume(n, before, after, 1'500);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got.size(), want.size()) << before << " -> " << after;
    EXPECT_TRUE(got == want) << before << " -> " << after;
  }
}

TEST(NexmarkSourceSplits, FinishedReaderHasNoSplitsAndEmptyRestoreEndsAtOnce) {
  auto gen = std::make_shared<const NexmarkGenerator>(config(500));
  NexmarkSourceReader r(gen, 0);
  r.open({0, 2, nullptr});
  CollectingOutput sink;
  read(r, sink);
  EXPECT_EQ(sink.records.size(), 250u);
  EXPECT_TRUE(r.snapshot_splits()->empty());

  NexmarkSourceReader idle(gen, 0);
  idle.open({1, 3, nullptr});
  idle.restore_splits({});
  CollectingOutput none;
  SourceOutput<Event> out(&none);
  EXPECT_EQ(idle.poll_next(out, 100), InputStatus::kEndOfInput);
  EXPECT_TRUE(none.records.empty());
}

TEST(NexmarkSourceSplits, HooksCountEventsAndInjectFailuresOnlyAfterACheckpoint) {
  auto gen = std::make_shared<const NexmarkGenerator>(config(10'000));
  NexmarkSourceHooks hooks;
  hooks.events_made = std::make_shared<std::atomic<int64_t>>(0);
  hooks.failures = std::make_shared<TaskFailureInjector>(1, 10'000, 5);
  NexmarkSourceReader r(gen, 0, hooks);
  r.open({0, 1, nullptr});
  CollectingOutput sink;
  read(r, sink, 9'000);  // past every threshold (at most 80% of the run), but no checkpoint yet
  EXPECT_EQ(hooks.events_made->load(), 9'000);
  EXPECT_EQ(hooks.failures->injected(), 0);
  r.notify_checkpoint_complete(1);
  SourceOutput<Event> out(&sink);
  EXPECT_THROW((void)r.poll_next(out, 10), InjectedFailure);
  EXPECT_EQ(hooks.failures->injected(), 1);
  EXPECT_NO_THROW(read(r, sink));  // one failure asked for, one injected
}

}  // namespace
}  // namespace weir::connectors::nexmark
