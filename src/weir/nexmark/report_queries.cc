// Bidding statistics reports: q15 (per day) and q16 (per channel and day). Unbounded group-bys with
// COUNT(*) and COUNT(DISTINCT bidder / auction), each also FILTERed by three price ranks. Like Flink's
// distinct aggregates, each group keeps a map from bidder (and auction) to a bit mask of the filters it
// was already counted under, so a bid costs two map lookups and a write only when a mask changes. They
// emit the group's statistics after every bid, as an append stream of updates (Flink: a changelog).
#include <algorithm>
#include <string>
#include <utility>

#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"
#include "weir/nexmark/time_format.h"

namespace weir::nexmark {

//! q16's per-group state: the statistics and the latest minute of the day seen (MAX of "HH:mm").
struct ChannelDayStatistics {
  BidStatistics stats;
  int64_t max_minute_of_day = 0;
};
WEIR_STRUCT(ChannelDayStatistics, stats, max_minute_of_day)

namespace detail {
namespace {

//! FILTER (WHERE price < 10000) is rank 1, [10000, 1000000) rank 2, the rest rank 3.
int price_rank(int64_t price) {
  return price < 10'000 ? 1 : price < 1'000'000 ? 2 : 3;
}

//! The distinct-count bookkeeping of one group, over the group's keyed state.
class DistinctCounter {
 public:
  void open(RuntimeContext& ctx, const std::string& prefix) {
    bidders_ = &ctx.get_map_state(MapStateDescriptor<int64_t, uint8_t>(prefix + "-bidders"));
    auctions_ = &ctx.get_map_state(MapStateDescriptor<int64_t, uint8_t>(prefix + "-auctions"));
  }
  //! Counts bid `b` into `s` (the current key's statistics).
  void add(const Bid& b, BidStatistics& s) {
    int rank = price_rank(b.price);
    s.total_bids += 1;
    (rank == 1 ? s.rank1_bids : rank == 2 ? s.rank2_bids : s.rank3_bids) += 1;
    count_distinct(*bidders_, b.bidder, rank, s.total_bidders, s.rank1_bidders, s.rank2_bidders,
                   s.rank3_bidders);
    count_distinct(*auctions_, b.auction, rank, s.total_auctions, s.rank1_auctions, s.rank2_auctions,
                   s.rank3_auctions);
  }

 private:
  // Bit 0: counted in the unfiltered distinct count; bit r: counted under rank r's filter.
  static void count_distinct(MapState<int64_t, uint8_t>& seen, int64_t id, int rank, int64_t& total,
                             int64_t& rank1, int64_t& rank2, int64_t& rank3) {
    uint8_t mask = seen.get(id).value_or(0);
    uint8_t next = static_cast<uint8_t>(mask | 1u | (1u << rank));
    if (next == mask) return;
    if (!(mask & 1u)) total += 1;
    if (!(mask & (1u << rank))) (rank == 1 ? rank1 : rank == 2 ? rank2 : rank3) += 1;
    seen.put(id, next);
  }

  MapState<int64_t, uint8_t>* bidders_ = nullptr;
  MapState<int64_t, uint8_t>* auctions_ = nullptr;
};

class DailyStatistics final : public KeyedProcessFunction<int64_t, Bid, Q15Row> {
 public:
  void open(RuntimeContext& ctx) override {
    stats_ = &ctx.get_state(ValueStateDescriptor<BidStatistics>("q15-stats"));
    distinct_.open(ctx, "q15");
  }
  void process_element(const Bid& b, Context& ctx, Collector<Q15Row>& out) override {
    BidStatistics s = stats_->value().value_or(BidStatistics{});
    distinct_.add(b, s);
    stats_->update(s);
    out.collect({day_.of_day(ctx.get_current_key()), s});
  }

 private:
  ValueState<BidStatistics>* stats_ = nullptr;
  DistinctCounter distinct_;
  DayText day_;
};

using ChannelDay = std::pair<std::string, int64_t>;

class ChannelStatistics final : public KeyedProcessFunction<ChannelDay, Bid, Q16Row> {
 public:
  void open(RuntimeContext& ctx) override {
    stats_ = &ctx.get_state(ValueStateDescriptor<ChannelDayStatistics>("q16-stats"));
    distinct_.open(ctx, "q16");
  }
  void process_element(const Bid& b, Context& ctx, Collector<Q16Row>& out) override {
    ChannelDayStatistics s = stats_->value().value_or(ChannelDayStatistics{});
    distinct_.add(b, s.stats);
    int64_t day = ctx.get_current_key().second;
    s.max_minute_of_day = std::max(s.max_minute_of_day, minute_number(b.dateTime) - day * 24 * 60);
    stats_->update(s);
    out.collect({b.channel, day_.of_day(day), format_hour_minute(s.max_minute_of_day), s.stats});
  }

 private:
  ValueState<ChannelDayStatistics>* stats_ = nullptr;
  DistinctCounter distinct_;
  DayText day_;
};

void append_statistics(std::string& out, const BidStatistics& s) {
  // The statistics' columns, flat, after the key columns.
  connectors::append_json_fields(out, s);
}

struct Q15Format {
  void operator()(std::string& out, const Q15Row& r) const {
    out += "{\"day\":";
    connectors::append_json_string(out, r.day);
    out += ',';
    append_statistics(out, r.stats);
    out += '}';
  }
};

struct Q16Format {
  void operator()(std::string& out, const Q16Row& r) const {
    out += "{\"channel\":";
    connectors::append_json_string(out, r.channel);
    out += ",\"day\":";
    connectors::append_json_string(out, r.day);
    out += ",\"minute\":";
    connectors::append_json_string(out, r.minute);
    out += ',';
    append_statistics(out, r.stats);
    out += '}';
  }
};

}  // namespace

void build_q15(StreamExecutionEnvironment& env, const QueryOptions& o) {
  // Bidders, auctions and prices: the bids' strings are neither made nor shipped.
  auto rows = bids_of(event_stream(env, o, BidColumns::kNumbers))
                  .key_by([](const Bid& b) { return day_number(b.dateTime); })
                  .process(DailyStatistics{}, "q15: Bidding Statistics");
  write_rows<Q15Format>(rows, o, "q15");
}

void build_q16(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o, BidColumns::kChannel))
                  .key_by([](const Bid& b) {
                    return ChannelDay{b.channel, day_number(b.dateTime)};
                  })
                  .process(ChannelStatistics{}, "q16: Channel Statistics");
  write_rows<Q16Format>(rows, o, "q16");
}

}  // namespace detail
}  // namespace weir::nexmark
