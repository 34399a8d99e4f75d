#include "weir/nexmark/query_runner.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "weir/api/environment.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/common/task_failure_injector.h"
#include "weir/connectors/nexmark/generator.h"
#include "weir/nexmark/queries.h"

namespace weir::nexmark {
namespace {

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

}  // namespace

std::string QueryRunResult::result_line() const {
  double wall = std::max(seconds, 1e-9);
  double cpu = std::max(cpu_seconds, 1e-9);
  auto per_s = static_cast<int64_t>(std::floor(static_cast<double>(events) / wall));
  auto per_core = static_cast<int64_t>(std::floor(static_cast<double>(events) / cpu));
  return fmt::format(
      "RESULT query={} events={} seconds={:.3f} events_per_s={} cores={:.1f} events_per_s_per_core={}", query,
      events, seconds, per_s, cpu_seconds / wall, per_core);
}

std::string QueryRunResult::recovery_line() const {
  return fmt::format(
      "RECOVERY query={} restarts={} checkpoints={} failures_injected={} checkpoint_avg_ms={:.1f} "
      "sync_avg_ms={:.1f} async_avg_ms={:.1f} alignment_avg_ms={:.1f} unaligned_checkpoints={} "
      "restored_remote_bytes={} restored_local_bytes={}",
      query, restarts, checkpoints, failures_injected, checkpoint_ms, sync_ms, async_ms, alignment_ms,
      unaligned_checkpoints, restored_bytes_remote, restored_bytes_local);
}

QueryRunResult run_query(std::string_view name, const Configuration& config, const QueryOptions& options,
                         const RunControl& control) {
  auto env = StreamExecutionEnvironment::get_execution_environment(config);
  if (control.cluster) env->set_cluster(control.cluster);
  QueryOptions o = options;
  auto events_made = std::make_shared<std::atomic<int64_t>>(0);
  o.source_hooks.events_made = events_made;
  std::shared_ptr<TaskFailureInjector> failures;
  if (control.inject_failures > 0) {
    failures = std::make_shared<TaskFailureInjector>(control.inject_failures, o.generator.events,
                                                     control.failure_seed);
    o.source_hooks.failures = failures;
  }
  build_query(name, *env, o);
  double cpu0 = process_cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  auto client = env->execute_async("nexmark-" + std::string(name));
  QueryRunResult r;
  if (control.stop_with_savepoint_after_events > 0) {
    // Poll the source's progress. A job that ends first has no savepoint; a savepoint that fails
    // while the job runs on (e.g. it was restarting) is tried again.
    int declined = 0;
    while (!cluster::is_terminal(client.wait_for(std::chrono::milliseconds(2)))) {
      if (events_made->load(std::memory_order_relaxed) < control.stop_with_savepoint_after_events) continue;
      try {
        r.savepoint = client.stop_with_savepoint(control.savepoint_dir, control.drain).get();
        break;
      } catch (const std::exception&) {
        if (cluster::is_terminal(client.get_job_status())) break;
        if (++declined >= 20) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  client.get_job_execution_result();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = process_cpu_seconds() - cpu0;
  r.query = std::string(name);
  r.events = options.generator.events;
  r.restarts = client.job_master().attempt();
  auto stats = client.job_master().checkpoint_stats();
  r.checkpoints = stats.completed;
  if (stats.completed > 0) {
    const double n = static_cast<double>(stats.completed);
    r.checkpoint_ms = static_cast<double>(stats.sum_duration_ms) / n;
    r.sync_ms = static_cast<double>(stats.sum_sync_ms) / n;
    r.async_ms = static_cast<double>(stats.sum_async_ms) / n;
    r.alignment_ms = static_cast<double>(stats.sum_alignment_ms) / n;
  }
  r.unaligned_checkpoints = stats.completed_unaligned;
  r.failures_injected = failures ? failures->injected() : 0;
  if (auto* mc = client.mini_cluster())
    for (const auto& te : mc->task_executors()) {
      const auto& c = te->restore_counters();
      r.restored_bytes_remote += c.remote_bytes.load();
      r.restored_bytes_local += c.local_bytes.load();
      r.restored_subtasks += c.subtasks.load();
      r.restored_local_subtasks += c.local_subtasks.load();
      r.local_fallbacks += c.local_fallbacks.load();
    }
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
