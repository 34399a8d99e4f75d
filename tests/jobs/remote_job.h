#pragma once
// The program of the remote environment's tests, one main for both sides: the test calls it to submit,
// and the job library tests/jobs/remote_job.cc exports it, so the cluster builds the same job from it.
//   argv: HOST PORT LIBRARY MODE OUT
//   MODE sums     (bounded) 1..2000 keyed by x % 7, the running sum per key after each element, one line
//                 per element in OUT
//   MODE endless  an unbounded paced generator into the same keyed sums, with a 20 ms checkpoint interval
//   MODE fails    the bounded job, whose map throws at 1000
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "weir/client/remote_environment.h"
#include "weir/weir.h"

namespace weir::testing {

//! The pipeline of `mode`, writing to `out`.
inline void define_remote_job(StreamExecutionEnvironment& env, const std::string& mode,
                              const std::string& out) {
  env.set_parallelism(2);
  if (mode == "endless") {
    env.enable_checkpointing(std::chrono::milliseconds(20));
    env.configure("execution.checkpointing.dir", out + "/_checkpoints");  // '_': not output
  }
  DataStream<int64_t> numbers =
      mode == "endless"
          ? env.from_generator<int64_t>([](int64_t i) { return i + 1; }, int64_t{1} << 40, 5'000, "Numbers")
          : env.from_sequence(1, 2000);
  numbers.uid("numbers").set_parallelism(1);
  auto checked = numbers.map(
      [fail = mode == "fails"](int64_t x) {
        if (fail && x == 1000) throw std::runtime_error("the remote job's map refuses 1000");
        return x;
      },
      "Check");
  checked.set_parallelism(1);  // chained to the source: the keyed sums see each class in order
  // A running sum per residue class: every element's output is the sum of its class so far.
  auto sums =
      checked.key_by([](const int64_t& x) { return x % 7; }).reduce([](const int64_t& a, const int64_t& b) {
        return a + b;
      });
  sums.uid("sums");
  sums.map([](int64_t s) { return fmt::format("{}", s); }, "Format").write_as_text(out);
}

//! The environment of the program's arguments (argv[1..]), with the pipeline defined.
inline std::unique_ptr<StreamExecutionEnvironment> remote_job_environment(int argc, char** argv) {
  if (argc < 6) throw std::invalid_argument("remote job: want HOST PORT LIBRARY MODE OUT");
  auto env = create_remote_environment(argv[1], std::stoi(argv[2]), argv[3],
                                       std::vector<std::string>(argv + 1, argv + argc));
  define_remote_job(*env, argv[4], argv[5]);
  return env;
}

inline int remote_job_main(int argc, char** argv) {
  remote_job_environment(argc, argv)->execute("remote-job");
  return 0;
}

}  // namespace weir::testing
