#pragma once
// How a stream gets event timestamps and watermarks (Flink's WatermarkStrategy).
//   WatermarkStrategy<Bid>::for_bounded_out_of_orderness(5000)
//       .with_timestamp_assigner([](const Bid& b, Timestamp) { return b.date_time; })
//       .with_idleness(60000)
// The watermark after seeing maximum timestamp M is M - bound - 1: every record with timestamp
// <= watermark is assumed to have arrived. Watermarks are emitted every pipeline.auto-watermark-interval
// of processing time (0: after every record).
#include <functional>

#include "weir/common/time.h"

namespace weir {

template <typename T>
struct WatermarkStrategy {
  using Assigner = std::function<Timestamp(const T&, Timestamp previous)>;

  static WatermarkStrategy for_monotonous_timestamps() { return WatermarkStrategy{0, true}; }
  static WatermarkStrategy for_bounded_out_of_orderness(int64_t max_out_of_orderness_ms) {
    return WatermarkStrategy{max_out_of_orderness_ms, true};
  }
  //! Timestamps only; no watermarks (downstream event time never advances until the end).
  static WatermarkStrategy no_watermarks() { return WatermarkStrategy{0, false}; }

  WatermarkStrategy with_timestamp_assigner(Assigner a) const {
    auto s = *this;
    s.assigner = std::move(a);
    return s;
  }
  //! Marks the stream idle after `ms` of processing time without records, so downstream watermarks
  //! are not held back by it.
  WatermarkStrategy with_idleness(int64_t ms) const {
    auto s = *this;
    s.idle_timeout_ms = ms;
    return s;
  }

  int64_t out_of_orderness_ms = 0;
  bool emits_watermarks = true;
  Assigner assigner;
  int64_t idle_timeout_ms = 0;
};

}  // namespace weir
