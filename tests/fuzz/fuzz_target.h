#pragma once
// What every fuzz target shares. A target is one function,
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// that feeds the bytes to one decoder. The decoder may refuse them with a WeirError (that is its
// contract for bad input); anything else (a crash, a sanitizer report, another exception type, an
// allocation beyond libFuzzer's -rss_limit_mb / -malloc_limit_mb) is a finding.
//
// The same source builds two ways (tests/fuzz/CMakeLists.txt): with clang and -fsanitize=fuzzer in the
// fuzz tree (scripts/fuzz), and with replay_main.cc in every other tree, where ctest replays the committed
// corpus (tests/fuzz/corpus/<target>/: seeds from real runs and the regressions fuzzing found).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weir/common/error.h"

namespace weir::fuzz {

//! Runs `decode`, accepting the refusal a decoder may give (a WeirError); anything else propagates.
template <typename F>
void refuse_or_accept(F&& decode) {
  try {
    decode();
  } catch (const WeirError&) {
    // A clear refusal of bad input: what the decoders promise.
  }
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace weir::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
