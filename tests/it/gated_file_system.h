#pragma once
// A FileSystem for tests that wraps another one and holds the commit of a file whose path contains a given
// part until the test opens the gate: the test learns the commit arrived (and its path), asserts what must
// hold while the write hangs (a slow disk, an S3 PUT that takes minutes), then lets it through. Register it
// with fs::set_for_testing("file", ...). (tests/it: the integration tests include it from their folder.)
//
// Threading: thread-safe; arrival and opening are waits on a condition, never on time.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "weir/fs/file_system.h"

namespace weir::testing {

class GatedFileSystem final : public fs::FileSystem {
 public:
  GatedFileSystem(std::shared_ptr<fs::FileSystem> inner, std::string path_part)
      : inner_(std::move(inner)), gate_(std::make_shared<Gate>()) {
    gate_->part = std::move(path_part);
  }

  //! Waits (up to `limit`, a guard against a hang, not a timing) until a gated commit is held; its path.
  std::string wait_until_held(std::chrono::seconds limit = std::chrono::seconds(120)) {
    std::unique_lock lock(gate_->mu);
    gate_->cv.wait_for(lock, limit, [&] { return !gate_->held.empty(); });
    return gate_->held;
  }
  //! Lets the held commit (and every later one) through.
  void open() {
    std::lock_guard lock(gate_->mu);
    gate_->open = true;
    gate_->cv.notify_all();
  }

  std::string_view scheme() const override { return inner_->scheme(); }
  std::unique_ptr<fs::OutputStream> create(const fs::Path& path, fs::WriteMode mode) override {
    auto s = inner_->create(path, mode);
    if (path.str().find(gate_->part) == std::string::npos) return s;
    return std::make_unique<Stream>(std::move(s), gate_, path.str());
  }
  std::string read(const fs::Path& path) override { return inner_->read(path); }
  std::string read_range(const fs::Path& path, uint64_t offset, uint64_t length) override {
    return inner_->read_range(path, offset, length);
  }
  std::optional<fs::FileStatus> stat(const fs::Path& path) override { return inner_->stat(path); }
  std::vector<fs::FileStatus> list(const fs::Path& dir) override { return inner_->list(dir); }
  void remove(const fs::Path& path) override { inner_->remove(path); }
  void remove_all(const fs::Path& dir) override { inner_->remove_all(dir); }
  void mkdirs(const fs::Path& dir) override { inner_->mkdirs(dir); }
  void download(const fs::Path& path, const std::string& local) override { inner_->download(path, local); }
  void upload(const std::string& local, const fs::Path& path, fs::WriteMode mode) override {
    inner_->upload(local, path, mode);
  }

 private:
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    std::string part;
    std::string held;  // the path of the first commit that arrived
    bool open = false;
  };
  class Stream final : public fs::OutputStream {
   public:
    Stream(std::unique_ptr<fs::OutputStream> inner, std::shared_ptr<Gate> gate, std::string path)
        : inner_(std::move(inner)), gate_(std::move(gate)), path_(std::move(path)) {}
    void write(std::string_view bytes) override { inner_->write(bytes); }
    uint64_t pos() const override { return inner_->pos(); }
    void commit() override {
      {
        std::unique_lock lock(gate_->mu);
        if (gate_->held.empty()) gate_->held = path_;
        gate_->cv.notify_all();
        gate_->cv.wait(lock, [&] { return gate_->open; });
      }
      inner_->commit();
    }

   private:
    std::unique_ptr<fs::OutputStream> inner_;
    std::shared_ptr<Gate> gate_;
    std::string path_;
  };

  std::shared_ptr<fs::FileSystem> inner_;
  std::shared_ptr<Gate> gate_;
};

}  // namespace weir::testing
