// The Nexmark generator alone, on one thread, in events per CPU second of that thread:
//   nexmark_generator_bench [--events N] [--repeat R] [--parallelism P] [--kind all|bid]
// makes the events of subtask 0 of P (events 0, P, 2P, ... below N; P = 1: all of them) into one reused
// Event, as the source does, R times, and prints one RESULT line per run and the best. `--kind bid`
// generates only the bids among them (the q0-q2 path).
//
// It links the generator statically (weir_connectors), so a copy of the binary keeps the generator it
// was built with: run a copy built before a change side by side with one built after it, interleaved,
// and compare their ratio (BENCHMARKS.md). Not a test: run by hand.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "weir/connectors/nexmark/generator.h"

namespace {

using namespace weir::connectors::nexmark;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void usage() {
  std::fprintf(
      stderr,
      "usage: nexmark_generator_bench [--events N] [--repeat R] [--parallelism P] [--kind all|bid]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t events = 10'000'000;
  int repeat = 3;
  int64_t parallelism = 1;
  bool bids_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage();
    std::string v = argv[++i];
    if (a == "--events")
      events = std::atoll(v.c_str());
    else if (a == "--repeat")
      repeat = std::atoi(v.c_str());
    else if (a == "--parallelism")
      parallelism = std::atoll(v.c_str());
    else if (a == "--kind" && (v == "all" || v == "bid"))
      bids_only = v == "bid";
    else
      usage();
  }
  if (events <= 0 || repeat <= 0 || parallelism <= 0) usage();

  GeneratorConfig config;
  config.events = events;
  const NexmarkGenerator gen(config);
  double best = 0;
  for (int run = 0; run < repeat; ++run) {
    Event e;
    int64_t made = 0;
    int64_t sum = 0;
    double cpu0 = thread_cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    for (int64_t n = 0; n < events; n += parallelism) {
      if (bids_only && NexmarkGenerator::kind_of(n) != EventKind::kBid) continue;
      gen.generate(n, e);
      sum += e.date_time();  // keeps the work observable
      ++made;
    }
    double cpu = thread_cpu_seconds() - cpu0;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double rate = static_cast<double>(made) / cpu;
    best = std::max(best, rate);
    std::printf(
        "RESULT generator kind=%s events=%lld cpu_seconds=%.3f wall_seconds=%.3f events_per_cpu_s=%.0f "
        "checksum=%lld\n",
        bids_only ? "bid" : "all", static_cast<long long>(made), cpu, wall, rate,
        static_cast<long long>(sum));
  }
  std::printf("BEST events_per_cpu_s=%.0f\n", best);
  return 0;
}
