// Record-at-a-time queries, no state: q0 (pass-through), q1 (currency conversion), q2 (selection),
// q14 (calculation with a UDF), q21 (channel id by CASE and REGEXP_EXTRACT), q22 (url directories by
// SPLIT_INDEX). String functions work on views of the bid (string_functions.h).
#include <array>
#include <string_view>

#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"
#include "weir/nexmark/string_functions.h"
#include "weir/nexmark/time_format.h"

namespace weir::nexmark::detail {
namespace {

//! q0's columns of a bid: the bid passes through untouched and the sink projects it.
struct Q0Format {
  void operator()(std::string& out, const Bid& b) const {
    out += "{\"auction\":";
    connectors::append_json(out, b.auction);
    out += ",\"bidder\":";
    connectors::append_json(out, b.bidder);
    out += ",\"price\":";
    connectors::append_json(out, b.price);
    out += ",\"dateTime\":";
    connectors::append_json(out, b.dateTime);
    out += ",\"extra\":";
    connectors::append_json_string(out, b.extra);
    out += '}';
  }
};

//! q14's row with price as the exact DECIMAL(23, 3) text, e.g. 1000000.908.
struct Q14Format {
  void operator()(std::string& out, const Q14Row& r) const {
    out += "{\"auction\":";
    connectors::append_json(out, r.auction);
    out += ",\"bidder\":";
    connectors::append_json(out, r.bidder);
    out += ",\"price\":";
    connectors::append_json(out, r.price_thousandths / 1000);
    out += '.';
    int64_t frac = r.price_thousandths % 1000;
    out += static_cast<char>('0' + frac / 100);
    out += static_cast<char>('0' + frac / 10 % 10);
    out += static_cast<char>('0' + frac % 10);
    out += ",\"bidTimeType\":";
    connectors::append_json_string(out, r.bidTimeType);
    out += ",\"dateTime\":";
    connectors::append_json(out, r.dateTime);
    out += ",\"extra\":";
    connectors::append_json_string(out, r.extra);
    out += ",\"c_counts\":";
    connectors::append_json(out, r.c_counts);
    out += '}';
  }
};

//! q14's CASE on HOUR(dateTime).
const char* bid_time_type(Timestamp t) {
  int h = hour_of_day(t);
  if (h >= 8 && h <= 18) return "dayTime";
  if (h <= 6 || h >= 20) return "nightTime";
  return "otherTime";
}

//! q21's hot channels and their ids, matched as LOWER(channel) = name.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kChannelIds = {
    {{"apple", "0"}, {"google", "1"}, {"facebook", "2"}, {"baidu", "3"}}};

}  // namespace

void build_q0(StreamExecutionEnvironment& env, const QueryOptions& o) {
  write_rows<Q0Format>(bids_of(event_stream(env, o, BidColumns::kExtra)), o, "q0");
}

void build_passthrough(StreamExecutionEnvironment& env, const QueryOptions& o) {
  if (o.sink.kind != SinkSpec::Kind::kBlackhole)
    throw ConfigError("passthrough: only --sink blackhole is supported");
  event_stream(env, o).add_sink(connectors::DiscardingSink<Event>{}, "passthrough: Blackhole Sink");
}

void build_q1(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o, BidColumns::kExtra))
                  .map(
                      [](const Bid& b) {
                        return Q1Row{b.auction, b.bidder, b.price * 0.908, b.dateTime, b.extra};
                      },
                      "q1: To Euro");
  write_rows(rows, o, "q1");
}

void build_q2(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = event_stream(env, o, BidColumns::kNumbers)
                  .flat_map<Q2Row>(
                      [](const Event& e, Collector<Q2Row>& out) {
                        if (e.is_bid() && e.bid.auction % 123 == 0) out.collect({e.bid.auction, e.bid.price});
                      },
                      "q2: Selection");
  write_rows(rows, o, "q2");
}

void build_q14(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = event_stream(env, o, BidColumns::kExtra)
                  .flat_map<Q14Row>(
                      [](const Event& e, Collector<Q14Row>& out) {
                        if (!e.is_bid()) return;
                        const Bid& b = e.bid;
                        // 0.908 * price as an exact decimal: price * 908 thousandths, compared with the
                        // bounds exactly.
                        int64_t thousandths = b.price * 908;
                        if (thousandths <= 1'000'000'000 || thousandths >= 50'000'000'000) return;
                        out.collect({b.auction, b.bidder, thousandths, bid_time_type(b.dateTime), b.dateTime,
                                     b.extra, count_char(b.extra, 'c')});
                      },
                      "q14: Calculation");
  write_rows<Q14Format>(rows, o, "q14");
}

void build_q21(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = event_stream(env, o, BidColumns::kChannel | BidColumns::kUrl)
                  .flat_map<Q21Row>(
                      [](const Event& e, Collector<Q21Row>& out) {
                        if (!e.is_bid()) return;
                        const Bid& b = e.bid;
                        std::optional<std::string_view> id;
                        for (const auto& [name, channel_id] : kChannelIds)
                          if (lower_equals(b.channel, name)) id = channel_id;
                        if (!id) id = extract_channel_id(b.url);
                        if (id) out.collect({b.auction, b.bidder, b.price, b.channel, std::string(*id)});
                      },
                      "q21: Channel Id");
  write_rows(rows, o, "q21");
}

void build_q22(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = event_stream(env, o, BidColumns::kChannel | BidColumns::kUrl)
                  .flat_map<Q22Row>(
                      // The row is kept and its strings assigned in place: no allocation per bid.
                      [row = Q22Row{}](const Event& e, Collector<Q22Row>& out) mutable {
                        if (!e.is_bid()) return;
                        const Bid& b = e.bid;
                        std::array<std::string_view, 6> pieces;
                        size_t n = split_first(b.url, '/', pieces);
                        auto dir = [&](size_t index, std::optional<std::string>& d) {
                          if (index >= n) {
                            d.reset();
                          } else if (d) {
                            d->assign(pieces[index]);
                          } else {
                            d.emplace(pieces[index]);
                          }
                        };
                        row.auction = b.auction;
                        row.bidder = b.bidder;
                        row.price = b.price;
                        row.channel.assign(b.channel);
                        dir(3, row.dir1);
                        dir(4, row.dir2);
                        dir(5, row.dir3);
                        out.collect(row);
                      },
                      "q22: Url Directories");
  write_rows(rows, o, "q22");
}

}  // namespace weir::nexmark::detail
