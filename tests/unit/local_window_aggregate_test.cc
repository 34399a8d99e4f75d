// LocalWindowAggregateOperator (pre-aggregation before the keyed exchange) driven directly: what it
// folds, when it sends partials on, and the order of partials around elements whose windows ended. The
// jobs that run it (with their references) are in tests/it/pre_aggregation_test.cc.
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "weir/api/windowing/local_window_aggregate_operator.h"
#include "weir/api/windowing/session_windows.h"
#include "weir/api/windowing/tumbling_windows.h"
#include "weir/runtime/batch_end.h"

namespace weir::windowing {
namespace {

struct Ev {
  int64_t key = 0;
  int64_t ts = 0;
};

struct Count final : AggregateFunction<Ev, int64_t, int64_t> {
  int64_t create_accumulator() override { return 0; }
  int64_t add(const Ev&, int64_t acc) override { return acc + 1; }
  int64_t get_result(const int64_t& acc) override { return acc; }
  int64_t merge(int64_t a, int64_t b) override { return a + b; }
};

using P = PreAggregated<int64_t, int64_t>;
struct Sent {
  int64_t key;
  TimeWindow window;
  int64_t count;
  bool operator==(const Sent&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Sent& s) {
  return os << "{key " << s.key << ", " << s.window.to_string() << ", " << s.count << "}";
}
using Item = std::variant<Sent, Timestamp>;  // a partial or a watermark

class Recorder final : public runtime::Output<P> {
 public:
  void collect(const P& p, Timestamp) override { items.push_back(Sent{p.key, p.window, p.acc}); }
  void emit_watermark(Timestamp wm) override { items.push_back(wm); }
  void emit_watermark_status(bool) override {}
  std::vector<Item> items;
};

template <typename Assigner>
std::unique_ptr<LocalWindowAggregateOperator<Ev, int64_t, Count>> make(Assigner a, Recorder& out,
                                                                       size_t max_entries = 1024,
                                                                       bool hold_until_watermark = false) {
  auto op = std::make_unique<LocalWindowAggregateOperator<Ev, int64_t, Count>>(
      std::make_shared<const AssignerAdapter<Ev, Assigner>>(a), [](const Ev& e) { return e.key; }, Count{},
      max_entries, hold_until_watermark);
  runtime::OperatorRuntime rt;
  rt.name = "local";
  rt.output = &out;
  op->setup(std::move(rt), nullptr);
  op->open();
  return op;
}

TEST(LocalWindowAggregate, FoldsABatchPerKeyAndWindowAndSendsItAtTheBatchEndInFirstSeenOrder) {
  Recorder out;
  auto op = make(TumblingEventTimeWindows::of(100), out);
  for (auto [k, t] :
       std::vector<std::pair<int64_t, int64_t>>{{1, 5}, {2, 7}, {1, 50}, {1, 150}, {2, 99}, {1, 1}})
    op->process_element({k, t}, t);
  EXPECT_TRUE(out.items.empty()) << "sent before the batch ended";
  runtime::run_batch_end_hooks();
  std::vector<Item> want = {Sent{1, {0, 100}, 3}, Sent{2, {0, 100}, 2}, Sent{1, {100, 200}, 1}};
  EXPECT_EQ(out.items, want);
  runtime::run_batch_end_hooks();
  EXPECT_EQ(out.items.size(), want.size()) << "sent twice";
  op->close();
}

TEST(LocalWindowAggregate, WithEventTimeAndTheDefaultTriggerPartialsWaitForTheWatermarkNotTheBatchEnd) {
  Recorder out;
  auto op = make(TumblingEventTimeWindows::of(100), out, 1024, /*hold_until_watermark=*/true);
  op->process_element({1, 5}, 5);
  runtime::run_batch_end_hooks();
  op->process_element({1, 7}, 7);
  runtime::run_batch_end_hooks();
  EXPECT_TRUE(out.items.empty()) << "sent at a batch end";
  op->process_watermark(50, 0);
  std::vector<Item> want = {Sent{1, {0, 100}, 2}, Timestamp{50}};
  EXPECT_EQ(out.items, want);
  // And before a barrier (snapshot_state) and at the end of input.
  op->process_element({2, 60}, 60);
  checkpoint::OperatorSnapshot snap;
  op->snapshot_state(snap);
  op->process_element({3, 70}, 70);
  op->end_input(0);
  want.push_back(Sent{2, {0, 100}, 1});
  want.push_back(Sent{3, {0, 100}, 1});
  EXPECT_EQ(out.items, want);
  op->close();
}

TEST(LocalWindowAggregate, SessionFragmentsGrowAndAnElementThatBridgesTwoMergesThem) {
  Recorder out;
  auto op = make(EventTimeSessionWindows::with_gap(10), out);
  // Key 1: [0,10) and [30,40) apart, then 15 bridges neither, 20 bridges [15,25)+[30,40), 8 bridges all.
  for (int64_t t : {0, 30, 15, 20, 8}) op->process_element({1, t}, t);
  op->process_element({2, 100}, 100);
  op->process_element({2, 200}, 200);
  runtime::run_batch_end_hooks();
  std::vector<Item> want = {Sent{1, {0, 40}, 5}, Sent{2, {100, 110}, 1}, Sent{2, {200, 210}, 1}};
  EXPECT_EQ(out.items, want);
  op->close();
}

TEST(LocalWindowAggregate, AWatermarkThatAdvancesSendsWhatIsHeldFirst) {
  Recorder out;
  auto op = make(TumblingEventTimeWindows::of(100), out);
  op->process_element({1, 5}, 5);
  op->process_watermark(kMinTimestamp, 0);  // does not advance: nothing is sent
  EXPECT_TRUE(out.items.empty());
  op->process_element({1, 6}, 6);
  op->process_watermark(3, 0);
  std::vector<Item> want = {Sent{1, {0, 100}, 2}, Timestamp{3}};
  EXPECT_EQ(out.items, want);
  op->close();
}

TEST(LocalWindowAggregate, AnElementOfAnEndedWindowGoesAloneAfterEverythingHeld) {
  Recorder out;
  auto op = make(EventTimeSessionWindows::with_gap(60), out);
  op->process_watermark(100, 0);
  out.items.clear();
  // [100, 160) has not ended; [40, 100) has (99 <= 100) and touches it: after the exchange it must come
  // second, so that it merges into the session instead of being dropped as late on its own.
  op->process_element({1, 100}, 100);
  op->process_element({1, 40}, 40);
  op->process_element({1, 101}, 101);
  runtime::run_batch_end_hooks();
  std::vector<Item> want = {Sent{1, {100, 160}, 1}, Sent{1, {40, 100}, 1}, Sent{1, {101, 161}, 1}};
  EXPECT_EQ(out.items, want);
  op->close();
}

TEST(LocalWindowAggregate, AFullTableIsSentAtOnce) {
  Recorder out;
  auto op = make(TumblingEventTimeWindows::of(100), out, 2);
  op->process_element({1, 5}, 5);
  op->process_element({2, 5}, 5);
  std::vector<Item> want = {Sent{1, {0, 100}, 1}, Sent{2, {0, 100}, 1}};
  EXPECT_EQ(out.items, want);
  op->close();
}

// After the exchange: a processing-time partial whose window ended before it arrived goes into the window of
// the same size that holds the current time (its elements would have, without pre-aggregation); event time
// keeps the window it carries.
TEST(PreAggregatedAssigner, AProcessingTimePartialOfAnEndedWindowMovesToTheCurrentOne) {
  PreAggregatedAssigner<Ev, P> proc(std::make_shared<const AssignerAdapter<Ev, TumblingWindows<false>>>(
      TumblingProcessingTimeWindows::of(100, 30)));
  PreAggregatedAssigner<Ev, P> event(std::make_shared<const AssignerAdapter<Ev, TumblingWindows<true>>>(
      TumblingEventTimeWindows::of(100, 30)));
  auto assign = [](const InternalWindowAssigner<P, TimeWindow>& a, TimeWindow w, Timestamp now) {
    std::vector<TimeWindow> out;
    a.assign_windows(P{1, w, 1}, 0, now, out);
    EXPECT_EQ(out.size(), 1u);
    return out.at(0);
  };
  EXPECT_EQ(assign(proc, {30, 130}, 129), (TimeWindow{30, 130})) << "not ended yet";
  EXPECT_EQ(assign(proc, {30, 130}, 130), (TimeWindow{130, 230}));
  EXPECT_EQ(assign(proc, {30, 130}, 1000), (TimeWindow{930, 1030}));
  EXPECT_EQ(assign(event, {30, 130}, 1000), (TimeWindow{30, 130}));
}

TEST(LocalWindowAggregate, AnEventTimeElementWithoutTimestampIsAnErrorNamingTheFix) {
  Recorder out;
  auto op = make(TumblingEventTimeWindows::of(100), out);
  try {
    op->process_element({1, 5}, kNoTimestamp);
    ADD_FAILURE() << "accepted";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("assign_timestamps_and_watermarks"), std::string::npos) << e.what();
  }
  op->close();
}

}  // namespace
}  // namespace weir::windowing
