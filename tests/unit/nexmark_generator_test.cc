// The Nexmark generator: determinism, parallel splits, proportions, ids and sizes (NEXMARK.md).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/connectors/nexmark/generator.h"
#include "weir/connectors/nexmark/nexmark_source.h"

namespace weir::connectors::nexmark {
namespace {

GeneratorConfig config(uint64_t seed, int64_t events, int64_t rate = kDefaultRate) {
  GeneratorConfig c;
  c.seed = seed;
  c.events = events;
  c.rate = rate;
  return c;
}

std::vector<std::string> serialized(const NexmarkGenerator& gen) {
  std::vector<std::string> out;
  Event e;
  for (int64_t n = 0; n < gen.config().events; ++n) {
    gen.generate(n, e);
    out.push_back(serialize_to_string(e));
  }
  return out;
}

//! Collects a reader's records as serialized bytes.
class CollectingOutput final : public runtime::Output<Event> {
 public:
  void collect(const Event& e, Timestamp ts) override {
    EXPECT_EQ(ts, e.date_time());
    records.push_back(serialize_to_string(e));
  }
  void emit_watermark(Timestamp) override {}
  void emit_watermark_status(bool) override {}
  std::vector<std::string> records;
};

std::vector<std::string> read_in_parallel(const GeneratorConfig& c, int parallelism) {
  auto gen = std::make_shared<const NexmarkGenerator>(c);
  std::vector<std::string> all;
  for (int s = 0; s < parallelism; ++s) {
    NexmarkSourceReader reader(gen, 0);
    reader.open({s, parallelism, nullptr});
    CollectingOutput sink;
    SourceOutput<Event> out(&sink);
    while (reader.poll_next(out, 1000) != InputStatus::kEndOfInput) {
    }
    all.insert(all.end(), sink.records.begin(), sink.records.end());
  }
  return all;
}

TEST(NexmarkGenerator, SameSeedGivesTheSameEventsByteForByte) {
  auto a = serialized(NexmarkGenerator(config(42, 20000)));
  auto b = serialized(NexmarkGenerator(config(42, 20000)));
  EXPECT_EQ(a, b);
  auto other = serialized(NexmarkGenerator(config(43, 20000)));
  EXPECT_NE(a, other);
}

TEST(NexmarkGenerator, EventDependsOnlyOnSeedAndNumber) {
  NexmarkGenerator gen(config(7, 100000));
  Event reused;
  for (int64_t n : {99999, 5, 12345, 0, 4}) {
    gen.generate(n, reused);  // a reused event must not carry anything over
    EXPECT_EQ(serialize_to_string(reused), serialize_to_string(gen.generate(n))) << n;
  }
}

// The projections queries push into the source (BidColumns): for every set of strings, the same events with
// the other strings of bids empty, interleaved with other sets on one reused event (a reused event must carry
// no string over), and through a reader.
Event projected(Event e, BidColumns columns) {
  if (!e.is_bid()) return e;
  if (!has_columns(columns, BidColumns::kChannel)) e.bid.channel.clear();
  if (!has_columns(columns, BidColumns::kUrl)) e.bid.url.clear();
  if (!has_columns(columns, BidColumns::kExtra)) e.bid.extra.clear();
  return e;
}

TEST(NexmarkGenerator, ProjectedBidsHaveTheWholeBidsColumns) {
  NexmarkGenerator gen(config(11, 40000));
  Event reused;
  int64_t with_strings = 0;
  for (int64_t n = 0; n < 40000; ++n) {
    const Event whole = gen.generate(n);
    const auto columns = static_cast<BidColumns>((n * 5 + n / 7) % 8);  // every set, in no fixed order
    gen.generate(n, reused, columns);
    if (whole.is_bid() && !whole.bid.extra.empty() && !whole.bid.url.empty()) ++with_strings;
    ASSERT_EQ(serialize_to_string(reused), serialize_to_string(projected(whole, columns)))
        << n << " columns " << static_cast<int>(columns);
  }
  EXPECT_GT(with_strings, 20000);  // the strings that are skipped exist in the whole bids

  auto shared = std::make_shared<const NexmarkGenerator>(config(11, 5000));
  for (BidColumns columns :
       {BidColumns::kNumbers, BidColumns::kExtra, BidColumns::kChannel | BidColumns::kUrl}) {
    NexmarkSourceReader reader(shared, 0, {}, columns);
    reader.open({0, 1, nullptr});
    CollectingOutput sink;
    SourceOutput<Event> out(&sink);
    while (reader.poll_next(out, 1000) != InputStatus::kEndOfInput) {
    }
    ASSERT_EQ(sink.records.size(), 5000u);
    for (int64_t n = 0; n < 5000; ++n)
      ASSERT_EQ(sink.records[static_cast<size_t>(n)],
                serialize_to_string(projected(shared->generate(n), columns)))
          << n;
  }
}

TEST(NexmarkGenerator, ParallelSourcesProduceTheSameUnion) {
  auto c = config(3, 30001);
  auto one = read_in_parallel(c, 1);
  EXPECT_EQ(one, serialized(NexmarkGenerator(c)));
  auto four = read_in_parallel(c, 4);
  std::sort(one.begin(), one.end());
  std::sort(four.begin(), four.end());
  EXPECT_EQ(one, four);
}

TEST(NexmarkGenerator, KindsComeInProportions1To3To46) {
  NexmarkGenerator gen(config(1, 50000));
  int64_t counts[3] = {0, 0, 0};
  for (int64_t n = 0; n < 50000; ++n) ++counts[static_cast<int>(gen.generate(n).kind)];
  EXPECT_EQ(counts[0], 1000);
  EXPECT_EQ(counts[1], 3000);
  EXPECT_EQ(counts[2], 46000);
}

TEST(NexmarkGenerator, IdsFollowTheModel) {
  NexmarkGenerator gen(config(5, 100000));
  int64_t next_person = 1000, next_auction = 1000;
  int64_t hot_auction_bids = 0, hot_bidder_bids = 0, bids = 0;
  for (int64_t n = 0; n < 100000; ++n) {
    Event e = gen.generate(n);
    if (e.is_person()) {
      EXPECT_EQ(e.person.id, next_person++);
      EXPECT_TRUE(std::set<std::string>({"AZ", "CA", "ID", "OR", "WA", "WY"}).count(e.person.state));
      EXPECT_EQ(e.person.creditCard.size(), 19u);
    } else if (e.is_auction()) {
      EXPECT_EQ(e.auction.id, next_auction++);
      EXPECT_GE(e.auction.category, 10);
      EXPECT_LE(e.auction.category, 14);
      EXPECT_GT(e.auction.expires, e.auction.dateTime);
      EXPECT_GT(e.auction.reserve, e.auction.initialBid);
      EXPECT_LT(e.auction.seller, next_person + kPersonIdLead);
    } else {
      ++bids;
      const Bid& b = e.bid;
      EXPECT_GE(b.auction, 1000);
      EXPECT_LT(b.auction, next_auction + kAuctionIdLead);  // at most 10 ahead of the newest
      EXPECT_GE(b.bidder, 1000);
      EXPECT_LT(b.bidder, next_person + kPersonIdLead);
      EXPECT_GE(b.price, 100);
      EXPECT_LE(b.price, 100'000'000);
      if (b.auction == (next_auction - 1) / 100 * 100) ++hot_auction_bids;
      if (b.bidder == (next_person - 1) / 100 * 100 + 1) ++hot_bidder_bids;
      EXPECT_FALSE(b.channel.empty());
      EXPECT_TRUE(b.url.starts_with("https://www.nexmark.com/"));
    }
  }
  // Half the bids go to the hot auction and 3 in 4 come from the hot bidder (plus uniform hits).
  EXPECT_NEAR(static_cast<double>(hot_auction_bids) / bids, 0.5, 0.03);
  EXPECT_NEAR(static_cast<double>(hot_bidder_bids) / bids, 0.75, 0.03);
}

TEST(NexmarkGenerator, EventsArePaddedToTheirAverageSizes) {
  NexmarkGenerator gen(config(9, 100000));
  double sums[3] = {0, 0, 0};
  int64_t counts[3] = {0, 0, 0};
  const int64_t avg[3] = {kAvgPersonBytes, kAvgAuctionBytes, kAvgBidBytes};
  for (int64_t n = 0; n < 100000; ++n) {
    Event e = gen.generate(n);
    int k = static_cast<int>(e.kind);
    int64_t size = e.is_person()    ? NexmarkGenerator::byte_size(e.person)
                   : e.is_auction() ? NexmarkGenerator::byte_size(e.auction)
                                    : NexmarkGenerator::byte_size(e.bid);
    EXPECT_GE(size, avg[k] * 0.8) << kind_name(e.kind);
    EXPECT_LE(size, avg[k] * 1.2) << kind_name(e.kind);
    sums[k] += static_cast<double>(size);
    ++counts[k];
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(sums[k] / counts[k], avg[k], avg[k] * 0.02);
}

TEST(NexmarkGenerator, EventTimeFollowsTheRate) {
  GeneratorConfig c = config(2, 10000, 1000);  // 1000 events per second of event time
  NexmarkGenerator gen(c);
  for (int64_t n : {0, 1, 999, 1000, 9999}) EXPECT_EQ(gen.generate(n).date_time(), c.base_time + n) << n;
  NexmarkGenerator fast(config(2, 100, kDefaultRate));  // 10M/s: 10000 events per ms
  EXPECT_EQ(fast.generate(99).date_time(), c.base_time);
}

TEST(NexmarkGenerator, OutOfOrdernessMovesOnlyTimesAndStaysInBounds) {
  GeneratorConfig c = config(4, 20000, 1000);
  GeneratorConfig late = c;
  late.out_of_orderness_ms = 50;
  NexmarkGenerator in_order(c), jittered(late);
  bool any_moved = false;
  for (int64_t n = 0; n < 20000; ++n) {
    Event a = in_order.generate(n), b = jittered.generate(n);
    int64_t shift = a.date_time() - b.date_time();
    EXPECT_GE(shift, 0);
    EXPECT_LE(shift, 50);
    any_moved |= shift > 0;
    if (a.is_bid()) {
      b.bid.dateTime = a.bid.dateTime;
      EXPECT_EQ(a.bid, b.bid);
    }
  }
  EXPECT_TRUE(any_moved);
}

TEST(NexmarkGenerator, RefusesBadConfigs) {
  EXPECT_THROW(NexmarkGenerator(config(0, 10, 0)), ConfigError);
  GeneratorConfig c = config(0, 10);
  c.out_of_orderness_ms = -1;
  EXPECT_THROW(NexmarkGenerator{c}, ConfigError);
}

TEST(NexmarkGenerator, EventsRoundTripThroughTheirSerializer) {
  NexmarkGenerator gen(config(11, 200));
  for (int64_t n = 0; n < 200; ++n) {
    Event e = gen.generate(n);
    EXPECT_EQ(deserialize_from_string<Event>(serialize_to_string(e)), e);
  }
}

}  // namespace
}  // namespace weir::connectors::nexmark
