#pragma once
// Helpers for integration tests that act while a job runs: a source the test feeds, and a bounded
// wait on a condition (tests wait for results, never for time).
#include <unistd.h>
#include <algorithm>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "../support/eventually.h"
#include "weir/cluster/minicluster/mini_cluster.h"  // job_master(), mini_cluster(): engine internals
#include "weir/weir.h"

namespace weir::testing {

//! Records the test pushes while the job runs; the source ends once close() was called and
//! everything pushed was emitted. Read by one subtask (parallelism 1).
template <typename T>
class Feed {
 public:
  void push(T v) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(v));
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  //! Moves up to `max` records out; false once the feed is closed and drained.
  bool take(std::deque<T>& out, int max, bool& more) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < max && !queue_.empty(); ++i) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    more = !queue_.empty();
    return !(closed_ && queue_.empty());
  }

 private:
  std::mutex mu_;
  std::deque<T> queue_;
  bool closed_ = false;
};

template <typename T>
class FeedReader final : public SourceReader<T> {
 public:
  explicit FeedReader(std::shared_ptr<Feed<T>> feed) : feed_(std::move(feed)) {}
  InputStatus poll_next(SourceOutput<T>& out, int max_records) override {
    std::deque<T> batch;
    bool more = false;
    bool open = feed_->take(batch, max_records, more);
    for (auto& v : batch) out.collect(v);
    if (!open) return InputStatus::kEndOfInput;
    return batch.empty() ? InputStatus::kNothingAvailable : InputStatus::kMoreAvailable;
  }

 private:
  std::shared_ptr<Feed<T>> feed_;
};

template <typename T>
DataStream<T> from_feed(StreamExecutionEnvironment& env, std::shared_ptr<Feed<T>> feed,
                        const std::string& name = "Feed Source") {
  return env.from_source<T>([feed] { return std::make_unique<FeedReader<T>>(feed); }, name, 1);
}

//! The keyed-state backend the current test runs on ("hashmap" or "rocksdb"); set by the
//! backend-parameterized fixtures (BackendFixture) before each test.
inline std::string& state_backend_under_test() {
  static std::string backend = "hashmap";
  return backend;
}
//! Every backend a state test runs on.
inline const std::string kStateBackends[] = {"hashmap", "rocksdb"};

//! Also with the RocksDB backend's timers in RocksDB: "rocksdb-timers" (for timer and window tests).
inline const std::string kStateBackendsAndTimerStores[] = {"hashmap", "rocksdb", "rocksdb-timers"};

//! An execution environment on the backend under test.
inline std::unique_ptr<StreamExecutionEnvironment> environment(Configuration conf = {}) {
  const std::string& b = state_backend_under_test();
  conf.set("state.backend.type", b == "rocksdb-timers" ? "rocksdb" : b);
  if (b == "rocksdb-timers") conf.set("state.backend.rocksdb.timer-service.factory", "rocksdb");
  return StreamExecutionEnvironment::get_execution_environment(std::move(conf));
}

//! A test parameterized by parallelism and state backend: `parallelism()`, `backend()`.
class BackendFixture : public ::testing::TestWithParam<std::tuple<int, std::string>> {
 protected:
  void SetUp() override { state_backend_under_test() = backend(); }
  void TearDown() override { state_backend_under_test() = "hashmap"; }
  int parallelism() const { return std::get<0>(GetParam()); }
  const std::string& backend() const { return std::get<1>(GetParam()); }
};
//! A test parameterized by state backend only.
class BackendOnlyFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { state_backend_under_test() = GetParam(); }
  void TearDown() override { state_backend_under_test() = "hashmap"; }
};
inline std::string backend_param_name(const ::testing::TestParamInfo<std::tuple<int, std::string>>& i) {
  std::string b = std::get<1>(i.param);
  std::replace(b.begin(), b.end(), '-', '_');
  return "p" + std::to_string(std::get<0>(i.param)) + "_" + b;
}
inline std::string backend_only_name(const ::testing::TestParamInfo<std::string>& i) {
  return i.param;
}

//! A fresh directory under the system temp directory, removed with its contents at scope exit.
struct TempDir {
  TempDir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("weir-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path;
};

//! The lines of the files an exactly-once file sink published in `dir` (names not starting with '.'
//! or '_'; hidden in-progress and pending files are not output yet).
//! What two multisets of lines differ in, for a failure message: their sizes and up to `shown` lines only
//! one of them has (counting repeats), instead of gtest's first 32 elements of each.
inline std::string line_difference(const std::multiset<std::string>& got,
                                   const std::multiset<std::string>& want, size_t shown = 5) {
  std::vector<std::string> only_got, only_want;
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(only_got));
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(only_want));
  std::string out = std::to_string(got.size()) + " lines, expected " + std::to_string(want.size()) + "; " +
                    std::to_string(only_got.size()) + " not expected, " + std::to_string(only_want.size()) +
                    " missing";
  for (size_t i = 0; i < std::min(shown, only_got.size()); ++i) out += "\n  not expected: " + only_got[i];
  for (size_t i = 0; i < std::min(shown, only_want.size()); ++i) out += "\n  missing: " + only_want[i];
  return out;
}

inline std::multiset<std::string> published_lines(const std::filesystem::path& dir) {
  std::multiset<std::string> lines;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name[0] == '.' || name[0] == '_') continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) lines.insert(line);
  }
  return lines;
}

}  // namespace weir::testing
