// Windowed queries: q5 (hot items, sliding), q7 (highest bid, tumbling), q8 (new users, tumbling
// window join), q11 (user sessions), q12 (processing-time windows).
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"

namespace weir::nexmark {

//! q8's input: a person (is_person) or an auction's seller, keyed by the person id.
struct Q8Side {
  int64_t id = 0;
  std::string name;
  bool is_person = false;
};
WEIR_STRUCT(Q8Side, id, name, is_person)

//! q8's window accumulator: did the person join, under which name, and did they open an auction.
struct Q8Acc {
  bool person = false;
  std::string name;
  bool auction = false;
};
WEIR_STRUCT(Q8Acc, person, name, auction)

namespace detail {
namespace {

constexpr int64_t kTenSeconds = 10'000;
constexpr int64_t kTwoSeconds = 2'000;

template <typename T>
class CountAggregate final : public AggregateFunction<T, int64_t, int64_t> {
 public:
  int64_t create_accumulator() override { return 0; }
  int64_t add(const T&, int64_t acc) override { return acc + 1; }
  int64_t get_result(const int64_t& acc) override { return acc; }
  int64_t merge(int64_t a, int64_t b) override { return a + b; }
};

// ---- q5 ----
class AuctionCountRow final : public ProcessWindowFunction<int64_t, Q5Row, int64_t, TimeWindow> {
 public:
  void process(const int64_t& auction, Context& ctx, const std::vector<int64_t>& counts,
               Collector<Q5Row>& out) override {
    out.collect({auction, counts.front(), ctx.window().start, ctx.window().end});
  }
};

//! Per window (keyed by window start): the auctions with the window's highest count, emitted when
//! the watermark passes the window's end (every count of the window has arrived by then).
class HottestAuctions final : public KeyedProcessFunction<int64_t, Q5Row, Q5Row> {
 public:
  void open(RuntimeContext& ctx) override {
    max_ = &ctx.get_state(ValueStateDescriptor<int64_t>("max-count"));
    rows_ = &ctx.get_list_state(ListStateDescriptor<Q5Row>("hottest"));
  }
  void process_element(const Q5Row& r, Context& ctx, Collector<Q5Row>&) override {
    auto max = max_->value();
    if (!max) ctx.timer_service().register_event_time_timer(r.window_end - 1);
    if (!max || r.num > *max) {
      max_->update(r.num);
      rows_->update({r});
    } else if (r.num == *max) {
      rows_->add(r);
    }
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<Q5Row>& out) override {
    for (const Q5Row& r : rows_->get()) out.collect(r);
    max_->clear();
    rows_->clear();
  }

 private:
  ValueState<int64_t>* max_ = nullptr;
  ListState<Q5Row>* rows_ = nullptr;
};

// ---- q7 ----
//! Per tumbling window (keyed by its start): the bids whose price is the window's maximum.
class HighestBids final : public KeyedProcessFunction<int64_t, Bid, Q7Row> {
 public:
  void open(RuntimeContext& ctx) override {
    max_ = &ctx.get_state(ValueStateDescriptor<int64_t>("max-price"));
    rows_ = &ctx.get_list_state(ListStateDescriptor<Q7Row>("highest"));
  }
  void process_element(const Bid& b, Context& ctx, Collector<Q7Row>&) override {
    auto max = max_->value();
    if (max && b.price < *max) return;
    Timestamp start = ctx.get_current_key();
    Q7Row row{b.auction, b.price, b.bidder, b.dateTime, b.extra, start, start + kTenSeconds};
    if (!max) ctx.timer_service().register_event_time_timer(start + kTenSeconds - 1);
    if (!max || b.price > *max) {
      max_->update(b.price);
      rows_->update({row});
    } else {
      rows_->add(row);
    }
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<Q7Row>& out) override {
    for (const Q7Row& r : rows_->get()) out.collect(r);
    max_->clear();
    rows_->clear();
  }

 private:
  ValueState<int64_t>* max_ = nullptr;
  ListState<Q7Row>* rows_ = nullptr;
};

// ---- q8 ----
class Q8Aggregate final : public AggregateFunction<Q8Side, Q8Acc, Q8Acc> {
 public:
  Q8Acc create_accumulator() override { return {}; }
  Q8Acc add(const Q8Side& s, Q8Acc acc) override {
    if (s.is_person) {
      acc.person = true;
      acc.name = s.name;
    } else {
      acc.auction = true;
    }
    return acc;
  }
  Q8Acc get_result(const Q8Acc& acc) override { return acc; }
  Q8Acc merge(Q8Acc a, Q8Acc b) override {
    if (b.person) {
      a.person = true;
      a.name = std::move(b.name);
    }
    a.auction = a.auction || b.auction;
    return a;
  }
};

class NewUserRow final : public ProcessWindowFunction<Q8Acc, Q8Row, int64_t, TimeWindow> {
 public:
  void process(const int64_t& id, Context& ctx, const std::vector<Q8Acc>& accs,
               Collector<Q8Row>& out) override {
    const Q8Acc& acc = accs.front();
    if (acc.person && acc.auction) out.collect({id, acc.name, ctx.window().start, ctx.window().end});
  }
};

// ---- q11 and q12 ----
class BidderCount final : public ProcessWindowFunction<int64_t, BidderCountRow, int64_t, TimeWindow> {
 public:
  void process(const int64_t& bidder, Context& ctx, const std::vector<int64_t>& counts,
               Collector<BidderCountRow>& out) override {
    out.collect({bidder, counts.front(), ctx.window().start, ctx.window().end});
  }
};

//! Fires a processing-time window at its end, like Flink's ProcessingTimeTrigger, and also at the end
//! of a bounded input (the final watermark), so a bounded run reports every bid instead of dropping
//! the windows still open when the input ends.
class ProcessingTimeOrEndOfInputTrigger {
 public:
  // Written like the built-in triggers (a templated on_element that does not read the element), so that
  // it also runs on q12's pre-aggregated windows.
  template <typename T>
  TriggerResult on_element(const T&, Timestamp, const TimeWindow& w, TriggerContext& ctx) const {
    ctx.register_processing_time_timer(w.max_timestamp());
    ctx.register_event_time_timer(kMaxTimestamp);
    return TriggerResult::kContinue;
  }
  TriggerResult on_event_time(Timestamp, const TimeWindow&, TriggerContext&) const {
    return TriggerResult::kFireAndPurge;
  }
  TriggerResult on_processing_time(Timestamp, const TimeWindow&, TriggerContext&) const {
    return TriggerResult::kFire;
  }
  bool can_merge() const { return false; }
  void on_merge(const TimeWindow&, OnMergeContext&) const {}
  void clear(const TimeWindow& w, TriggerContext& ctx) const {
    ctx.delete_processing_time_timer(w.max_timestamp());
    ctx.delete_event_time_timer(kMaxTimestamp);
  }
  bool acts_on_first_element_only() const { return true; }
};

}  // namespace

void build_q5(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto auctions = bid_columns<int64_t>(
      event_stream(env, o, BidColumns::kNumbers), [](const Bid& b) { return b.auction; }, "q5: Bid Auctions");
  auto rows = auctions.key_by([](int64_t auction) { return auction; })
                  .window(SlidingEventTimeWindows::of(kTenSeconds, kTwoSeconds))
                  .aggregate(CountAggregate<int64_t>{}, AuctionCountRow{}, "q5: Bids per Auction")
                  .key_by([](const Q5Row& r) { return r.window_start; })
                  .process(HottestAuctions{}, "q5: Hottest Auctions");
  write_rows(rows, o, "q5");
}

void build_q7(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows =
      bids_of(event_stream(env, o, BidColumns::kExtra))
          .key_by([](const Bid& b) { return TimeWindow::start_with_offset(b.dateTime, 0, kTenSeconds); })
          .process(HighestBids{}, "q7: Highest Bids");
  write_rows(rows, o, "q7");
}

void build_q8(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto events = event_stream(env, o);
  auto persons = persons_of(events).map(
      [](const Person& p) {
        return Q8Side{p.id, p.name, true};
      },
      "q8: Person");
  auto sellers = auctions_of(events).map(
      [](const Auction& a) {
        return Q8Side{a.seller, {}, false};
      },
      "q8: Seller");
  auto rows = persons.union_(sellers)
                  .key_by([](const Q8Side& s) { return s.id; })
                  .window(TumblingEventTimeWindows::of(kTenSeconds))
                  .aggregate(Q8Aggregate{}, NewUserRow{}, "q8: New Users");
  write_rows(rows, o, "q8");
}

void build_q11(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto bidders = bid_columns<int64_t>(
      event_stream(env, o, BidColumns::kNumbers), [](const Bid& b) { return b.bidder; }, "q11: Bidders");
  auto rows = bidders.key_by([](int64_t bidder) { return bidder; })
                  .window(EventTimeSessionWindows::with_gap(kTenSeconds))
                  // Partials wait for the next watermark (event time, default trigger): a bigger table folds
                  // more of the bidders a watermark interval has (about 1,000 active people at a time).
                  .pre_aggregate(16384)
                  .aggregate(CountAggregate<int64_t>{}, BidderCount{}, "q11: User Sessions");
  write_rows(rows, o, "q11");
}

void build_q12(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto bidders = bid_columns<int64_t>(
      event_stream(env, o, BidColumns::kNumbers), [](const Bid& b) { return b.bidder; }, "q12: Bidders");
  auto rows = bidders.key_by([](int64_t bidder) { return bidder; })
                  .window(TumblingProcessingTimeWindows::of(kTenSeconds))
                  .trigger(ProcessingTimeOrEndOfInputTrigger{})
                  // Partials wait for the next watermark (at most 200 ms), as Flink's mini-batch waits up to
                  // its allow-latency (2 s in nexmark-flink's configuration).
                  .pre_aggregate(16384, PreAggregateHold::kUntilWatermark)
                  .aggregate(CountAggregate<int64_t>{}, BidderCount{}, "q12: Processing-Time Windows");
  write_rows(rows, o, "q12");
}

}  // namespace detail
}  // namespace weir::nexmark
