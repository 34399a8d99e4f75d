// q9 (winning bids), q4 (average closing price per category) and q6 (average selling price per
// seller). All close auctions in event time: an auction keeps the best bid placed within [dateTime,
// expires] and emits it when the watermark passes expires. q4 averages the winning prices per category
// as auctions close; q6 averages each seller's last winning prices.
#include <algorithm>
#include <utility>
#include <vector>

#include "weir/nexmark/bid_order.h"
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"

namespace weir::nexmark {

//! q6: one closed auction's winning bid, placed in its seller's order by (bid time, auction id).
struct SoldItem {
  Timestamp dateTime = 0;
  int64_t auction = 0;
  int64_t seller = 0;
  int64_t price = 0;
};
WEIR_STRUCT(SoldItem, dateTime, auction, seller, price)

//! The auction columns q4 reads.
struct AuctionSpan {
  int64_t id = 0;
  int64_t category = 0;
  Timestamp dateTime = 0;
  Timestamp expires = 0;
};
WEIR_STRUCT(AuctionSpan, id, category, dateTime, expires)

namespace detail {
namespace {

//! q6's window: ROWS BETWEEN 10 PRECEDING AND CURRENT ROW.
constexpr size_t kSellerWindow = 11;

//! Auctions (input 1) and bids (input 2) keyed by auction id. Bids that arrive before their auction
//! wait in a list; bids for an auction that already closed are dropped (they are past its expiry).
class WinningBids final : public CoProcessFunction<Auction, Bid, Q9Row> {
 public:
  void open(RuntimeContext& ctx) override {
    auction_ = &ctx.get_state(ValueStateDescriptor<Auction>("auction"));
    lifetime_ = &ctx.get_state(ValueStateDescriptor<std::pair<Timestamp, Timestamp>>("lifetime"));
    best_rank_ = &ctx.get_state(ValueStateDescriptor<BidRank>("best-rank"));
    best_ = &ctx.get_state(ValueStateDescriptor<Bid>("best"));
    pending_ = &ctx.get_list_state(ListStateDescriptor<Bid>("pending-bids"));
    closed_ = &ctx.get_state(ValueStateDescriptor<bool>("closed"));
  }
  void process_element1(const Auction& a, Context& ctx, Collector<Q9Row>&) override {
    auction_->update(a);
    std::pair<Timestamp, Timestamp> life{a.dateTime, a.expires};
    lifetime_->update(life);
    for (const Bid& b : pending_->get()) consider(b, life);
    pending_->clear();
    ctx.timer_service().register_event_time_timer(a.expires);
  }
  void process_element2(const Bid& b, Context&, Collector<Q9Row>&) override {
    if (auto life = lifetime_->value()) {
      consider(b, *life);
    } else if (!closed_->value()) {
      pending_->add(b);
    }
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<Q9Row>& out) override {
    auto a = auction_->value();
    auto b = best_->value();
    if (a && b) {
      out.collect({a->id, a->itemName, a->description, a->initialBid, a->reserve, a->dateTime, a->expires,
                   a->seller, a->category, a->extra, b->auction, b->bidder, b->price, b->dateTime, b->extra});
    }
    auction_->clear();
    lifetime_->clear();
    best_rank_->clear();
    best_->clear();
    closed_->update(true);
  }

 private:
  void consider(const Bid& b, const std::pair<Timestamp, Timestamp>& life) {
    if (b.dateTime < life.first || b.dateTime > life.second) return;
    auto best = best_rank_->value();
    // Most bids lose on price alone; rank (and hash) only the others.
    if (best && b.price < best->price) return;
    BidRank r = rank_of(b);
    if (best && !ranks_above(r, *best)) return;
    best_rank_->update(r);
    best_->update(b);
  }

  ValueState<Auction>* auction_ = nullptr;
  ValueState<std::pair<Timestamp, Timestamp>>* lifetime_ = nullptr;
  ValueState<BidRank>* best_rank_ = nullptr;
  ValueState<Bid>* best_ = nullptr;
  ListState<Bid>* pending_ = nullptr;
  ValueState<bool>* closed_ = nullptr;
};

DataStream<Q9Row> winning_bids(StreamExecutionEnvironment& env, const QueryOptions& o,
                               const std::string& query) {
  auto events = event_stream(env, o);
  return auctions_of(events)
      .key_by([](const Auction& a) { return a.id; })
      .connect(bids_of(events).key_by([](const Bid& b) { return b.auction; }))
      .process(WinningBids{}, query + ": Winning Bids");
}

//! q4's join: per auction, the highest price among the bids placed within [dateTime, expires], emitted with
//! its category as (category, price) when the watermark passes expires. The winning bid's price, as in
//! WinningBids, from the columns the query reads (nexmark-flink's q4 is MAX(B.price) over the join).
class ClosingPrice final : public CoProcessFunction<AuctionSpan, BidPrice, std::pair<int64_t, int64_t>> {
 public:
  void open(RuntimeContext& ctx) override {
    span_ = &ctx.get_state(ValueStateDescriptor<AuctionSpan>("auction-span"));
    max_price_ = &ctx.get_state(ValueStateDescriptor<int64_t>("max-price"));
    pending_ = &ctx.get_list_state(ListStateDescriptor<BidPrice>("pending-bids"));
    closed_ = &ctx.get_state(ValueStateDescriptor<bool>("closed"));
  }
  void process_element1(const AuctionSpan& a, Context& ctx,
                        Collector<std::pair<int64_t, int64_t>>&) override {
    span_->update(a);
    for (const BidPrice& b : pending_->get()) consider(b, a);
    pending_->clear();
    ctx.timer_service().register_event_time_timer(a.expires);
  }
  void process_element2(const BidPrice& b, Context&, Collector<std::pair<int64_t, int64_t>>&) override {
    if (auto span = span_->value()) {
      consider(b, *span);
    } else if (!closed_->value()) {
      pending_->add(b);
    }
  }
  void on_timer(Timestamp, OnTimerContext&, Collector<std::pair<int64_t, int64_t>>& out) override {
    auto span = span_->value();
    auto price = max_price_->value();
    if (span && price) out.collect({span->category, *price});
    span_->clear();
    max_price_->clear();
    closed_->update(true);
  }

 private:
  void consider(const BidPrice& b, const AuctionSpan& span) {
    if (b.dateTime < span.dateTime || b.dateTime > span.expires) return;
    auto best = max_price_->value();
    if (!best || b.price > *best) max_price_->update(b.price);
  }

  ValueState<AuctionSpan>* span_ = nullptr;
  ValueState<int64_t>* max_price_ = nullptr;
  ListState<BidPrice>* pending_ = nullptr;
  ValueState<bool>* closed_ = nullptr;
};

//! Running average of the closing prices per category, emitted after each closed auction.
class CategoryAverage final : public KeyedProcessFunction<int64_t, std::pair<int64_t, int64_t>, Q4Row> {
 public:
  void open(RuntimeContext& ctx) override {
    sum_count_ = &ctx.get_state(ValueStateDescriptor<std::pair<int64_t, int64_t>>("sum-count"));
  }
  void process_element(const std::pair<int64_t, int64_t>& category_price, Context&,
                       Collector<Q4Row>& out) override {
    auto sc = sum_count_->value().value_or(std::pair<int64_t, int64_t>{0, 0});
    sc.first += category_price.second;
    sc.second += 1;
    sum_count_->update(sc);
    out.collect({category_price.first, static_cast<double>(sc.first) / static_cast<double>(sc.second)});
  }

 private:
  ValueState<std::pair<int64_t, int64_t>>* sum_count_ = nullptr;
};

//! Per seller, the average (BIGINT, truncated) winning price of its latest kSellerWindow closed auctions
//! by bid time, emitted after each close. The window is kept sorted, oldest first, in one value.
class SellerAverage final : public KeyedProcessFunction<int64_t, SoldItem, Q6Row> {
 public:
  void open(RuntimeContext& ctx) override {
    latest_ = &ctx.get_state(ValueStateDescriptor<std::vector<SoldItem>>("q6-latest"));
  }
  void process_element(const SoldItem& item, Context&, Collector<Q6Row>& out) override {
    std::vector<SoldItem> latest = latest_->value().value_or(std::vector<SoldItem>{});
    auto earlier = [](const SoldItem& a, const SoldItem& b) {
      return std::pair(a.dateTime, a.auction) < std::pair(b.dateTime, b.auction);
    };
    latest.insert(std::upper_bound(latest.begin(), latest.end(), item, earlier), item);
    if (latest.size() > kSellerWindow) latest.erase(latest.begin());
    latest_->update(latest);
    int64_t sum = 0;
    for (const SoldItem& s : latest) sum += s.price;
    out.collect({item.seller, sum / static_cast<int64_t>(latest.size())});
  }

 private:
  ValueState<std::vector<SoldItem>>* latest_ = nullptr;
};

}  // namespace

void build_q6(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = winning_bids(env, o, "q6")
                  .map(
                      [](const Q9Row& w) {
                        return SoldItem{w.bid_dateTime, w.id, w.seller, w.price};
                      },
                      "q6: Sold Item")
                  .key_by([](const SoldItem& s) { return s.seller; })
                  .process(SellerAverage{}, "q6: Average Selling Price");
  write_rows(rows, o, "q6");
}

void build_q9(StreamExecutionEnvironment& env, const QueryOptions& o) {
  write_rows(winning_bids(env, o, "q9"), o, "q9");
}

void build_q4(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto events = event_stream(env, o, BidColumns::kNumbers);
  auto spans = events.flat_map<AuctionSpan>(
      [](const Event& e, Collector<AuctionSpan>& out) {
        if (e.is_auction())
          out.collect({e.auction.id, e.auction.category, e.auction.dateTime, e.auction.expires});
      },
      "q4: Auction Spans");
  auto prices = bid_columns<BidPrice>(
      events,
      [](const Bid& b) {
        return BidPrice{b.auction, b.price, b.dateTime};
      },
      "q4: Bid Prices");
  auto rows = spans.key_by([](const AuctionSpan& a) { return a.id; })
                  .connect(prices.key_by([](const BidPrice& b) { return b.auction; }))
                  .process(ClosingPrice{}, "q4: Closing Prices")
                  .key_by([](const std::pair<int64_t, int64_t>& cp) { return cp.first; })
                  .process(CategoryAverage{}, "q4: Average");
  write_rows(rows, o, "q4");
}

}  // namespace detail
}  // namespace weir::nexmark
