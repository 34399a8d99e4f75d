#pragma once
// What a Nexmark generator makes: how many events, from which seed, how fast in event time, from
// which base time, and how out of order. Two generators with equal configs make equal events.
#include <cstdint>
#include <string>

#include "weir/common/error.h"
#include "weir/common/time.h"

namespace weir::connectors::nexmark {

//! 2024-01-01T00:00:00Z: a fixed default base time, so that runs without options are reproducible.
inline constexpr Timestamp kDefaultBaseTime = 1'704'067'200'000;
//! The published Flink suite's event-time rate: 100M events span 10 s of event time.
inline constexpr int64_t kDefaultRate = 10'000'000;

struct GeneratorConfig {
  uint64_t seed = 0;
  //! Number of events; negative: unbounded.
  int64_t events = 0;
  //! Events per second of event time.
  int64_t rate = kDefaultRate;
  Timestamp base_time = kDefaultBaseTime;
  //! When > 0, each event's dateTime is moved back by up to this many ms (uniformly), so events
  //! arrive out of event-time order by at most this bound.
  int64_t out_of_orderness_ms = 0;

  //! Throws ConfigError naming the bad field.
  void validate() const {
    if (rate <= 0)
      throw ConfigError("nexmark: rate must be a positive number of events per second, got " +
                        std::to_string(rate));
    if (out_of_orderness_ms < 0)
      throw ConfigError("nexmark: out-of-orderness must not be negative, got " +
                        std::to_string(out_of_orderness_ms));
  }
};

}  // namespace weir::connectors::nexmark
