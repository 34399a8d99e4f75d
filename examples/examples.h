#pragma once
// Example jobs shipped with Weir. The CLI runs them (`weir run <name>`); each also reads as a
// tutorial for the DataStream API.
#include <functional>
#include <string>
#include <vector>

#include "weir/weir.h"

namespace weir::examples {

struct ExampleOptions {
  std::string input;   //!< a text file (empty: built-in data)
  std::string output;  //!< a directory for part files (empty: print to stdout)
  int64_t events = 0;  //!< generated events, where the example generates (0: its default)
};

struct Example {
  std::string name;
  std::string description;
  std::function<void(StreamExecutionEnvironment&, const ExampleOptions&)> build;
};

const std::vector<Example>& all_examples();

void build_word_count(StreamExecutionEnvironment& env, const ExampleOptions& opts);
void build_fraud_detection(StreamExecutionEnvironment& env, const ExampleOptions& opts);

}  // namespace weir::examples
