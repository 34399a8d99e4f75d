#pragma once
// NexmarkGenerator: event number n -> the n-th Nexmark event, per ../shared/NEXMARK.md.
//   n % 50 == 0      Person   id 1000 + n / 50
//   n % 50 in 1..3   Auction  id 1000 + 3 * (n / 50) + (n % 50 - 1)
//   otherwise        Bid
// dateTime = base_time + n * 1000 / rate (ms), minus a uniform jitter of up to out_of_orderness_ms.
// The draws of event n come from EventRandom(seed, n) only, so generate(n) is a pure function of
// (config, n): any subtask can make any event, and a parallel source's union does not depend on its
// parallelism.
//
// Threading: immutable after construction; generate() may run on several threads at once.
#include <cstdint>
#include <string>
#include <vector>

#include "weir/connectors/nexmark/event_random.h"
#include "weir/connectors/nexmark/generator_config.h"
#include "weir/connectors/nexmark/model.h"

namespace weir::connectors::nexmark {

// The model's constants (NEXMARK.md).
inline constexpr int64_t kProportionDenominator = 50;
inline constexpr int64_t kPersonProportion = 1;
inline constexpr int64_t kAuctionProportion = 3;
inline constexpr int64_t kFirstPersonId = 1000;
inline constexpr int64_t kFirstAuctionId = 1000;
inline constexpr int64_t kFirstCategoryId = 10;
inline constexpr int64_t kNumCategories = 5;
inline constexpr int64_t kHotIdRounding = 100;
inline constexpr int64_t kInFlightAuctions = 100;
inline constexpr int64_t kAuctionIdLead = 10;
inline constexpr int64_t kActivePeople = 1000;
inline constexpr int64_t kPersonIdLead = 10;
inline constexpr int64_t kNumChannels = 10000;
inline constexpr int kAvgPersonBytes = 200;
inline constexpr int kAvgAuctionBytes = 500;
inline constexpr int kAvgBidBytes = 100;

//! The columns of bids a reader makes: the numbers (auction, bidder, price, dateTime) always, and a set of
//! the strings. A query has its source skip the strings it does not read (copying them is the larger part of
//! making a bid), as a planner pushes a projection into a source that supports it: a skipped string is
//! left empty, and every other column is what it is in the whole bid. Persons and auctions are always whole.
enum class BidColumns : uint8_t {
  kNumbers = 0,  //!< auction, bidder, price, dateTime only
  kChannel = 1,
  kUrl = 2,
  kExtra = 4,
  kAll = 7,  //!< every column
};
constexpr BidColumns operator|(BidColumns a, BidColumns b) {
  return static_cast<BidColumns>(static_cast<uint8_t>(a) | static_cast<uint8_t>(b));
}
//! True when `set` has every column of `c`.
constexpr bool has_columns(BidColumns set, BidColumns c) {
  return (static_cast<uint8_t>(set) & static_cast<uint8_t>(c)) == static_cast<uint8_t>(c);
}

class NexmarkGenerator {
 public:
  //! Throws ConfigError when the config is invalid.
  explicit NexmarkGenerator(GeneratorConfig config);

  //! Fills `e` with event n. Reuses the capacity of e's strings: no allocation once they have grown.
  void generate(int64_t n, Event& e) const { generate(n, e, BidColumns::kAll); }
  //! The same, with a bid's columns `columns`: its numbers are those of generate(n) whatever `columns` is
  //! (every event's draws come from its own EventRandom, so skipping a bid's later draws moves nothing).
  void generate(int64_t n, Event& e, BidColumns columns) const;
  Event generate(int64_t n) const {
    Event e;
    generate(n, e);
    return e;
  }

  const GeneratorConfig& config() const { return config_; }

  //! The price made from a draw of EventRandom::next_u64(): exactly llround(pow(10.0, 6.0 * u) * 100.0)
  //! for u = (draw >> 11) * 2^-53, the draw's next_double(), i.e. round(10^(6u) * 100) in [100, 10^8].
  int64_t price(uint64_t draw) const;

  static EventKind kind_of(int64_t n) {
    int64_t offset = n % kProportionDenominator;
    if (offset < kPersonProportion) return EventKind::kPerson;
    if (offset < kPersonProportion + kAuctionProportion) return EventKind::kAuction;
    return EventKind::kBid;
  }
  //! dateTime of event n before any out-of-orderness jitter.
  Timestamp nominal_time(int64_t n) const { return config_.base_time + n * 1000 / config_.rate; }
  //! Zero-based id of the newest person at event n (the person of n when n is a person).
  static int64_t last_base0_person_id(int64_t n);
  //! Zero-based id of the newest auction at event n (the auction of n when n is an auction).
  static int64_t last_base0_auction_id(int64_t n);

  //! The size an event is padded towards: 8 bytes per number plus the strings, counted like the
  //! original generator (a bid's channel and url are not counted).
  static int64_t byte_size(const Person& p);
  static int64_t byte_size(const Auction& a);
  static int64_t byte_size(const Bid& b);

 private:
  void make_person(int64_t n, EventRandom& r, Timestamp ts, Person& p) const;
  void make_auction(int64_t n, EventRandom& r, Timestamp ts, Auction& a) const;
  void make_bid(int64_t n, EventRandom& r, Timestamp ts, Bid& b, BidColumns columns) const;
  //! A person or auction id from one draw (next_base0_*_id(n, r) draws it from r).
  static int64_t base0_person_id_from(int64_t n, uint64_t draw);
  static int64_t base0_auction_id_from(int64_t n, uint64_t draw);
  static int64_t next_base0_person_id(int64_t n, EventRandom& r) {
    return base0_person_id_from(n, r.next_u64());
  }
  static int64_t next_base0_auction_id(int64_t n, EventRandom& r) {
    return base0_auction_id_from(n, r.next_u64());
  }
  //! price()'s body, inlined into the event makers.
  int64_t price_inline(uint64_t draw) const;
  //! Assigns `len` random lowercase letters (a slice of the seed's letter pool).
  void random_letters(EventRandom& r, int64_t len, std::string& out) const;
  void append_random_letters(EventRandom& r, int64_t len, std::string& out) const;
  //! Pads `extra` so the event's size is `avg` +- 20 % given `current` bytes without it.
  void pad_extra(EventRandom& r, int64_t current, int64_t avg, std::string& extra) const;
  void make_url(EventRandom& r, int64_t channel_number, std::string& url) const;

  //! What a bid takes from its channel, made once per generator: its name and the parts of its url.
  struct Channel {
    char name[15];
    uint8_t name_size;
    char path[18];  // the url's three 5-letter directories, each followed by '/'
    uint8_t id_size;
    char id[10];  // the channel_id= value's digits, right-aligned (the last id_size bytes)
  };

  //! x / config_.rate for x < 2^63, without a division instruction (generate's nominal_time).
  uint64_t divide_by_rate(uint64_t x) const {
    // q is floor(x / rate) or one less: rate_inverse_ = (2^64 - e) / rate with 1 <= e <= rate, so
    // x * rate_inverse_ / 2^64 = x / rate - x * e / (rate * 2^64), which is above x / rate - 1/2.
    uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * rate_inverse_) >> 64);
    return q + (x - q * static_cast<uint64_t>(config_.rate) >= static_cast<uint64_t>(config_.rate) ? 1 : 0);
  }

  GeneratorConfig config_;
  uint64_t rate_inverse_;  // floor((2^64 - 1) / rate)
  uint64_t url_salt_;
  uint64_t premixed_seed_;         // EventRandom::premix(seed)
  uint64_t premixed_jitter_seed_;  // the same for the out-of-orderness stream
  std::string letters_;
  std::vector<Channel> channels_;  // channel number -> channel; hot channels after the kNumChannels others
  std::vector<double> pow10_;      // price()'s table of powers of ten
};

}  // namespace weir::connectors::nexmark
