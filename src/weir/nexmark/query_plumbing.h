#pragma once
// What every query starts and ends with: the event stream with event-time watermarks assigned right
// after the source, its split into bids, auctions and people, and the sink a SinkSpec names.
#include <string>

#include "weir/connectors/json_lines_sink.h"
#include "weir/connectors/nexmark/nexmark_source.h"
#include "weir/nexmark/kafka_io.h"
#include "weir/nexmark/query_options.h"
#include "weir/weir.h"

namespace weir::nexmark {

using connectors::nexmark::Auction;
using connectors::nexmark::Bid;
using connectors::nexmark::BidColumns;
using connectors::nexmark::Event;
using connectors::nexmark::Person;

//! Generated events (or a Kafka topic's, kafka_io.h) with timestamps (their dateTime) and
//! bounded-out-of-orderness watermarks. A query that reads only bids' numbers says so with `bid_columns`
//! (BidColumns::kNumbers): the generator then skips their strings (a Kafka topic's events come whole).
inline DataStream<Event> event_stream(StreamExecutionEnvironment& env, const QueryOptions& o,
                                      BidColumns bid_columns = BidColumns::kAll) {
  if (o.source.kind == SourceSpec::Kind::kKafka) return kafka_io().events(env, o);
  // The source stamps each event with its dateTime, so no assigner (and no call per record) is needed.
  // A fixed uid, so savepoints keep the source's position whatever else the job changes.
  auto source = env.from_source<Event>(
      connectors::nexmark::nexmark_reader_factory(o.generator, o.tps, o.source_hooks, bid_columns),
      "Nexmark Source");
  source.uid("nexmark-source");
  return source.assign_timestamps_and_watermarks(
      WatermarkStrategy<Event>::for_bounded_out_of_orderness(o.generator.out_of_orderness_ms));
}

// The splits pass members of the event on by reference: nothing is copied in a chain.
inline DataStream<Bid> bids_of(DataStream<Event> events) {
  return events.flat_map<Bid>(
      [](const Event& e, Collector<Bid>& out) {
        if (e.is_bid()) out.collect(e.bid);
      },
      "Bids");
}
//! Bid columns of the queries that aggregate prices (q4, q17).
struct BidPrice {
  int64_t auction = 0;
  int64_t price = 0;
  Timestamp dateTime = 0;
};
WEIR_STRUCT(BidPrice, auction, price, dateTime)

//! The columns of bids a query reads, `project(bid)`, taken in the source's chain: what crosses the
//! query's keyed shuffle is then a few numbers, not whole bids with their strings. Flink's planner does
//! the same for the SQL queries (a Calc before the Exchange), so both engines ship the same columns.
template <typename R, typename F>
DataStream<R> bid_columns(DataStream<Event> events, F project, const std::string& name) {
  return events.flat_map<R>(
      [project](const Event& e, Collector<R>& out) {
        if (e.is_bid()) out.collect(project(e.bid));
      },
      name);
}
inline DataStream<Auction> auctions_of(DataStream<Event> events) {
  return events.flat_map<Auction>(
      [](const Event& e, Collector<Auction>& out) {
        if (e.is_auction()) out.collect(e.auction);
      },
      "Auctions");
}
inline DataStream<Person> persons_of(DataStream<Event> events) {
  return events.flat_map<Person>(
      [](const Event& e, Collector<Person>& out) {
        if (e.is_person()) out.collect(e.person);
      },
      "Persons");
}

//! Ends `rows` in the sink `o.sink` names; `Format` appends one row as a JSON object.
template <typename Format = connectors::JsonObjectFormat, typename T>
void write_rows(DataStream<T> rows, const QueryOptions& o, const std::string& query) {
  switch (o.sink.kind) {
    case SinkSpec::Kind::kBlackhole:
      rows.add_sink(connectors::DiscardingSink<T>{}, query + ": Blackhole Sink");
      break;
    case SinkSpec::Kind::kDirectory:
      rows.add_sink(connectors::JsonLinesSink<T, Format>(o.sink.dir),
                    query + ": JSON Lines Sink " + o.sink.dir);
      break;
    case SinkSpec::Kind::kMemory:
      rows.add_sink(connectors::JsonLinesSink<T, Format>(o.sink.lines), query + ": Memory Sink");
      break;
    case SinkSpec::Kind::kKafka: {
      // The same JSON object a file: sink writes as a line becomes one record's value.
      auto lines = rows.map(
          [](const T& v) {
            std::string line;
            Format{}(line, v);
            return line;
          },
          query + ": To JSON");
      kafka_io().write_lines(lines, o, query);
      break;
    }
  }
}

}  // namespace weir::nexmark
