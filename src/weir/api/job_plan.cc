#include "weir/api/job_plan.h"

#include <unistd.h>

#include <exception>
#include <mutex>
#include <optional>

#include "weir/common/error.h"

namespace weir {
namespace {

//! Ends a planned main at execute(). Deliberately not a std::exception (see job_plan.h).
struct PlanCaptured {};

struct PlanContext {
  Configuration config;
  std::optional<PlannedJob> captured;
  int executes = 0;
};

thread_local PlanContext* tls_context = nullptr;

std::mutex& plan_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

namespace detail {

bool planning() {
  return tls_context != nullptr;
}

const Configuration& planning_config() {
  return tls_context->config;
}

void record_planned_job(std::shared_ptr<graph::JobGraph> graph, const std::string& job_name) {
  PlanContext& ctx = *tls_context;
  if (++ctx.executes == 1) ctx.captured = PlannedJob{job_name, std::move(graph)};
}

void capture_planned_job(std::shared_ptr<graph::JobGraph> graph, const std::string& job_name) {
  PlanContext& ctx = *tls_context;
  if (++ctx.executes == 1) ctx.captured = PlannedJob{job_name, std::move(graph)};
  throw PlanCaptured{};
}

}  // namespace detail

PlannedJob plan_job(const std::function<int(int, char**)>& main, const std::string& program,
                    const std::vector<std::string>& args, const Configuration& config) {
  // Checked before locking: the plan running on this thread holds the lock.
  if (tls_context != nullptr) throw JobDefinitionError(program + ": a job's main cannot plan another job");
  std::lock_guard serial(plan_mutex());

  // argv as main expects it: program name first, null-terminated, writable strings.
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back(program);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  PlanContext ctx;
  ctx.config = config;
  tls_context = &ctx;
  struct Reset {
    ~Reset() { tls_context = nullptr; }
  } reset;
  // A main that parses with getopt expects a fresh scan; 0 makes glibc reinitialize it fully.
  optind = 0;

  std::optional<int> exit_code;
  std::optional<std::string> thrown;
  try {
    exit_code = main(static_cast<int>(storage.size()), argv.data());
  } catch (const PlanCaptured&) {
    // The normal way out: execute() captured the job.
  } catch (const std::exception& e) {
    thrown = e.what();
  } catch (...) {
    thrown = "an exception that is not a std::exception";
  }
  if (ctx.executes > 1)
    throw JobDefinitionError(program + ": main called execute() " + std::to_string(ctx.executes) +
                             " times; a job library defines exactly one job (one execute() call)");
  if (thrown)
    throw JobDefinitionError(program + ": main threw " +
                             (ctx.captured ? "after execute(): " : "before calling execute(): ") + *thrown);
  if (!ctx.captured)
    throw JobDefinitionError(
        program + ": main returned " + std::to_string(exit_code.value_or(0)) +
        " without calling execute() on a StreamExecutionEnvironment, so it defines no job");
  return std::move(*ctx.captured);
}

}  // namespace weir
