#include "examples.h"

namespace weir::examples {

const std::vector<Example>& all_examples() {
  static const std::vector<Example> list = {
      {"word-count", "Counts words of a text (--input FILE, or a built-in text); running count per word.",
       build_word_count},
      {"fraud-detection",
       "Flags accounts with a small transaction followed by a large one within a minute (keyed state, "
       "event-time timers).",
       build_fraud_detection},
  };
  return list;
}

}  // namespace weir::examples
