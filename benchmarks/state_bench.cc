// Keyed-state benchmarks, heap vs RocksDB, on the backends directly (no job around them):
//   state_bench ops [keys]          ValueState / ListState / MapState get and update, ops per CPU second
//   state_bench checkpoint [MB]     full vs incremental checkpoint of MB of state, then after a 1% change
//   state_bench heap-pause [MB]     heap checkpoint of MB of state: task-thread part, writer part, writes
//                                   while it is in flight
//   state_bench rss MB BUDGET_MB [key=value ...]   peak resident memory writing then reading MB of
//                                   RocksDB state (configuration overrides, e.g. the memory split)
// Not a test: run by hand and record results in BENCHMARKS.md.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "weir/connectors/nexmark/generator_config.h"
#include "weir/nexmark/query_runner.h"
#include "weir/state/keyed_state_backend_factory.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/state_factory.h"

namespace {

using namespace weir;
namespace fs = std::filesystem;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::unique_ptr<state::KeyedStateBackend> make(const std::string& kind, Configuration conf = {}) {
  conf.set("state.backend.type", kind);
  if (!conf.contains("state.backend.rocksdb.memory.fixed-per-slot"))
    conf.set("state.backend.rocksdb.memory.fixed-per-slot", "256mb");
  state::KeyedBackendContext ctx;
  ctx.key_groups = {0, 127};
  ctx.max_parallelism = 128;
  ctx.clock = SystemClock::shared();
  ctx.job_id = "bench";
  ctx.operator_id = "op";
  ctx.slot_key = "bench-" + kind;
  return state::create_keyed_state_backend(conf, ctx);
}

// Keys are pre-serialized so that the loop measures the state, not the key serializer.
std::vector<std::string> keys(int64_t n) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(serialize_to_string(i));
  return out;
}

//! Set by ops(): ends each measured phase inside its timing (RocksDB: write the row cache's dirty rows
//! back, so deferred writes count where they were made, not in the next phase).
std::function<void()> g_end_phase;

template <typename F>
void measure(const char* backend, const char* op, int64_t n, F f) {
  double c0 = cpu_seconds(), w0 = now_s();
  for (int64_t i = 0; i < n; ++i) f(i);
  if (g_end_phase) g_end_phase();
  double cpu = cpu_seconds() - c0, wall = now_s() - w0;
  std::printf("RESULT backend=%s op=%s ops=%lld wall_s=%.3f cpu_s=%.3f ops_per_cpu_s=%.0f\n", backend, op,
              static_cast<long long>(n), wall, cpu, n / cpu);
  std::fflush(stdout);
}

void ops(int64_t num_keys, const char* cache_ratio) {
  auto ks = keys(num_keys);
  const int64_t n = num_keys * 4;
  for (std::string kind : {"hashmap", "rocksdb"}) {
    Configuration conf;
    if (cache_ratio) conf.set("state.backend.rocksdb.memory.write-back-cache-ratio", cache_ratio);
    auto b = make(kind, conf);
    const char* k = kind.c_str();
    g_end_phase = nullptr;
    if (auto* r = dynamic_cast<state::RocksDBKeyedStateBackend*>(b.get()))
      g_end_phase = [r] { r->flush_row_cache(); };
    auto* v = state::value_state(*b, ValueStateDescriptor<int64_t>("v"));
    auto* l = state::list_state(*b, ListStateDescriptor<int64_t>("l"));
    auto* m = state::map_state(*b, MapStateDescriptor<int64_t, int64_t>("m"));
    measure(k, "value.update", n, [&](int64_t i) {
      b->set_current_key(ks[i % num_keys]);
      v->update(i);
    });
    int64_t sink = 0;
    measure(k, "value.get", n, [&](int64_t i) {
      b->set_current_key(ks[(i * 7919) % num_keys]);
      sink += *v->value();
    });
    measure(k, "list.add", n, [&](int64_t i) {
      b->set_current_key(ks[i % num_keys]);
      l->add(i);
    });
    measure(k, "list.get(4 elements)", num_keys, [&](int64_t i) {
      b->set_current_key(ks[(i * 7919) % num_keys]);
      sink += static_cast<int64_t>(l->get().size());
    });
    measure(k, "map.put", n, [&](int64_t i) {
      b->set_current_key(ks[i % num_keys]);
      m->put(i % 8, i);
    });
    measure(k, "map.get", n, [&](int64_t i) {
      b->set_current_key(ks[(i * 7919) % num_keys]);
      sink += m->get(i % 4).value_or(0);
    });
    measure(k, "map.entries(4 entries)", num_keys, [&](int64_t i) {
      b->set_current_key(ks[(i * 7919) % num_keys]);
      sink += static_cast<int64_t>(m->entries().size());
    });
    if (sink == 42) std::puts("");
  }
}

uint64_t dir_bytes(const fs::path& p) {
  uint64_t n = 0;
  if (!fs::exists(p)) return 0;
  for (const auto& e : fs::recursive_directory_iterator(p))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

//! A full checkpoint as the task takes it: every key group in the canonical format, written to a file.
uint64_t full_checkpoint(state::KeyedStateBackend& b, const fs::path& file) {
  std::string all;
  DataOutput part;
  for (KeyGroup kg = 0; kg < 128; ++kg) {
    part.clear();
    b.snapshot_key_group(kg, part);
    all.append(part.view());
  }
  std::ofstream(file, std::ios::binary).write(all.data(), static_cast<std::streamsize>(all.size()));
  return all.size();
}

void checkpoints(int64_t mb) {
  const int64_t value_bytes = 1000, num_keys = mb * 1024 * 1024 / value_bytes;
  fs::path dir = fs::temp_directory_path() / "weir-state-bench";
  fs::remove_all(dir);
  fs::create_directories(dir / "job");
  Configuration conf;
  conf.set("execution.checkpointing.incremental", "true");
  auto b = make("rocksdb", conf);
  auto* v = state::value_state(*b, ValueStateDescriptor<std::string>("v"));
  std::string value(value_bytes, 'x');
  auto fill = [&](int64_t from, int64_t to, int64_t step, uint64_t seed) {
    for (int64_t i = from; i < to; i += step) {
      uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL + seed;
      for (size_t j = 0; j < value.size(); j += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::memcpy(value.data() + j, &x, std::min<size_t>(8, value.size() - j));
      }
      b->set_current_key(serialize_to_string(i));
      v->update(value);
    }
  };
  double t0 = now_s();
  fill(0, num_keys, 1, 1);
  std::printf("state: %lld keys x %lld B = %lld MB written in %.1f s\n", static_cast<long long>(num_keys),
              static_cast<long long>(value_bytes), static_cast<long long>(mb), now_s() - t0);
  for (int round = 1; round <= 3; ++round) {
    if (round > 1) fill(round, num_keys, 100, round);  // 1% of the keys change
    double c0 = now_s();
    uint64_t full = full_checkpoint(*b, dir / ("full-" + std::to_string(round)));
    double full_s = now_s() - c0;
    uint64_t shared_before = dir_bytes(dir / "job" / "shared");
    // The synchronous part runs on the task thread (processing pauses); the upload on the writer thread.
    c0 = now_s();
    auto native =
        b->take_native_snapshot({round, false, (dir / "job" / ("chk-" + std::to_string(round))).string()});
    double sync_s = now_s() - c0;
    native.upload();
    double inc_s = now_s() - c0;
    uint64_t uploaded = dir_bytes(dir / "job" / "shared") - shared_before;
    std::printf(
        "RESULT checkpoint=%d change=%s full_bytes=%llu full_s=%.3f incremental_bytes=%llu "
        "incremental_s=%.3f incremental_sync_s=%.3f ratio=%.4f\n",
        round, round == 1 ? "all" : "1%", static_cast<unsigned long long>(full), full_s,
        static_cast<unsigned long long>(uploaded), inc_s, sync_s, static_cast<double>(uploaded) / full);
    std::fflush(stdout);
    fs::remove(dir / ("full-" + std::to_string(round)));
  }
  b.reset();
  fs::remove_all(dir);
}

int64_t status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  return -1;
}

void rss(int64_t mb, int64_t budget_mb, const std::vector<std::string>& overrides) {
  const int64_t value_bytes = 1000, num_keys = mb * 1024 * 1024 / value_bytes;
  Configuration conf;
  conf.set("state.backend.rocksdb.memory.fixed-per-slot", std::to_string(budget_mb) + "mb");
  for (const auto& kv : overrides) conf.set_from_flag(kv);
  int64_t before = status_kb("VmRSS");
  auto b = make("rocksdb", conf);
  auto* v = state::value_state(*b, ValueStateDescriptor<std::string>("v"));
  std::string value(value_bytes, '\0');
  auto fill_value = [&](int64_t i) {
    uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL + 1;
    for (size_t j = 0; j < value.size(); j += 8) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      std::memcpy(value.data() + j, &x, std::min<size_t>(8, value.size() - j));
    }
  };
  double t0 = now_s();
  for (int64_t i = 0; i < num_keys; ++i) {
    fill_value(i);
    b->set_current_key(serialize_to_string(i));
    v->update(value);
  }
  int64_t bad = 0;
  for (int64_t i = 0; i < num_keys; ++i) {
    fill_value(i);
    b->set_current_key(serialize_to_string(i));
    if (v->value() != value) ++bad;
  }
  std::printf(
      "RESULT state_mb=%lld budget_mb=%lld rss_before_mb=%lld rss_peak_mb=%lld rss_end_mb=%lld "
      "mismatches=%lld seconds=%.1f\n",
      static_cast<long long>(mb), static_cast<long long>(budget_mb), static_cast<long long>(before / 1024),
      static_cast<long long>(status_kb("VmHWM") / 1024), static_cast<long long>(status_kb("VmRSS") / 1024),
      static_cast<long long>(bad), now_s() - t0);
}

// ---- heap checkpoint pause ----

//! The heap backend's checkpoint of `mb` MB of value state (200-byte values, 128 key groups): the part on
//! the task thread, the part the snapshot writer thread does, and the cost of writes while a snapshot is
//! in flight. Before copy-on-write tables the task thread wrote every key group itself.
void heap_pause(int64_t mb) {
  auto b = make("hashmap");
  auto* v = state::value_state(*b, ValueStateDescriptor<std::string>("v"));
  const int64_t n = mb * 1'000'000 / 200;
  auto ks = keys(n);
  std::string value(190, 'x');
  for (int64_t i = 0; i < n; ++i) {
    b->set_current_key(ks[i]);
    std::memcpy(value.data(), &i, sizeof i);
    v->update(value);
  }
  for (int round = 0; round < 3; ++round) {
    double w0 = now_s();
#if __has_include("weir/state/heap/copy_on_write_state_map.h")
    auto pinned = b->pin_snapshot();
    double sync_s = now_s() - w0;
    // Writes while the snapshot is in flight: 1% of the keys, each copied once (copy-on-write).
    double u0 = now_s();
    const int64_t updates = n / 100;
    for (int64_t i = 0; i < updates; ++i) {
      b->set_current_key(ks[(i * 7919) % n]);
      v->update(value);
    }
    double update_s = now_s() - u0;
    double a0 = now_s();
    uint64_t bytes = 0;
    DataOutput part;
    for (KeyGroup kg = 0; kg < 128; ++kg) {
      part.clear();
      pinned->write_key_group(kg, part);
      bytes += part.size();
    }
    double async_s = now_s() - a0;
    pinned.reset();
    std::printf(
        "RESULT mode=heap-pause mb=%lld keys=%lld round=%d bytes=%llu sync_ms=%.3f async_ms=%.1f "
        "updates_in_flight=%lld update_ns=%.0f\n",
        static_cast<long long>(mb), static_cast<long long>(n), round, static_cast<unsigned long long>(bytes),
        sync_s * 1e3, async_s * 1e3, static_cast<long long>(updates), update_s * 1e9 / updates);
#else
    uint64_t bytes = 0;
    DataOutput part;
    for (KeyGroup kg = 0; kg < 128; ++kg) {
      part.clear();
      b->snapshot_key_group(kg, part);
      bytes += part.size();
    }
    double sync_s = now_s() - w0;
    std::printf("RESULT mode=heap-pause mb=%lld keys=%lld round=%d bytes=%llu sync_ms=%.3f (synchronous)\n",
                static_cast<long long>(mb), static_cast<long long>(n), round,
                static_cast<unsigned long long>(bytes), sync_s * 1e3);
#endif
    std::fflush(stdout);
  }
}

}  // namespace

//! One Nexmark query on the embedded MiniCluster, as `weir nexmark --query Q --events N -p 1 -D ...`
//! runs it (same generator defaults, blackhole sink, same RESULT line), for measuring backends without
//! the CLI. `defines`: key=value configuration entries, or sink=file:DIR for the query's output.
void nexmark_query(const std::string& query, int64_t events, const std::vector<std::string>& defines) {
  Configuration conf;
  conf.set("parallelism.default", "1");
  nexmark::QueryOptions o;
  for (const auto& d : defines) {
    if (d.rfind("sink=", 0) == 0) {
      o.sink = nexmark::SinkSpec::parse(d.substr(5));  // sink=file:DIR, as --sink
    } else {
      conf.set_from_flag(d);
    }
  }
  o.generator.events = events;
  o.generator.rate = connectors::nexmark::kDefaultRate;
  o.generator.base_time = connectors::nexmark::kDefaultBaseTime;
  auto r = nexmark::run_query(query, conf, o);
  std::printf("%s\n", r.result_line().c_str());
}

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "ops";
  if (mode == "nexmark" && argc > 3) {
    nexmark_query(argv[2], std::atoll(argv[3]), std::vector<std::string>(argv + 4, argv + argc));
    return 0;
  }
  if (mode == "ops") {
    ::ops(argc > 2 ? std::atoll(argv[2]) : 200'000, argc > 3 ? argv[3] : nullptr);
  } else if (mode == "rss" && argc > 3) {
    rss(std::atoll(argv[2]), std::atoll(argv[3]), std::vector<std::string>(argv + 4, argv + argc));
  } else if (mode == "checkpoint") {
    checkpoints(argc > 2 ? std::atoll(argv[2]) : 512);
  } else if (mode == "heap-pause") {
    heap_pause(argc > 2 ? std::atoll(argv[2]) : 100);
  } else {
    std::fprintf(
        stderr,
        "usage: state_bench ops [keys [write-back-cache-ratio]] | checkpoint [MB] | heap-pause [MB] | rss MB "
        "BUDGET_MB [key=value ...] | nexmark QUERY EVENTS "
        "[key=value ... | sink=file:DIR]\n");
    return 2;
  }
  return 0;
}
