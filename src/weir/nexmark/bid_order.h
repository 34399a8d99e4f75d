#pragma once
// The order in which bids win (q9), rank (q19) and replace each other (q18). NEXMARK.md orders by
// price (higher first) and then time (earlier first); to make results independent of arrival order
// (and so of parallelism) ties are broken further by bidder and then by a hash of the bid's strings.
// A BidRank is small and string-free, so keyed state can keep it per bid cheaply.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>

#include "weir/common/fold_multiply.h"
#include "weir/common/struct_fields.h"
#include "weir/connectors/nexmark/event_random.h"
#include "weir/connectors/nexmark/model.h"

namespace weir::nexmark {

struct BidRank {
  int64_t price = 0;
  Timestamp dateTime = 0;
  int64_t bidder = 0;
  uint64_t tiebreak = 0;
  bool operator==(const BidRank&) const = default;
};
WEIR_STRUCT(BidRank, price, dateTime, bidder, tiebreak)

//! A 64-bit hash of the bytes of `s`, continuing from `h`: 16 bytes per multiply, so that hashing a bid's
//! ~150 bytes of strings costs about ten multiplies (q18 ranks every bid).
inline uint64_t hash_bytes(uint64_t h, std::string_view s) {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 16; p += 16, n -= 16) {
    uint64_t a, b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    h = fold_multiply(a ^ k0, b ^ k1 ^ h);
  }
  uint64_t a = 0, b = 0;
  if (n > 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, n - 8);
  } else {
    std::memcpy(&a, p, n);
  }
  return fold_multiply(a ^ k0 ^ (static_cast<uint64_t>(s.size()) << 56), b ^ k1 ^ h);
}

inline BidRank rank_of(const connectors::nexmark::Bid& b) {
  uint64_t h = connectors::nexmark::mix64(hash_bytes(hash_bytes(hash_bytes(0, b.channel), b.url), b.extra));
  return {b.price, b.dateTime, b.bidder, h};
}

//! True when `a` ranks above `b`: higher price, then earlier, then lower bidder, then lower hash.
inline bool ranks_above(const BidRank& a, const BidRank& b) {
  return std::tuple(-a.price, a.dateTime, a.bidder, a.tiebreak) <
         std::tuple(-b.price, b.dateTime, b.bidder, b.tiebreak);
}

//! True when `a` is the later bid (q18): later dateTime, or on equal times the higher-ranked one.
inline bool is_later(const BidRank& a, const BidRank& b) {
  if (a.dateTime != b.dateTime) return a.dateTime > b.dateTime;
  return ranks_above(a, b);
}

}  // namespace weir::nexmark
