#include "weir/nexmark/query_runner.h"

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "weir/api/environment.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/queries.h"

namespace weir::nexmark {
namespace {

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace

std::string QueryRunResult::result_line() const {
  double wall = std::max(seconds, 1e-9);
  double cpu = std::max(cpu_seconds, 1e-9);
  auto per_s = static_cast<int64_t>(std::floor(static_cast<double>(events) / wall));
  auto per_core = static_cast<int64_t>(std::floor(static_cast<double>(events) / cpu));
  return fmt::format("RESULT query={} events={} seconds={:.3f} events_per_s={} cores={:.1f} events_per_s_per_core={}",
                     query, events, seconds, per_s, cpu_seconds / wall, per_core);
}

QueryRunResult run_query(std::string_view name, const Configuration& config, const QueryOptions& options) {
  auto env = StreamExecutionEnvironment::get_execution_environment(config);
  build_query(name, *env, options);
  double cpu0 = process_cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  env->execute("nexmark-" + std::string(name));
  QueryRunResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = process_cpu_seconds() - cpu0;
  r.query = std::string(name);
  r.events = options.generator.events;
  return r;
}

QueryRunResult run_generator_alone(int parallelism, const QueryOptions& options) {
  const connectors::nexmark::NexmarkGenerator gen(options.generator);
  const int p = std::max(parallelism, 1);
  const int64_t end = options.generator.events;
  std::vector<int64_t> checksums(p);
  double cpu0 = process_cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> threads;
    for (int s = 0; s < p; ++s) {
      threads.emplace_back([&, s] {
        connectors::nexmark::Event e;
        int64_t sum = 0;
        for (int64_t n = s; n < end; n += p) {
          gen.generate(n, e);
          sum += e.date_time();  // keeps the work observable
        }
        checksums[s] = sum;
      });
    }
  }
  QueryRunResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = process_cpu_seconds() - cpu0;
  r.query = "gen";
  r.events = end;
  return r;
}

}  // namespace weir::nexmark
