// Timers in running jobs: event time (order, deduplication, deletion, the final watermark) and
// processing time on a ManualClock, in keyed process functions and keyed co-process functions.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using testing::eventually;
using testing::Feed;
using testing::from_feed;

// (key, event timestamp)
using Event = std::pair<int64_t, int64_t>;
// (key, timer timestamp, watermark when it fired)
using Fired = std::tuple<int64_t, int64_t, int64_t>;

// Registers a timer at ts + 10 (twice: equal timers fire once). Every event with ts % 7 == 3
// also deletes the timer of the event 5 ms earlier.
class EventTimers final : public KeyedProcessFunction<int64_t, Event, Fired> {
 public:
  void process_element(const Event& e, Context& ctx, Collector<Fired>& out) override {
    ctx.timer_service().register_event_time_timer(e.second + 10);
    ctx.timer_service().register_event_time_timer(e.second + 10);
    if (e.second % 7 == 3) ctx.timer_service().delete_event_time_timer(e.second + 5);
  }
  void on_timer(Timestamp ts, OnTimerContext& ctx, Collector<Fired>& out) override {
    EXPECT_EQ(ctx.time_domain(), TimeDomain::kEventTime);
    EXPECT_EQ(ctx.timestamp(), ts);
    out.collect({ctx.get_current_key(), ts, ctx.timer_service().current_watermark()});
  }
};

std::vector<Event> events() {
  // Timestamps ascend; keys cycle so every key sees many timers.
  std::vector<Event> in;
  for (int64_t t = 0; t < 3000; ++t) in.push_back({t % 11, t});
  return in;
}

class Timers : public testing::BackendFixture {};

TEST_P(Timers, EventTimeTimersFireOnceInOrderWhenTheWatermarkPasses) {
  auto env = testing::environment();
  env->set_parallelism(parallelism());
  env->configure("pipeline.auto-watermark-interval", "0");
  auto in = events();
  auto out = env->from_collection(in)
                 .assign_timestamps_and_watermarks(
                     WatermarkStrategy<Event>::for_monotonous_timestamps().with_timestamp_assigner(
                         [](const Event& e, Timestamp) { return e.second; }))
                 .key_by([](const Event& e) { return e.first; })
                 .process(EventTimers())
                 .collect();
  env->execute("event-time timers");

  // Reference: the set of (key, ts + 10), minus deleted (key, t' + 5) for t' % 7 == 3.
  std::set<std::pair<int64_t, int64_t>> expected;
  for (const auto& [k, t] : in) expected.insert({k, t + 10});
  for (const auto& [k, t] : in)
    if (t % 7 == 3) expected.erase({k, t + 5});
  const int64_t max_ts = in.back().second;

  std::map<int64_t, std::vector<int64_t>> per_key;
  std::set<std::pair<int64_t, int64_t>> fired;
  for (const auto& [k, ts, wm] : out->values()) {
    EXPECT_GE(wm, ts) << "timer " << ts << " fired before the watermark passed it";
    // Timers the input's own watermarks pass fire then, not at the end of input. Each assigner
    // subtask sees every p-th event, so its watermark ends up to p ms below max_ts - 1.
    if (ts <= max_ts - 10)
      EXPECT_LT(wm, kMaxTimestamp) << "timer " << ts << " waited for the final watermark";
    EXPECT_TRUE(fired.insert({k, ts}).second) << "timer (" << k << ", " << ts << ") fired twice";
    per_key[k].push_back(ts);
  }
  EXPECT_EQ(fired, expected);
  // Timers beyond the last event fire at end of input, via the final watermark.
  EXPECT_TRUE(fired.count({in.back().first, max_ts + 10}));
  for (auto& [k, tss] : per_key) EXPECT_TRUE(std::is_sorted(tss.begin(), tss.end())) << "key " << k;
  auto stamps = out->timestamps();
  auto values = out->values();
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(stamps[i], std::get<1>(values[i]));
}

// ---- processing time ----

// ("add", key, delay): timer at now + delay; ("del", key, at): deletes the timer at `at`.
using PtCmd = std::tuple<std::string, int64_t, int64_t>;
// (key, timer time, processing time when fired); key -1 acknowledges a command.
using PtFired = std::tuple<int64_t, int64_t, int64_t>;

class ProcessingTimers final : public KeyedProcessFunction<int64_t, PtCmd, PtFired> {
 public:
  void process_element(const PtCmd& c, Context& ctx, Collector<PtFired>& out) override {
    const auto& [op, key, arg] = c;
    auto& ts = ctx.timer_service();
    if (op == "add")
      ts.register_processing_time_timer(ts.current_processing_time() + arg);
    else
      ts.delete_processing_time_timer(arg);
    out.collect({-1, 0, 0});
  }
  void on_timer(Timestamp t, OnTimerContext& ctx, Collector<PtFired>& out) override {
    EXPECT_EQ(ctx.time_domain(), TimeDomain::kProcessingTime);
    out.collect({ctx.get_current_key(), t, ctx.timer_service().current_processing_time()});
  }
};

TEST_P(Timers, ProcessingTimeTimersFireWhenTheClockPasses) {
  auto clock = std::make_shared<ManualClock>(1000);
  auto env = testing::environment();
  env->set_parallelism(parallelism());
  env->set_clock(clock);
  auto feed = std::make_shared<Feed<PtCmd>>();
  auto out = from_feed(*env, feed)
                 .key_by([](const PtCmd& c) { return std::get<1>(c); })
                 .process(ProcessingTimers())
                 .collect();
  auto client = env->execute_async("processing-time timers");

  auto fired = [&] {
    std::multiset<std::pair<int64_t, int64_t>> f;
    for (const auto& [k, t, now] : out->values())
      if (k >= 0) {
        EXPECT_GE(now, t);
        f.insert({k, t});
      }
    return f;
  };
  auto acks = [&] {
    size_t n = 0;
    for (const auto& v : out->values()) n += std::get<0>(v) < 0;
    return n;
  };
  size_t sent = 0;
  auto send = [&](std::vector<PtCmd> cmds) {
    for (auto& c : cmds) feed->push(c);
    sent += cmds.size();
    ASSERT_TRUE(eventually([&] { return acks() >= sent; }));
  };
  // Keys 0..7: timers at 1100 (twice: deduplicated) and 1200; key 3's 1200 timer is deleted.
  for (int64_t k = 0; k < 8; ++k) send({{"add", k, 100}, {"add", k, 100}, {"add", k, 200}});
  send({{"del", 3, 1200}});
  clock->advance(99);       // t=1099: nothing is due yet
  send({{"add", 100, 1}});  // registered at 1099 for 1100
  clock->advance(1);        // t=1100
  std::multiset<std::pair<int64_t, int64_t>> want;
  for (int64_t k = 0; k < 8; ++k) want.insert({k, 1100});
  want.insert({100, 1100});
  ASSERT_TRUE(eventually([&] { return fired().size() >= want.size(); }));
  EXPECT_EQ(fired(), want);  // exactly the due timers, each once
  clock->advance(100);       // t=1200
  for (int64_t k = 0; k < 8; ++k)
    if (k != 3) want.insert({k, 1200});
  ASSERT_TRUE(eventually([&] { return fired().size() >= want.size(); }));
  feed->close();
  client.get_job_execution_result();
  EXPECT_EQ(fired(), want);
}

// ---- keyed co-process ----

using Order = std::pair<int64_t, int64_t>;    // (customer, timestamp)
using Payment = std::pair<int64_t, int64_t>;  // (customer, timestamp)
// (customer, timer ts, orders so far, payments so far, watermark when fired)
using Report = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>;

// Counts both sides per key in state; a timer 5 ms after each order reports the counts.
class Matcher final : public CoProcessFunction<Order, Payment, Report> {
 public:
  void open(RuntimeContext& ctx) override {
    orders_ = &ctx.get_state(ValueStateDescriptor<int64_t>("orders"));
    payments_ = &ctx.get_state(ValueStateDescriptor<int64_t>("payments"));
    key_ = &ctx.get_state(ValueStateDescriptor<int64_t>("key"));
  }
  void process_element1(const Order& o, Context& ctx, Collector<Report>& out) override {
    orders_->update(orders_->value().value_or(0) + 1);
    key_->update(o.first);
    ctx.timer_service().register_event_time_timer(o.second + 5);
  }
  void process_element2(const Payment& p, Context& ctx, Collector<Report>& out) override {
    payments_->update(payments_->value().value_or(0) + 1);
    key_->update(p.first);
  }
  void on_timer(Timestamp ts, OnTimerContext& ctx, Collector<Report>& out) override {
    out.collect({*key_->value(), ts, orders_->value().value_or(0), payments_->value().value_or(0),
                 ctx.timer_service().current_watermark()});
  }

 private:
  ValueState<int64_t>* orders_ = nullptr;
  ValueState<int64_t>* payments_ = nullptr;
  ValueState<int64_t>* key_ = nullptr;
};

TEST_P(Timers, KeyedCoProcessTimersSeeStateOfBothInputs) {
  auto env = testing::environment();
  env->set_parallelism(parallelism());
  env->configure("pipeline.auto-watermark-interval", "0");
  std::vector<Order> orders;
  std::vector<Payment> payments;
  for (int64_t t = 0; t < 2000; t += 2) orders.push_back({t % 13, t});
  for (int64_t t = 1; t < 2000; t += 2) payments.push_back({t % 13, t});
  auto ts = [](const std::pair<int64_t, int64_t>& e, Timestamp) { return e.second; };
  auto wm =
      WatermarkStrategy<std::pair<int64_t, int64_t>>::for_monotonous_timestamps().with_timestamp_assigner(ts);
  auto a =
      env->from_collection(orders, "Orders").assign_timestamps_and_watermarks(wm).key_by([](const Order& o) {
        return o.first;
      });
  auto b = env->from_collection(payments, "Payments")
               .assign_timestamps_and_watermarks(wm)
               .key_by([](const Payment& p) { return p.first; });
  auto out = a.connect(b).process(Matcher()).collect();
  env->execute("keyed co-process");

  // A timer at T fires once the watermarks of both inputs passed T, so every element with ts <= T
  // of both streams was processed by then: the counts include at least those.
  std::map<std::pair<int64_t, int64_t>, Report> got;
  for (const auto& r : out->values()) got[{std::get<0>(r), std::get<1>(r)}] = r;
  ASSERT_EQ(got.size(), orders.size());  // timers of different orders of a key never coincide
  for (const auto& [c, t] : orders) {
    auto it = got.find({c, t + 5});
    ASSERT_NE(it, got.end()) << "no timer for order (" << c << ", " << t << ")";
    // Clang before 16 cannot capture a structured binding in a lambda (the tsan tree builds with clang).
    auto count = [&, customer = c](const std::vector<std::pair<int64_t, int64_t>>& v, int64_t upto) {
      return std::count_if(v.begin(), v.end(),
                           [&](const auto& e) { return e.first == customer && e.second <= upto; });
    };
    const auto& [key, at, n_orders, n_payments, wm] = it->second;
    EXPECT_EQ(key, c);
    EXPECT_GE(wm, at);
    EXPECT_GE(n_orders, count(orders, t + 5));
    EXPECT_GE(n_payments, count(payments, t + 5));
    // The inputs' own watermarks reach at least 1980 (at parallelism 4 each assigner subtask sees
    // every 4th element, so its last watermark is a few ms below the stream's last timestamp):
    // timers up to there fire on the way, later ones may wait for the end of input.
    if (at <= 1980) EXPECT_LT(wm, kMaxTimestamp) << "timer " << at << " waited for the final watermark";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Timers,
                         ::testing::Combine(::testing::Values(1, 4),
                                            ::testing::ValuesIn(testing::kStateBackendsAndTimerStores)),
                         testing::backend_param_name);

}  // namespace
}  // namespace weir
