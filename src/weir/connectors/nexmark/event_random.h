#pragma once
// The random draws of one Nexmark event. A counter-based generator: its state starts from a mix of
// (seed, event number) alone, so event n gets the same draws whichever subtask makes it and whatever
// was generated before: that is what lets any parallelism split the event-number space.
#include <cstdint>

namespace weir::connectors::nexmark {

//! SplitMix64's finalizer: a bijective mix of all 64 bits.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class EventRandom {
 public:
  static constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

  EventRandom(uint64_t seed, int64_t event_number) : EventRandom(premix(seed), event_number, Premixed{}) {}

  //! The part of the starting state that depends on the seed alone, for callers that make many events
  //! from one seed: EventRandom(premix(seed), n, Premixed{}) draws what EventRandom(seed, n) draws.
  static uint64_t premix(uint64_t seed) { return mix64(seed); }
  struct Premixed {};
  EventRandom(uint64_t premixed_seed, int64_t event_number, Premixed)
      : state_(mix64(premixed_seed + static_cast<uint64_t>(event_number) * kGolden)) {}

  uint64_t next_u64() {
    state_ += kGolden;
    return mix64(state_);
  }
  //! Uniform in [0, bound); bound > 0. (Multiply-shift: the bias is below 2^-40 for our bounds.)
  int64_t uniform(int64_t bound) { return scale(next_u64(), bound); }
  //! The next draw without consuming it: next_u64() returns it next unless skip() moves past it.
  uint64_t peek_u64() const { return mix64(state_ + kGolden); }
  //! Consumes `k` draws without computing them, as k calls of next_u64() would: lets a caller draw
  //! without a branch when whether a draw is taken depends on an earlier one.
  void skip(uint64_t k) { state_ += k * kGolden; }
  //! uniform(bound)'s result for a given draw.
  static int64_t scale(uint64_t draw, int64_t bound) {
    return static_cast<int64_t>((static_cast<unsigned __int128>(draw) * static_cast<uint64_t>(bound)) >> 64);
  }
  //! Uniform in [0, 1).
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace weir::connectors::nexmark
