// A job library for the loader's tests: argv[1] picks what main does.
//   ok             a small job (sequence -> map -> print), returns 0
//   no-execute     returns 3 without calling execute()
//   twice          swallows the plan signal with catch (...) and calls execute() again
//   throw          throws before execute()
//   nested         plans another job from inside its own plan
#include <stdexcept>
#include <string>

#include "weir/api/job_entry_point.h"
#include "weir/api/job_plan.h"
#include "weir/weir.h"

namespace {

int test_job_main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "ok";
  if (mode == "no-execute") return 3;
  if (mode == "throw") throw std::runtime_error("the test job refuses to start");
  if (mode == "nested") {
    weir::plan_job([](int, char**) { return 0; }, "inner job", {}, {});
    return 0;
  }
  auto env = weir::StreamExecutionEnvironment::get_execution_environment();
  env->from_sequence(1, 100).map([](int64_t x) { return x * 2; }, "Double").print();
  if (mode == "twice") {
    try {
      env->execute("first");
    } catch (...) {
    }
    env->from_sequence(1, 10).print();
    env->execute("second");
    return 0;
  }
  env->execute("test-job");
  return 0;
}

}  // namespace

WEIR_JOB_MAIN(test_job_main)
