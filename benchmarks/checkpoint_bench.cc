// Checkpoint and recovery benchmarks on the embedded MiniCluster:
//   checkpoint_bench recovery [runs] [keys]   time from a task failure to the first record processed
//                                             by the restored job (keyed state of `keys` keys)
//   checkpoint_bench backpressure [ckpts]     checkpoint duration under heavy backpressure, aligned vs
//                                             unaligned vs aligned with aligned-checkpoint-timeout
//   checkpoint_bench s3 [MB] [configs]        checkpoints and restores of MB of keyed state on a local
//                                             S3-compatible server (s3proxy, started and stopped here):
//                                             first checkpoint, second after 1% of the keys changed,
//                                             restore at p=2 and at p=4; configs: comma-separated of
//                                             rocksdb-full, rocksdb-incremental, hashmap-full,
//                                             hashmap-incremental (default: all four); checkpoints:
//                                             how many (default 2: the first, then one after each
//                                             1% change); restores are from the last
// Throughput with and without checkpoints is measured with `weir nexmark` (see BENCHMARKS.md).
// Not a test: run by hand and record results in BENCHMARKS.md.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/jvm_process.h"
#include "weir/cluster/minicluster/mini_cluster.h"
#include "weir/fs/file_system.h"
#include "weir/weir.h"

namespace {

using namespace weir;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

fs::path fresh_dir(const std::string& what) {
  auto p = fs::temp_directory_path() / ("weir-bench-" + what + "-" + std::to_string(now_us()));
  fs::create_directories(p);
  return p;
}

// ---- recovery ----

std::atomic<int64_t> g_failed_at{0};
std::atomic<int64_t> g_resumed_at{0};

//! In the first attempt, once a checkpoint completed and `after` records were seen, notes the time and
//! throws. In a later attempt, notes the time of its first record.
class FailOnce : public MapFunction<int64_t, int64_t>, public CheckpointListener {
 public:
  explicit FailOnce(int64_t after) : after_(after) {}
  void open(RuntimeContext& ctx) override { attempt_ = ctx.get_attempt_number(); }
  void notify_checkpoint_complete(int64_t) override { checkpointed_ = true; }
  int64_t map(const int64_t& v) override {
    if (attempt_ > 0) {
      int64_t zero = 0;
      g_resumed_at.compare_exchange_strong(zero, now_us());
    } else if (checkpointed_ && ++seen_ > after_ && g_failed_at.load() == 0) {
      int64_t zero = 0;
      if (g_failed_at.compare_exchange_strong(zero, now_us())) throw std::runtime_error("injected failure");
    }
    return v;
  }

 private:
  int64_t after_;
  int attempt_ = 0;
  bool checkpointed_ = false;
  int64_t seen_ = 0;
};

double recovery_once(int64_t keys) {
  g_failed_at = 0;
  g_resumed_at = 0;
  auto dir = fresh_dir("recovery");
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(2);
  env->configure("execution.checkpointing.interval", "100 ms");
  env->configure("execution.checkpointing.dir", dir.string());
  env->configure("restart-strategy.type", "fixed-delay");
  env->configure("restart-strategy.fixed-delay.attempts", "3");
  env->configure("restart-strategy.fixed-delay.delay", "0 ms");
  env->from_generator<int64_t>([keys](int64_t i) { return i % keys; }, 4'000'000, 1'000'000)
      .map(FailOnce(keys), "Fail Once")
      .key_by([](const int64_t& v) { return v; })
      .reduce([](const int64_t& a, const int64_t& b) { return a + b; })
      .filter([](const int64_t&) { return false; })
      .collect();
  env->execute("recovery benchmark");
  fs::remove_all(dir);
  return static_cast<double>(g_resumed_at.load() - g_failed_at.load()) / 1000.0;
}

int recovery(int runs, int64_t keys) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    ms.push_back(recovery_once(keys));
    std::printf("run %d: %.1f ms from the failure to the first record of the restored job\n", i + 1,
                ms.back());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("recovery keys=%lld runs=%d min=%.1fms median=%.1fms max=%.1fms\n",
              static_cast<long long>(keys), runs, ms.front(), ms[ms.size() / 2], ms.back());
  return 0;
}

// ---- checkpoints under backpressure ----

class SlowMap : public MapFunction<int64_t, int64_t> {
 public:
  int64_t map(const int64_t& v) override {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    return v;
  }
};

void backpressure_mode(const std::string& label, bool unaligned, const std::string& aligned_timeout,
                       int checkpoints) {
  auto dir = fresh_dir("backpressure");
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->configure("execution.checkpointing.interval", "500 ms");
  env->configure("execution.checkpointing.dir", dir.string());
  env->configure("execution.checkpointing.timeout", "10 min");
  env->configure("execution.checkpointing.unaligned.enabled", unaligned ? "true" : "false");
  env->configure("execution.checkpointing.aligned-checkpoint-timeout", aligned_timeout);
  env->from_generator<int64_t>([](int64_t i) { return i; }, 1'000'000'000)
      .set_parallelism(2)
      .rebalance()
      .map(SlowMap(), "Slow Map")
      .set_parallelism(1)
      .filter([](const int64_t&) { return false; })
      .collect();
  auto client = env->execute_async("backpressure benchmark");
  auto start = Clock::now();
  while (client.job_master().checkpoint_stats().completed < checkpoints &&
         Clock::now() - start < std::chrono::minutes(3))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto s = client.job_master().checkpoint_stats();
  client.cancel();
  try {
    client.get_job_execution_result();
  } catch (const JobCanceledError&) {
  }
  fs::remove_all(dir);
  const double n = static_cast<double>(std::max<int64_t>(s.completed, 1));
  std::printf(
      "%-28s completed=%lld avg_checkpoint_ms=%.0f avg_sync_ms=%.1f avg_async_ms=%.1f avg_alignment_ms=%.0f "
      "unaligned=%lld in_flight_kb_per_checkpoint=%.0f\n",
      label.c_str(), static_cast<long long>(s.completed), s.sum_duration_ms / n, s.sum_sync_ms / n,
      s.sum_async_ms / n, s.sum_alignment_ms / n, static_cast<long long>(s.completed_unaligned),
      static_cast<double>(s.in_flight_bytes) / n / 1024.0);
}

int backpressure(int checkpoints) {
  backpressure_mode("aligned", false, "0 ms", checkpoints);
  backpressure_mode("unaligned", true, "0 ms", checkpoints);
  backpressure_mode("aligned, timeout 200 ms", true, "200 ms", checkpoints);
  return 0;
}

// ---- checkpoints and restores on S3 ----

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

//! s3proxy (filesystem backend) in a temp dir on a free loopback port, as tests/support/s3_server.h
//! starts it for the tests; stopped (and its data removed) on destruction.
class LocalS3 {
 public:
  static constexpr const char* kAccessKey = "weir-bench-key";
  static constexpr const char* kSecretKey = "weir-bench-secret";
  static constexpr const char* kBucket = "weir-bench";

  LocalS3() {
    const char* jar_env = std::getenv("WEIR_S3PROXY_JAR");
    std::string jar = jar_env && *jar_env ? jar_env : "build/deps/s3proxy.jar";
    if (!fs::exists(jar)) throw std::runtime_error("no s3proxy jar at '" + jar + "' (set WEIR_S3PROXY_JAR)");
    jar = fs::absolute(jar).string();
    dir_ = fresh_dir("s3proxy");
    fs::create_directories(dir_ / "data" / kBucket);
    port_ = weir::testing::free_loopback_port();
    {
      std::ofstream conf(dir_ / "s3proxy.conf");
      conf << "s3proxy.endpoint=http://127.0.0.1:" << port_ << "\n"
           << "s3proxy.authorization=aws-v2-or-v4\n"
           << "s3proxy.identity=" << kAccessKey << "\n"
           << "s3proxy.credential=" << kSecretKey << "\n"
           << "jclouds.provider=filesystem\n"
           << "jclouds.filesystem.basedir=" << (dir_ / "data").string() << "\n";
    }
    // Full JIT (no test flags): the benchmark measures checkpoint I/O through it.
    process_ = std::make_unique<weir::testing::JvmProcess>("s3proxy", dir_ / "s3proxy.log");
    process_->spawn({"-jar", jar, "--properties", (dir_ / "s3proxy.conf").string()});
    process_->await_ready([this] { return weir::testing::loopback_http_answers(port_); },
                          std::chrono::milliseconds(50));
  }
  ~LocalS3() {
    if (process_) process_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  LocalS3(const LocalS3&) = delete;
  LocalS3& operator=(const LocalS3&) = delete;

  Configuration config() const {
    Configuration c;
    c.set("s3.endpoint", "http://127.0.0.1:" + std::to_string(port_));
    c.set("s3.access-key", kAccessKey);
    c.set("s3.secret-key", kSecretKey);
    c.set("s3.path.style.access", "true");
    return c;
  }
  uint64_t stored_bytes() const {
    uint64_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "data"))
      if (e.is_regular_file()) n += e.file_size();
    return n;
  }

 private:
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<weir::testing::JvmProcess> process_;
};

//! Wraps the s3:// file system and counts the bytes that go up (stream writes, uploads) and come down
//! (reads, ranged reads, downloads), the latter per reading thread.
class CountingFileSystem final : public weir::fs::FileSystem {
 public:
  explicit CountingFileSystem(std::shared_ptr<weir::fs::FileSystem> inner) : inner_(std::move(inner)) {}

  void reset() {
    written_ = 0;
    std::lock_guard lock(mu_);
    read_by_thread_.clear();
  }
  uint64_t written() const { return written_; }
  std::map<std::thread::id, uint64_t> read_by_thread() const {
    std::lock_guard lock(mu_);
    return read_by_thread_;
  }
  uint64_t read() const {
    uint64_t n = 0;
    for (const auto& [t, b] : read_by_thread()) n += b;
    return n;
  }

  std::string_view scheme() const override { return inner_->scheme(); }
  std::unique_ptr<weir::fs::OutputStream> create(const weir::fs::Path& path,
                                                 weir::fs::WriteMode mode) override {
    return std::make_unique<Out>(inner_->create(path, mode), written_);
  }
  std::string read(const weir::fs::Path& path) override { return count(inner_->read(path)); }
  std::string read_range(const weir::fs::Path& path, uint64_t offset, uint64_t length) override {
    return count(inner_->read_range(path, offset, length));
  }
  std::optional<weir::fs::FileStatus> stat(const weir::fs::Path& path) override { return inner_->stat(path); }
  std::vector<weir::fs::FileStatus> list(const weir::fs::Path& dir) override { return inner_->list(dir); }
  void remove(const weir::fs::Path& path) override { inner_->remove(path); }
  void remove_all(const weir::fs::Path& dir) override { inner_->remove_all(dir); }
  void mkdirs(const weir::fs::Path& dir) override { inner_->mkdirs(dir); }
  void download(const weir::fs::Path& path, const std::string& local) override {
    inner_->download(path, local);
    add_read(fs::file_size(local));
  }
  void upload(const std::string& local, const weir::fs::Path& path, weir::fs::WriteMode mode) override {
    inner_->upload(local, path, mode);
    written_ += fs::file_size(local);
  }

 private:
  class Out final : public weir::fs::OutputStream {
   public:
    Out(std::unique_ptr<weir::fs::OutputStream> inner, std::atomic<uint64_t>& written)
        : inner_(std::move(inner)), written_(written) {}
    void write(std::string_view bytes) override {
      inner_->write(bytes);
      written_ += bytes.size();
    }
    void commit() override { inner_->commit(); }
    uint64_t pos() const override { return inner_->pos(); }

   private:
    std::unique_ptr<weir::fs::OutputStream> inner_;
    std::atomic<uint64_t>& written_;
  };

  std::string count(std::string bytes) {
    add_read(bytes.size());
    return bytes;
  }
  void add_read(uint64_t n) {
    std::lock_guard lock(mu_);
    read_by_thread_[std::this_thread::get_id()] += n;
  }

  std::shared_ptr<weir::fs::FileSystem> inner_;
  std::atomic<uint64_t> written_{0};
  mutable std::mutex mu_;
  std::map<std::thread::id, uint64_t> read_by_thread_;
};

//! A source of 0, 1, 2, ... up to Gate::allowed (then idle, checkpoints go on) that ends at Gate::end;
//! its position is its split (tests/support/gated_source.h, for a benchmark).
struct Gate {
  explicit Gate(int64_t end_) : end(end_) {}
  const int64_t end;
  std::atomic<int64_t> allowed{0};
  void allow(int64_t n) { allowed.store(std::min(n, end)); }
};

class GatedReader final : public SourceReader<int64_t> {
 public:
  explicit GatedReader(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  InputStatus poll_next(SourceOutput<int64_t>& out, int max_records) override {
    if (pos_ >= gate_->end) return InputStatus::kEndOfInput;
    const int64_t limit = std::min(gate_->allowed.load(), gate_->end);
    int n = 0;
    while (pos_ < limit && n < max_records) {
      out.collect(pos_++);
      ++n;
    }
    if (pos_ >= gate_->end) return InputStatus::kEndOfInput;
    return n == 0 ? InputStatus::kNothingAvailable : InputStatus::kMoreAvailable;
  }
  std::optional<std::vector<std::string>> snapshot_splits() override {
    return std::vector<std::string>{std::to_string(pos_)};
  }
  void restore_splits(const std::vector<std::string>& splits) override {
    pos_ = 0;
    for (const auto& s : splits) pos_ = std::max<int64_t>(pos_, std::stoll(s));
  }

 private:
  std::shared_ptr<Gate> gate_;
  int64_t pos_ = 0;
};

constexpr int64_t kValueBytes = 1000;

//! Record v: key v for the first `keys` records (every key gets its value), then every 100th key (1%).
int64_t key_of(int64_t v, int64_t keys) {
  return v < keys ? v : ((v - keys) * 100) % keys;
}

//! Incompressible bytes, different for every record.
std::string value_of(int64_t v) {
  std::string value(kValueBytes, '\0');
  uint64_t x = static_cast<uint64_t>(v) * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t j = 0; j < value.size(); j += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(value.data() + j, &x, std::min<size_t>(8, value.size() - j));
  }
  return value;
}

std::atomic<int64_t> g_processed{0};
std::mutex g_open_mu;
std::map<std::thread::id, int> g_subtask_of_thread;  // the keyed subtask whose task thread it is
int64_t g_last_open_us = 0;                          // when the last keyed subtask opened (restore done)

//! Keeps the latest 1000-byte value of each key; emits nothing.
class KeepLatest final : public KeyedProcessFunction<int64_t, int64_t, int64_t> {
 public:
  void open(RuntimeContext& ctx) override {
    // open() follows the restore of the subtask's state, on the same task thread.
    std::lock_guard lock(g_open_mu);
    g_subtask_of_thread[std::this_thread::get_id()] = ctx.get_index_of_this_subtask();
    g_last_open_us = std::max(g_last_open_us, now_us());
    value_ = &ctx.get_state(ValueStateDescriptor<std::string>("value"));
  }
  void process_element(const int64_t& v, Context&, Collector<int64_t>&) override {
    value_->update(value_of(v));
    g_processed.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  ValueState<std::string>* value_ = nullptr;
};

struct S3Run {
  LocalS3* s3;
  CountingFileSystem* counter;
  std::string backend;
  bool incremental;
  int64_t keys;
  int checkpoints;  //!< the first, then one after each 1 % change
};

Configuration s3_job_config(const S3Run& r, int parallelism, const std::string& dir) {
  Configuration c = r.s3->config();
  c.set("parallelism.default", std::to_string(parallelism));
  c.set("state.backend.type", r.backend);
  c.set("execution.checkpointing.incremental", r.incremental ? "true" : "false");
  c.set("execution.checkpointing.interval", "10 h");  // checkpoints are triggered by the benchmark
  c.set("execution.checkpointing.timeout", "60 min");
  c.set("execution.checkpointing.dir", dir);
  c.set("execution.checkpointing.num-retained", "2");
  c.set("execution.checkpointing.externalized-checkpoint-retention", "retain_on_cancellation");
  return c;
}

void build_job(StreamExecutionEnvironment& env, std::shared_ptr<Gate> gate, int64_t keys) {
  auto src =
      env.from_source<int64_t>([gate] { return std::make_unique<GatedReader>(gate); }, "Gated Source", 1);
  src.uid("source");
  auto kept = src.key_by([keys](const int64_t& v) { return key_of(v, keys); }).process(KeepLatest());
  kept.uid("keep-latest");
  kept.collect();
}

void wait_processed(int64_t n) {
  while (g_processed.load() < n) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::string label(const S3Run& r) {
  return r.backend + "-" + (r.incremental ? "incremental" : "full");
}

//! Takes a checkpoint of the running job and prints what it cost.
std::string s3_checkpoint(const S3Run& r, JobClient& client, int n, const char* change) {
  r.counter->reset();
  const uint64_t stored_before = r.s3->stored_bytes();
  const int64_t t0 = now_us();
  std::string path = client.trigger_checkpoint().get();
  const double s = static_cast<double>(now_us() - t0) / 1e6;
  const auto latest = client.job_master().checkpoint_stats().latest;
  std::printf(
      "RESULT config=%s checkpoint=%d change=%s seconds=%.2f uploaded_bytes=%llu server_grew_bytes=%lld "
      "state_size=%llu duration_ms=%lld max_sync_ms=%lld max_async_ms=%lld load=%s\n",
      label(r).c_str(), n, change, s, static_cast<unsigned long long>(r.counter->written()),
      static_cast<long long>(r.s3->stored_bytes()) - static_cast<long long>(stored_before),
      static_cast<unsigned long long>(latest ? latest->state_size : 0),
      static_cast<long long>(latest ? latest->duration_ms : -1),
      static_cast<long long>(latest ? latest->max_sync_ms : -1),
      static_cast<long long>(latest ? latest->max_async_ms : -1), load_average().c_str());
  std::fflush(stdout);
  return path;
}

//! Restores `checkpoint` at `parallelism` and prints the time until the last keyed subtask's open()
//! (which follows its restore) and the bytes read. The restored job has checkpointing off (no final
//! checkpoint) and its source is at its end, so the job ends once every subtask restored.
void s3_restore(const S3Run& r, const std::string& checkpoint, int parallelism, const std::string& dir,
                int64_t records) {
  r.counter->reset();
  {
    std::lock_guard lock(g_open_mu);
    g_subtask_of_thread.clear();
    g_last_open_us = 0;
  }
  cluster::MiniClusterConfig mc;
  mc.slots_per_task_manager = 4;
  auto cluster = std::make_shared<cluster::MiniCluster>(mc);
  auto conf = s3_job_config(r, parallelism, dir);
  conf.set("execution.checkpointing.interval", "0");
  conf.set("execution.savepoint.path", checkpoint);
  conf.set("restart-strategy.type", "none");
  auto gate = std::make_shared<Gate>(records);
  gate->allow(records);
  auto env = StreamExecutionEnvironment::get_execution_environment(conf);
  env->set_cluster(cluster);
  build_job(*env, gate, r.keys);
  const int64_t t0 = now_us();
  auto client = env->execute_async("restore");
  client.get_job_execution_result();
  const double job_s = static_cast<double>(now_us() - t0) / 1e6;
  const std::string job = client.get_job_id().to_string();
  // keyed subtask -> its restored_bytes metric. A task the TaskExecutor is reaping is briefly in
  // neither its running nor its ended list: wait (at most 5 s) until every subtask has its entry.
  std::map<int, uint64_t> restored;
  for (int tries = 0; tries < 250 && static_cast<int>(restored.size()) < parallelism; ++tries) {
    if (tries > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    restored.clear();
    for (const auto& te : cluster->task_executors())
      for (const auto& m : te->task_metrics())
        if (m.job == job && m.parallelism == parallelism) restored[m.subtask] += m.restored_bytes;
  }
  std::map<int, uint64_t> read;  // keyed subtask (-1: another thread) -> bytes read from S3
  {
    std::lock_guard lock(g_open_mu);
    for (const auto& [t, b] : r.counter->read_by_thread()) {
      auto it = g_subtask_of_thread.find(t);
      read[it == g_subtask_of_thread.end() ? -1 : it->second] += b;
    }
  }
  const double restore_s = static_cast<double>(g_last_open_us - t0) / 1e6;
  std::printf("RESULT config=%s restore p=%d restore_seconds=%.2f job_seconds=%.2f read_bytes=%llu load=%s\n",
              label(r).c_str(), parallelism, restore_s, job_s,
              static_cast<unsigned long long>(r.counter->read()), load_average().c_str());
  for (const auto& [subtask, bytes] : read)
    std::printf("RESULT config=%s restore p=%d subtask=%d read_bytes=%llu restored_bytes_metric=%llu\n",
                label(r).c_str(), parallelism, subtask, static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(subtask >= 0 ? restored[subtask] : 0));
  std::fflush(stdout);
  cluster->close();
}

void s3_config(const S3Run& r) {
  const std::string base = std::string("s3://") + LocalS3::kBucket + "/" + label(r);
  const int64_t more = r.keys / 100;
  g_processed = 0;
  std::string second;
  {
    cluster::MiniClusterConfig mc;
    mc.slots_per_task_manager = 4;
    auto cluster = std::make_shared<cluster::MiniCluster>(mc);
    const int64_t end = r.keys + (r.checkpoints - 1) * more;
    auto gate = std::make_shared<Gate>(end + 1);  // never ends by itself
    auto env = StreamExecutionEnvironment::get_execution_environment(s3_job_config(r, 2, base + "/p2"));
    env->set_cluster(cluster);
    build_job(*env, gate, r.keys);
    auto client = env->execute_async("s3 checkpoints");
    int64_t t0 = now_us();
    gate->allow(r.keys);
    wait_processed(r.keys);
    std::printf("state: %s %lld keys x %lld B written at p=2 in %.1f s\n", label(r).c_str(),
                static_cast<long long>(r.keys), static_cast<long long>(kValueBytes),
                static_cast<double>(now_us() - t0) / 1e6);
    s3_checkpoint(r, client, 1, "all");
    for (int n = 2; n <= r.checkpoints; ++n) {
      gate->allow(r.keys + (n - 1) * more);
      wait_processed(r.keys + (n - 1) * more);
      second = s3_checkpoint(r, client, n, "1%");
    }
    client.cancel();
    try {
      client.get_job_execution_result();
    } catch (const std::exception&) {
    }
    cluster->close();
  }
  const int64_t end = r.keys + (r.checkpoints - 1) * more;
  s3_restore(r, second, 2, base + "/restored-p2", end);
  s3_restore(r, second, 4, base + "/restored-p4", end);
  weir::fs::get(base)->remove_all(weir::fs::Path::parse(base));
}

int s3(int64_t mb, const std::string& configs, int checkpoints) {
  std::printf("load before: %s\n", load_average().c_str());
  LocalS3 s3;
  weir::fs::configure(s3.config());
  auto counter = std::make_shared<CountingFileSystem>(weir::fs::get(std::string("s3://") + LocalS3::kBucket));
  weir::fs::set_for_testing("s3", counter);
  const int64_t keys = mb * 1024 * 1024 / kValueBytes;
  std::stringstream ss(configs);
  for (std::string c; std::getline(ss, c, ',');) {
    const auto dash = c.find('-');
    if (dash == std::string::npos) throw std::runtime_error("bad config '" + c + "'");
    S3Run r{&s3,  counter.get(),           c.substr(0, dash), c.substr(dash + 1) == "incremental",
            keys, std::max(checkpoints, 2)};
    s3_config(r);
  }
  weir::fs::set_for_testing("s3", nullptr);
  std::printf("load after: %s\n", load_average().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  try {
    if (cmd == "recovery")
      return recovery(argc > 2 ? std::atoi(argv[2]) : 5, argc > 3 ? std::atoll(argv[3]) : 10'000);
    if (cmd == "backpressure") return backpressure(argc > 2 ? std::atoi(argv[2]) : 3);
    if (cmd == "s3")
      return s3(argc > 2 ? std::atoll(argv[2]) : 2048,
                argc > 3 ? argv[3] : "rocksdb-full,rocksdb-incremental,hashmap-full,hashmap-incremental",
                argc > 4 ? std::atoi(argv[4]) : 2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: checkpoint_bench recovery [runs] [keys] | backpressure [checkpoints] | s3 [MB] "
               "[configs] [checkpoints]\n");
  return 2;
}
