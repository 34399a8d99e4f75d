// Unbounded per-key queries: q17 (daily auction statistics), q18 (last bid per bidder and auction),
// q19 (top 10 bids per auction). They emit a row whenever a key's result changes, as an append
// stream of updates (Flink emits the same rows as a changelog).
#include <algorithm>
#include <tuple>
#include <vector>

#include "weir/nexmark/bid_order.h"
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"
#include "weir/nexmark/time_format.h"

namespace weir::nexmark {

struct Q17Acc {
  int64_t total = 0;
  int64_t min = 0;
  int64_t max = 0;
  int64_t sum = 0;
};
WEIR_STRUCT(Q17Acc, total, min, max, sum)

namespace detail {
namespace {

constexpr size_t kTopN = 10;

using AuctionDay = std::pair<int64_t, int64_t>;

class AuctionDayStats final : public KeyedProcessFunction<AuctionDay, BidPrice, Q17Row> {
 public:
  void open(RuntimeContext& ctx) override {
    acc_ = &ctx.get_state(ValueStateDescriptor<Q17Acc>("q17-stats"));
  }
  void process_element(const BidPrice& b, Context& ctx, Collector<Q17Row>& out) override {
    Q17Acc a = acc_->value().value_or(Q17Acc{0, b.price, b.price, 0});
    a.total += 1;
    a.min = std::min(a.min, b.price);
    a.max = std::max(a.max, b.price);
    a.sum += b.price;
    acc_->update(a);
    int64_t day = ctx.get_current_key().second;
    if (day != cached_day_) {
      cached_day_ = day;
      day_text_ = format_day(day);
    }
    out.collect({b.auction, day_text_, a.total, a.min, a.max,
                 static_cast<double>(a.sum) / static_cast<double>(a.total), a.sum});
  }

 private:
  ValueState<Q17Acc>* acc_ = nullptr;
  int64_t cached_day_ = INT64_MIN;
  std::string day_text_;
};

//! Emits a bid when it becomes the latest of its (bidder, auction).
class LatestBid final : public KeyedProcessFunction<std::pair<int64_t, int64_t>, Bid, Bid> {
 public:
  void open(RuntimeContext& ctx) override {
    latest_ = &ctx.get_state(ValueStateDescriptor<BidRank>("q18-latest"));
  }
  void process_element(const Bid& b, Context&, Collector<Bid>& out) override {
    auto latest = latest_->value();
    if (latest && b.dateTime < latest->dateTime) return;
    BidRank r = rank_of(b);
    if (latest && !is_later(r, *latest)) return;
    latest_->update(r);
    out.collect(b);
  }

 private:
  ValueState<BidRank>* latest_ = nullptr;
};

//! Emits a bid with its rank when it enters its auction's top 10.
class TopBids final : public KeyedProcessFunction<int64_t, Bid, Q19Row> {
 public:
  void open(RuntimeContext& ctx) override {
    top_ = &ctx.get_state(ValueStateDescriptor<std::vector<BidRank>>("q19-top"));
  }
  void process_element(const Bid& b, Context&, Collector<Q19Row>& out) override {
    // Read into a vector this function keeps, and write the row into one it keeps: no allocation per bid.
    std::vector<BidRank>& top = top_scratch_;
    if (!top_->value_into(top)) top.clear();
    if (top.size() == kTopN && b.price < top.back().price) return;
    BidRank r = rank_of(b);
    auto pos = std::lower_bound(top.begin(), top.end(), r, ranks_above);
    size_t rank = static_cast<size_t>(pos - top.begin());
    if (rank >= kTopN) return;
    top.insert(pos, r);
    if (top.size() > kTopN) top.pop_back();
    top_->update(top);
    row_.auction = b.auction;
    row_.bidder = b.bidder;
    row_.price = b.price;
    row_.channel.assign(b.channel);
    row_.url.assign(b.url);
    row_.dateTime = b.dateTime;
    row_.extra.assign(b.extra);
    row_.rank_number = static_cast<int64_t>(rank + 1);
    out.collect(row_);
  }

 private:
  ValueState<std::vector<BidRank>>* top_ = nullptr;
  std::vector<BidRank> top_scratch_;
  Q19Row row_;
};

}  // namespace

void build_q17(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto prices = bid_columns<BidPrice>(
      event_stream(env, o, BidColumns::kNumbers),
      [](const Bid& b) {
        return BidPrice{b.auction, b.price, b.dateTime};
      },
      "q17: Bid Prices");
  auto rows = prices.key_by([](const BidPrice& b) {
                      return AuctionDay{b.auction, day_number(b.dateTime)};
                    })
                  .process(AuctionDayStats{}, "q17: Auction Statistics");
  write_rows(rows, o, "q17");
}

void build_q18(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o))
                  .key_by([](const Bid& b) {
                    return std::pair<int64_t, int64_t>{b.bidder, b.auction};
                  })
                  .process(LatestBid{}, "q18: Deduplicate");
  write_rows(rows, o, "q18");
}

void build_q19(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o))
                  .key_by([](const Bid& b) { return b.auction; })
                  .process(TopBids{}, "q19: Top 10 per Auction");
  write_rows(rows, o, "q19");
}

}  // namespace detail
}  // namespace weir::nexmark
