// Word count: split lines into words, key by word, keep a running count per word.
#include <cctype>

#include "examples.h"

namespace weir::examples {

namespace {
const std::vector<std::string> kText = {
    "To be, or not to be, that is the question:",     "Whether 'tis nobler in the mind to suffer",
    "The slings and arrows of outrageous fortune,",   "Or to take arms against a sea of troubles",
    "And by opposing end them. To die-to sleep,",     "No more; and by a sleep to say we end",
    "The heart-ache and the thousand natural shocks", "That flesh is heir to: 'tis a consummation",
    "Devoutly to be wish'd. To die, to sleep;",       "To sleep, perchance to dream-ay, there's the rub:",
};
}  // namespace

void build_word_count(StreamExecutionEnvironment& env, const ExampleOptions& opts) {
  DataStream<std::string> lines =
      opts.input.empty() ? env.from_collection(kText, "Built-in Text") : env.read_text_file(opts.input);
  auto counts = lines
                    .flat_map<std::pair<std::string, int64_t>>(
                        [](const std::string& line, Collector<std::pair<std::string, int64_t>>& out) {
                          std::string word;
                          for (char c : line + " ") {
                            if (std::isalpha(static_cast<unsigned char>(c))) {
                              word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                            } else if (!word.empty()) {
                              out.collect({word, 1});
                              word.clear();
                            }
                          }
                        },
                        "Tokenizer")
                    .key_by([](const std::pair<std::string, int64_t>& wc) { return wc.first; })
                    .sum<1>();
  if (opts.output.empty())
    counts.print();
  else
    counts.write_as_text(opts.output);
}

}  // namespace weir::examples
