// A C++ job library, the smallest useful one: word count over a text file, written as an ordinary program
// body and exported with WEIR_JOB_MAIN. Build it with `weir_add_job_library` (examples/CMakeLists.txt);
// run it with `weir run build/release/jobs/libweir_word_count_job.so --input FILE --output DIR`
// (docs/jobs.md).
//
// What a job library's main must respect: the JobManager and every TaskManager run it with the same
// arguments and configuration, and each must build the same pipeline. So the pipeline may depend on the
// arguments and the configuration, never on the clock, random numbers, the host, or files that differ
// between machines. execute() is called once; under a cluster it returns to the loader there, so code
// after it does not run.
#include <cctype>
#include <string>
#include <utility>

#include "weir/api/job_entry_point.h"
#include "weir/weir.h"

namespace {

using WordCount = std::pair<std::string, int64_t>;

int word_count_main(int argc, char** argv) {
  std::string input;
  std::string output;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--input" && i + 1 < argc)
      input = argv[++i];
    else if (arg == "--output" && i + 1 < argc)
      output = argv[++i];
    else
      throw weir::ConfigError("word count: unknown argument '" + arg +
                              "'; usage: --input FILE [--output DIR]");
  }
  if (input.empty()) throw weir::ConfigError("word count: --input FILE is required");

  // -p and -D of `weir run` are already in the environment's configuration.
  auto env = weir::StreamExecutionEnvironment::get_execution_environment();
  auto counts = env->read_text_file(input)
                    .flat_map<WordCount>(
                        [](const std::string& line, weir::Collector<WordCount>& out) {
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
                    .key_by([](const WordCount& wc) { return wc.first; })
                    .sum<1>();
  // A running count per word: the last line of each word holds its total.
  if (output.empty())
    counts.print();
  else
    counts.write_as_text(output);
  env->execute("word-count");
  return 0;
}

}  // namespace

WEIR_JOB_MAIN(word_count_main)
