// q13 (bounded side input join): every bid enriched by the side input's rows for auction % 10000, a
// lookup in a table read once when the job is built and shared by the subtasks (side_input.h).
// q3 (local item suggestion) and q20 (expanded bids): unbounded keyed equi-joins. Both join on an id
// that each auction or person has exactly once, so the side holding that id is kept per key (or only
// a marker when it does not qualify), and rows of the other side wait only until it arrives (bids
// and auctions may reference an id a few events ahead of its creation).
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"
#include "weir/nexmark/side_input.h"

namespace weir::nexmark {

//! q3's per-seller state: whether the person arrived in a qualifying state, and what is emitted.
struct Q3Seller {
  bool qualifies = false;
  std::string name;
  std::string city;
  std::string state;
};
WEIR_STRUCT(Q3Seller, qualifies, name, city, state)

//! q20's per-auction state: the auction when it is in category 10; an empty marker otherwise.
struct Q20Auction {
  bool joinable = false;
  Auction auction;
};
WEIR_STRUCT(Q20Auction, joinable, auction)

namespace detail {
namespace {

class Q3Join final : public CoProcessFunction<Auction, Person, Q3Row> {
 public:
  void open(RuntimeContext& ctx) override {
    seller_ = &ctx.get_state(ValueStateDescriptor<Q3Seller>("q3-seller"));
    pending_ = &ctx.get_list_state(ListStateDescriptor<int64_t>("q3-pending-auctions"));
  }
  // Input 1: auctions in category 10, keyed by seller.
  void process_element1(const Auction& a, Context&, Collector<Q3Row>& out) override {
    if (auto s = seller_->value()) {
      if (s->qualifies) out.collect({s->name, s->city, s->state, a.id});
    } else {
      pending_->add(a.id);
    }
  }
  // Input 2: every person, keyed by id (non-qualifying ones leave a marker so no auction waits for them).
  void process_element2(const Person& p, Context&, Collector<Q3Row>& out) override {
    bool qualifies = p.state == "OR" || p.state == "ID" || p.state == "CA";
    if (qualifies) {
      for (int64_t id : pending_->get()) out.collect({p.name, p.city, p.state, id});
      seller_->update({true, p.name, p.city, p.state});
    } else {
      seller_->update({false, {}, {}, {}});
    }
    pending_->clear();
  }

 private:
  ValueState<Q3Seller>* seller_ = nullptr;
  ListState<int64_t>* pending_ = nullptr;
};

Q20Row q20_row(const Bid& b, const Auction& a) {
  return {b.auction,     b.bidder,     b.price,   b.channel,  b.url,     b.dateTime, b.extra,    a.itemName,
          a.description, a.initialBid, a.reserve, a.dateTime, a.expires, a.seller,   a.category, a.extra};
}

class Q20Join final : public CoProcessFunction<Bid, Auction, Q20Row> {
 public:
  void open(RuntimeContext& ctx) override {
    auction_ = &ctx.get_state(ValueStateDescriptor<Q20Auction>("q20-auction"));
    pending_ = &ctx.get_list_state(ListStateDescriptor<Bid>("q20-pending-bids"));
  }
  void process_element1(const Bid& b, Context&, Collector<Q20Row>& out) override {
    if (auto a = auction_->value()) {
      if (a->joinable) out.collect(q20_row(b, a->auction));
    } else {
      pending_->add(b);
    }
  }
  void process_element2(const Auction& a, Context&, Collector<Q20Row>& out) override {
    bool joinable = a.category == 10;
    if (joinable) {
      for (const Bid& b : pending_->get()) out.collect(q20_row(b, a));
      auction_->update({true, a});
    } else {
      auction_->update({false, {}});
    }
    pending_->clear();
  }

 private:
  ValueState<Q20Auction>* auction_ = nullptr;
  ListState<Bid>* pending_ = nullptr;
};

}  // namespace

void build_q3(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto events = event_stream(env, o);
  auto auctions =
      auctions_of(events).filter([](const Auction& a) { return a.category == 10; }, "q3: Category 10");
  auto persons = persons_of(events);
  auto rows = auctions.key_by([](const Auction& a) { return a.seller; })
                  .connect(persons.key_by([](const Person& p) { return p.id; }))
                  .process(Q3Join{}, "q3: Join Seller");
  write_rows(rows, o, "q3");
}

void build_q20(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto events = event_stream(env, o);
  auto rows = bids_of(events)
                  .key_by([](const Bid& b) { return b.auction; })
                  .connect(auctions_of(events).key_by([](const Auction& a) { return a.id; }))
                  .process(Q20Join{}, "q20: Join Auction");
  write_rows(rows, o, "q20");
}

void build_q13(StreamExecutionEnvironment& env, const QueryOptions& o) {
  // Read before the job runs, so a bad file is a clear error, not a failing task.
  std::shared_ptr<const SideInput> side =
      o.side_input.empty() ? SideInput::nexmark_default() : SideInput::read(o.side_input);
  auto rows = bids_of(event_stream(env, o, BidColumns::kNumbers))
                  .flat_map<Q13Row>(
                      [side](const Bid& b, Collector<Q13Row>& out) {
                        for (const std::string& v : side->values(b.auction % SideInput::kKeys))
                          out.collect({b.auction, b.bidder, b.price, b.dateTime, v});
                      },
                      "q13: Join Side Input");
  write_rows(rows, o, "q13");
}

}  // namespace detail
}  // namespace weir::nexmark
