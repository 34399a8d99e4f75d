// q0 (pass-through), q1 (currency conversion), q2 (selection): record-at-a-time, no state.
#include "weir/nexmark/query_builders.h"
#include "weir/nexmark/query_plumbing.h"
#include "weir/nexmark/rows.h"

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

}  // namespace

void build_q0(StreamExecutionEnvironment& env, const QueryOptions& o) {
  write_rows<Q0Format>(bids_of(event_stream(env, o)), o, "q0");
}

void build_passthrough(StreamExecutionEnvironment& env, const QueryOptions& o) {
  if (o.sink.kind != SinkSpec::Kind::kBlackhole)
    throw ConfigError("passthrough: only --sink blackhole is supported");
  event_stream(env, o).add_sink(connectors::DiscardingSink<Event>{}, "passthrough: Blackhole Sink");
}

void build_q1(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = bids_of(event_stream(env, o))
                  .map(
                      [](const Bid& b) {
                        return Q1Row{b.auction, b.bidder, b.price * 0.908, b.dateTime, b.extra};
                      },
                      "q1: To Euro");
  write_rows(rows, o, "q1");
}

void build_q2(StreamExecutionEnvironment& env, const QueryOptions& o) {
  auto rows = event_stream(env, o).flat_map<Q2Row>(
      [](const Event& e, Collector<Q2Row>& out) {
        if (e.is_bid() && e.bid.auction % 123 == 0) out.collect({e.bid.auction, e.bid.price});
      },
      "q2: Selection");
  write_rows(rows, o, "q2");
}

}  // namespace weir::nexmark::detail
