// The Nexmark generator's seeded output, pinned: a digest of every field of every event for fixed
// configs, computed by the generator as it was when the constants were committed. Any change to any
// generated event (a field, a byte of a string, a timestamp, an event's kind) changes a digest, so
// optimizing the generator cannot silently change the workload every benchmark and query test runs on.
// If the workload is meant to change, that is a new workload: update the constants deliberately.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "weir/connectors/nexmark/generator.h"
#include "weir/connectors/nexmark/nexmark_source.h"

namespace weir::connectors::nexmark {
namespace {

//! A 64-bit digest over a canonical encoding of an event's fields: numbers as 64-bit words, strings
//! as their length and then their bytes in 8-byte little-endian words (the last one zero-padded), so it
//! does not depend on any serializer's format. Each step is a bijection of the state for a given word
//! and of the word for a given state, so changing any one word always changes the state after it.
class EventDigest {
 public:
  void add(const Event& e) {
    word(static_cast<uint64_t>(e.kind));
    switch (e.kind) {
      case EventKind::kPerson: {
        const Person& p = e.person;
        num(p.id), str(p.name), str(p.emailAddress), str(p.creditCard), str(p.city), str(p.state);
        num(p.dateTime), str(p.extra);
        break;
      }
      case EventKind::kAuction: {
        const Auction& a = e.auction;
        num(a.id), str(a.itemName), str(a.description), num(a.initialBid), num(a.reserve);
        num(a.dateTime), num(a.expires), num(a.seller), num(a.category), str(a.extra);
        break;
      }
      case EventKind::kBid: {
        const Bid& b = e.bid;
        num(b.auction), num(b.bidder), num(b.price), str(b.channel), str(b.url), num(b.dateTime);
        str(b.extra);
        break;
      }
    }
    ++events_;
  }
  uint64_t value() const { return h_; }
  int64_t events() const { return events_; }

 private:
  void word(uint64_t w) {
    h_ ^= w;
    h_ = (h_ << 29 | h_ >> 35) * 0x9e3779b97f4a7c15ULL;
  }
  void num(int64_t v) { word(static_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    num(static_cast<int64_t>(s.size()));
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) word(le_word(s.data() + i, 8));
    if (i < s.size()) word(le_word(s.data() + i, s.size() - i));
  }
  static uint64_t le_word(const char* p, size_t len) {
    uint64_t w = 0;
    for (size_t k = 0; k < len; ++k) w |= static_cast<uint64_t>(static_cast<uint8_t>(p[k])) << (8 * k);
    return w;
  }

  uint64_t h_ = 0xcbf29ce484222325ULL;
  int64_t events_ = 0;
};

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llxULL", static_cast<unsigned long long>(v));
  return buf;
}

//! `weir nexmark`'s defaults: seed 0, 10M events/s of event time from 2024-01-01, in order.
GeneratorConfig default_config() {
  GeneratorConfig c;
  c.events = 1'000'000;
  return c;
}

//! Every option away from its default: another seed, a slow rate (auctions live for seconds, so
//! `expires` differs from `dateTime` by more than a few ms), another base time and out-of-orderness.
GeneratorConfig other_config() {
  GeneratorConfig c;
  c.seed = 42;
  c.events = 1'000'000;
  c.rate = 100'000;
  c.base_time = 1'000'000'000'000;
  c.out_of_orderness_ms = 3000;
  return c;
}

uint64_t digest_in_order(const GeneratorConfig& c) {
  NexmarkGenerator gen(c);
  EventDigest d;
  Event e;  // reused, as the source reuses it
  for (int64_t n = 0; n < c.events; ++n) {
    gen.generate(n, e);
    d.add(e);
  }
  EXPECT_EQ(d.events(), c.events);
  return d.value();
}

//! Digests of what each of `parallelism` source subtasks emits, in its order.
std::vector<uint64_t> digests_of_subtasks(const GeneratorConfig& c, int parallelism) {
  class DigestOutput final : public runtime::Output<Event> {
   public:
    void collect(const Event& e, Timestamp ts) override {
      EXPECT_EQ(ts, e.date_time());
      digest.add(e);
    }
    void emit_watermark(Timestamp) override {}
    void emit_watermark_status(bool) override {}
    EventDigest digest;
  };
  auto gen = std::make_shared<const NexmarkGenerator>(c);
  std::vector<uint64_t> out;
  int64_t total = 0;
  for (int s = 0; s < parallelism; ++s) {
    NexmarkSourceReader reader(gen, 0);
    reader.open({s, parallelism, nullptr});
    DigestOutput sink;
    SourceOutput<Event> so(&sink);
    while (reader.poll_next(so, 1000) != InputStatus::kEndOfInput) {
    }
    out.push_back(sink.digest.value());
    total += sink.digest.events();
  }
  EXPECT_EQ(total, c.events);
  return out;
}

TEST(NexmarkGeneratorGolden, DefaultConfigMakesTheCommittedEvents) {
  uint64_t d = digest_in_order(default_config());
  EXPECT_EQ(d, 0xbbe7c66718d89b5eULL) << "digest " << hex(d);
}

TEST(NexmarkGeneratorGolden, FourSubtasksMakeTheCommittedEvents) {
  auto d = digests_of_subtasks(default_config(), 4);
  const std::vector<uint64_t> expected = {0x78b3e1ed2c8241e4ULL, 0x5bbe2ebdccfd9f92ULL, 0x0b446968a56ee3feULL,
                                          0x397deeb1f76da734ULL};
  for (size_t s = 0; s < d.size(); ++s)
    EXPECT_EQ(d[s], expected[s]) << "subtask " << s << " digest " << hex(d[s]);
}

TEST(NexmarkGeneratorGolden, OtherSeedRateBaseTimeAndOutOfOrdernessMakeTheCommittedEvents) {
  uint64_t d = digest_in_order(other_config());
  EXPECT_EQ(d, 0x1a3494b006cd4b66ULL) << "digest " << hex(d);
}

// The generator computes n * 1000 / rate by a multiplication with the rate's reciprocal; the times must
// equal the division's, for any rate and event number (the digests above cover two rates only).
TEST(NexmarkGeneratorGolden, EventTimesEqualTheDivision) {
  EventRandom r(9, 0);
  for (int64_t rate : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{1000}, int64_t{999'983}, kDefaultRate,
                       int64_t{1'000'000'007}, int64_t{1} << 40, int64_t{0x7fffffffffffffff}}) {
    GeneratorConfig c;
    c.rate = rate;
    NexmarkGenerator gen(c);
    Event e;
    for (int i = 0; i < 20'000; ++i) {
      // Event numbers of every magnitude up to 2^52 (n * 1000 below 2^63), and the first few.
      int64_t n = i < 100 ? i : static_cast<int64_t>(r.next_u64() >> (12 + r.uniform(52)));
      gen.generate(n, e);
      ASSERT_EQ(e.date_time(), c.base_time + n * 1000 / rate) << "rate " << rate << " n " << n;
    }
  }
}

// The generator computes prices without pow where it can prove the rounding; they must equal pow's.
int64_t price_by_pow(uint64_t draw) {
  return std::llround(std::pow(10.0, static_cast<double>(draw >> 11) * 0x1.0p-53 * 6.0) * 100.0);
}

TEST(NexmarkGeneratorGolden, PricesEqualPowRounded) {
  NexmarkGenerator gen(default_config());
  EventRandom r(5, 0);
  for (int i = 0; i < 1'000'000; ++i) {
    uint64_t draw = r.next_u64();
    ASSERT_EQ(gen.price(draw), price_by_pow(draw)) << "draw " << draw;
  }
  EXPECT_EQ(gen.price(0), 100);
  EXPECT_EQ(gen.price(~uint64_t{0}), price_by_pow(~uint64_t{0}));
}

TEST(NexmarkGeneratorGolden, PricesNextToAHalfCentEqualPowRounded) {
  // Draws whose price lies next to k + 0.5, where the rounding is decided by the last bits.
  NexmarkGenerator gen(default_config());
  for (double k = 100; k < 1e8; k = std::floor(k * 1.001) + 1) {
    double u = std::log10((k + 0.5) / 100.0) / 6.0;
    auto m = static_cast<int64_t>(std::ldexp(u, 53));
    for (int64_t d = -4; d <= 4; ++d) {
      uint64_t draw = static_cast<uint64_t>(m + d) << 11;
      ASSERT_EQ(gen.price(draw), price_by_pow(draw)) << "k " << k << " draw " << draw;
    }
  }
}

}  // namespace
}  // namespace weir::connectors::nexmark
