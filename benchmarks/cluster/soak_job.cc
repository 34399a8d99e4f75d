// The long-running job of the soak benchmark (soak.sh, issue 12 item 2): an unbounded paced sequence,
// a map that fails at a random record of every attempt, and a sink that drops what it gets. At
// parallelism P the job has P pipelined regions, so each failure restarts one region (region failover)
// from the latest checkpoint, for as long as the restart strategy allows: hundreds of restarts in a few
// minutes, the churn a long-running cluster must survive without growing.
//
// Usage: weir run libweir_soak_job.so [--mean-records N]  (default 20000 records between failures, per
// subtask; the failure falls uniformly in [N/2, 3N/2)).
#include <cstdint>
#include <random>
#include <string>

#include "weir/api/job_entry_point.h"
#include "weir/connectors/json_lines_sink.h"
#include "weir/weir.h"

namespace {

//! Passes records through and throws at a random record of each instance's life. Each attempt of a
//! subtask gets a fresh copy of this object, so every attempt fails again, later.
class FailSometimes {
 public:
  explicit FailSometimes(int64_t mean) : mean_(mean) {}
  int64_t operator()(const int64_t& v) const {
    if (fail_at_ == 0) {
      std::mt19937_64 rng{std::random_device{}()};
      fail_at_ = std::uniform_int_distribution<int64_t>(mean_ / 2, mean_ * 3 / 2)(rng) + 1;
    }
    if (++seen_ >= fail_at_) {
      seen_ = 0;
      fail_at_ = 0;
      throw weir::WeirError("soak: the planned failure of this attempt");
    }
    return v;
  }

 private:
  int64_t mean_;
  mutable int64_t seen_ = 0;
  mutable int64_t fail_at_ = 0;
};

int soak_main(int argc, char** argv) {
  int64_t mean = 20000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mean-records" && i + 1 < argc)
      mean = std::stoll(argv[++i]);
    else
      throw weir::ConfigError("soak job: unknown argument '" + arg + "'; usage: [--mean-records N]");
  }
  if (mean < 2) throw weir::ConfigError("soak job: --mean-records must be at least 2");
  auto env = weir::StreamExecutionEnvironment::get_execution_environment();
  // 100k records/s in total: a failure every ~0.2 s per subtask at the default mean.
  env->from_generator<int64_t>([](int64_t i) { return i; }, -1, 100000.0, "Sequence")
      .map(FailSometimes(mean), "Fail sometimes")
      .add_sink(weir::connectors::DiscardingSink<int64_t>(), "Discard");
  env->execute("soak");
  return 0;
}

}  // namespace

WEIR_JOB_MAIN(soak_main)
