// Engine micro-benchmarks: records per second through the main paths of the runtime, on the
// embedded MiniCluster. Not a test: run it by hand and record results in BENCHMARKS.md.
//   build/release/benchmarks/engine_bench [records]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "weir/weir.h"

namespace {

struct Bid {
  int64_t auction = 0;
  int64_t bidder = 0;
  int64_t price = 0;
  int64_t date_time = 0;
  std::string extra;
};
WEIR_STRUCT(Bid, auction, bidder, price, date_time, extra)

Bid make_bid(int64_t i) {
  Bid b;
  b.auction = 1000 + (i % 1000);
  b.bidder = 2000 + (i % 7919);
  b.price = (i * 7) % 100000;
  b.date_time = 1'700'000'000'000 + i / 10;
  b.extra.assign(60, 'x');
  return b;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

template <typename Build>
void run(const char* name, int64_t n, Build build) {
  auto env = weir::StreamExecutionEnvironment::get_execution_environment();
  build(*env, n);
  double c0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  env->execute(name);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double cores = (cpu_seconds() - c0) / secs;
  std::printf("%-28s records=%lld seconds=%.3f records_per_s=%.0f cores=%.1f records_per_s_per_core=%.0f\n",
              name, static_cast<long long>(n), secs, n / secs, cores, n / secs / cores);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::stoll(argv[1]) : 10'000'000;
  using weir::DataStream;
  auto discard = [](const Bid&) {};
  run("source-only (chained sink)", n,
      [&](auto& env, int64_t n) { env.template from_generator<Bid>(make_bid, n).add_sink(discard); });
  run("map (chained)", n, [&](auto& env, int64_t n) {
    env.template from_generator<Bid>(make_bid, n)
        .map([](const Bid& b) {
          Bid r = b;
          r.price = r.price * 908 / 1000;
          return r;
        })
        .add_sink(discard);
  });
  run("network forward p=1", n, [&](auto& env, int64_t n) {
    auto s = env.template from_generator<Bid>(make_bid, n);
    s.add_sink(discard).name("sink");
    // disable chaining by starting a new chain at the sink
    env.stream_graph().mutable_nodes().back().chaining = weir::graph::ChainingStrategy::kHead;
  });
  run("keyed sum p=1", n, [&](auto& env, int64_t n) {
    env.template from_generator<Bid>(make_bid, n)
        .key_by([](const Bid& b) { return b.auction; })
        .sum(&Bid::price)
        .add_sink(discard);
  });
  run("network rebalance p=2", n, [&](auto& env, int64_t n) {
    env.set_parallelism(2);
    env.template from_generator<Bid>(make_bid, n).rebalance().add_sink(discard);
  });
  return 0;
}
