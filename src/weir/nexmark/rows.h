#pragma once
// The rows the queries emit, one struct per query result, with the output columns named as in
// NEXMARK.md and issue 3 (window_start / window_end in epoch ms for windowed queries). Field names
// are the column names, so the JSON writer needs no mapping.
#include <cstdint>
#include <optional>
#include <string>

#include "weir/common/struct_fields.h"
#include "weir/common/time.h"

namespace weir::nexmark {

// q0 emits the bids themselves; its sink writes auction, bidder, price, dateTime, extra.

struct Q1Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  double price = 0;
  Timestamp dateTime = 0;
  std::string extra;
};
WEIR_STRUCT(Q1Row, auction, bidder, price, dateTime, extra)

struct Q2Row {
  int64_t auction = 0;
  int64_t price = 0;
};
WEIR_STRUCT(Q2Row, auction, price)

struct Q3Row {
  std::string name;
  std::string city;
  std::string state;
  int64_t id = 0;
};
WEIR_STRUCT(Q3Row, name, city, state, id)

struct Q4Row {
  int64_t category = 0;
  double avg = 0;
};
WEIR_STRUCT(Q4Row, category, avg)

struct Q5Row {
  int64_t auction = 0;
  int64_t num = 0;
  Timestamp window_start = 0;
  Timestamp window_end = 0;
};
WEIR_STRUCT(Q5Row, auction, num, window_start, window_end)

struct Q7Row {
  int64_t auction = 0;
  int64_t price = 0;
  int64_t bidder = 0;
  Timestamp dateTime = 0;
  std::string extra;
  Timestamp window_start = 0;
  Timestamp window_end = 0;
};
WEIR_STRUCT(Q7Row, auction, price, bidder, dateTime, extra, window_start, window_end)

struct Q8Row {
  int64_t id = 0;
  std::string name;
  Timestamp window_start = 0;
  Timestamp window_end = 0;
};
WEIR_STRUCT(Q8Row, id, name, window_start, window_end)

struct Q9Row {
  int64_t id = 0;
  std::string itemName;
  std::string description;
  int64_t initialBid = 0;
  int64_t reserve = 0;
  Timestamp dateTime = 0;
  Timestamp expires = 0;
  int64_t seller = 0;
  int64_t category = 0;
  std::string extra;
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  Timestamp bid_dateTime = 0;
  std::string bid_extra;
};
WEIR_STRUCT(Q9Row, id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra,
            auction, bidder, price, bid_dateTime, bid_extra)

//! q6: the average winning price of a seller's last closed auctions.
struct Q6Row {
  int64_t seller = 0;
  int64_t avg_price = 0;
};
WEIR_STRUCT(Q6Row, seller, avg_price)

//! q10: a bid with the partition it is logged under (dt = yyyy-MM-dd, hm = HH:mm).
struct Q10Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  Timestamp dateTime = 0;
  std::string extra;
  std::string dt;
  std::string hm;
};
WEIR_STRUCT(Q10Row, auction, bidder, price, dateTime, extra, dt, hm)

//! q11 (event-time sessions) and q12 (processing-time tumbling windows): bids per bidder and window.
struct BidderCountRow {
  int64_t bidder = 0;
  int64_t count = 0;
  Timestamp window_start = 0;
  Timestamp window_end = 0;
};
WEIR_STRUCT(BidderCountRow, bidder, count, window_start, window_end)

struct Q13Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  Timestamp dateTime = 0;
  std::string value;
};
WEIR_STRUCT(Q13Row, auction, bidder, price, dateTime, value)

//! q14: price is DECIMAL(23, 3) in Flink (0.908 * price, exact); here in thousandths, written as a decimal.
struct Q14Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price_thousandths = 0;
  std::string bidTimeType;
  Timestamp dateTime = 0;
  std::string extra;
  int64_t c_counts = 0;
};
WEIR_STRUCT(Q14Row, auction, bidder, price_thousandths, bidTimeType, dateTime, extra, c_counts)

//! q15 and q16: bids, distinct bidders and distinct auctions, in total and per price rank (rank1: price <
//! 10,000; rank2: up to 1,000,000; rank3: above).
struct BidStatistics {
  int64_t total_bids = 0;
  int64_t rank1_bids = 0;
  int64_t rank2_bids = 0;
  int64_t rank3_bids = 0;
  int64_t total_bidders = 0;
  int64_t rank1_bidders = 0;
  int64_t rank2_bidders = 0;
  int64_t rank3_bidders = 0;
  int64_t total_auctions = 0;
  int64_t rank1_auctions = 0;
  int64_t rank2_auctions = 0;
  int64_t rank3_auctions = 0;
};
WEIR_STRUCT(BidStatistics, total_bids, rank1_bids, rank2_bids, rank3_bids, total_bidders, rank1_bidders,
            rank2_bidders, rank3_bidders, total_auctions, rank1_auctions, rank2_auctions, rank3_auctions)

//! q15 and q16 write the statistics' columns after the key columns (row_formats.h).
struct Q15Row {
  std::string day;
  BidStatistics stats;
};
WEIR_STRUCT(Q15Row, day, stats)

struct Q16Row {
  std::string channel;
  std::string day;
  std::string minute;
  BidStatistics stats;
};
WEIR_STRUCT(Q16Row, channel, day, minute, stats)

struct Q17Row {
  int64_t auction = 0;
  std::string day;
  int64_t total_bids = 0;
  int64_t min_price = 0;
  int64_t max_price = 0;
  double avg_price = 0;
  int64_t sum_price = 0;
};
WEIR_STRUCT(Q17Row, auction, day, total_bids, min_price, max_price, avg_price, sum_price)

// q18 emits bids (all columns).

struct Q19Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::string url;
  Timestamp dateTime = 0;
  std::string extra;
  int64_t rank_number = 0;
};
WEIR_STRUCT(Q19Row, auction, bidder, price, channel, url, dateTime, extra, rank_number)

struct Q21Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::string channel_id;
};
WEIR_STRUCT(Q21Row, auction, bidder, price, channel, channel_id)

//! q22: SPLIT_INDEX(url, '/', 3..5); NULL (empty) when the url has fewer parts.
struct Q22Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::optional<std::string> dir1;
  std::optional<std::string> dir2;
  std::optional<std::string> dir3;
};
WEIR_STRUCT(Q22Row, auction, bidder, price, channel, dir1, dir2, dir3)

struct Q20Row {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  std::string channel;
  std::string url;
  Timestamp bid_dateTime = 0;
  std::string bid_extra;
  std::string itemName;
  std::string description;
  int64_t initialBid = 0;
  int64_t reserve = 0;
  Timestamp auction_dateTime = 0;
  Timestamp expires = 0;
  int64_t seller = 0;
  int64_t category = 0;
  std::string auction_extra;
};
WEIR_STRUCT(Q20Row, auction, bidder, price, channel, url, bid_dateTime, bid_extra, itemName, description,
            initialBid, reserve, auction_dateTime, expires, seller, category, auction_extra)

}  // namespace weir::nexmark
