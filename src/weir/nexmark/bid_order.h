#pragma once
// The order in which bids win (q9), rank (q19) and replace each other (q18). NEXMARK.md orders by
// price (higher first) and then time (earlier first); to make results independent of arrival order
// (and so of parallelism) ties are broken further by bidder and then by a hash of the bid's strings.
// A BidRank is small and string-free, so keyed state can keep it per bid cheaply.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <tuple>

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

//! A 64-bit hash of the bytes of `s`, continuing from `h`.
inline uint64_t hash_bytes(uint64_t h, std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = connectors::nexmark::mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return connectors::nexmark::mix64(h ^ tail ^ (static_cast<uint64_t>(s.size()) << 56));
}

inline BidRank rank_of(const connectors::nexmark::Bid& b) {
  uint64_t h = hash_bytes(hash_bytes(hash_bytes(0, b.channel), b.url), b.extra);
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
