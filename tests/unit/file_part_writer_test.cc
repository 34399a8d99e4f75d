// The file sink's part writer on the fs layer: a checkpoint's barrier commits the part durably as a
// hidden pending file, completion publishes it, an error of the commit is thrown and leaves nothing, and a
// restore deletes the temp files of parts an earlier attempt had in progress.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "weir/connectors/file_sink.h"
#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/local_file_system.h"

namespace weir::connectors {
namespace {

namespace stdfs = std::filesystem;

struct TempDir {
  TempDir() {
    static int counter = 0;
    path = stdfs::temp_directory_path() /
           ("weir-part-writer-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    stdfs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
  stdfs::path path;
};

std::vector<std::string> names(const stdfs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : stdfs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const stdfs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class FilePartWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::set_for_testing("file", faulty_); }
  void TearDown() override { fs::set_for_testing("file", nullptr); }
  TempDir dir_;
  std::shared_ptr<fs::FaultInjectingFileSystem> faulty_ =
      std::make_shared<fs::FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
};

TEST_F(FilePartWriterTest, TheBarrierCommitsAPendingFileAndCompletionPublishesIt) {
  FilePartWriter w;
  w.open(dir_.path.string(), "job1", 0, 0, /*transactional=*/true);
  w.write_line("a");
  w.write_line("b");
  // In progress: only the fs layer's hidden temp file.
  auto before = names(dir_.path);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].rfind("..part-job1-0-0-0.pending.", 0), 0u) << before[0];
  w.prepare_commit(1);
  EXPECT_EQ(names(dir_.path), std::vector<std::string>{".part-job1-0-0-0.pending"});
  EXPECT_EQ(faulty_->count(fs::FsOp::kCommit), 1u) << "the pending file went through the fs layer's commit";
  EXPECT_EQ(w.pending_state(), std::vector<std::string>{"1|" + dir_.path.string() + "|part-job1-0-0-0"});
  w.write_line("c");
  w.commit(1);
  auto after = names(dir_.path);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[1], "part-job1-0-0-0");
  EXPECT_EQ(read(dir_.path / "part-job1-0-0-0"), "a\nb\n");
}

TEST_F(FilePartWriterTest, AFailedCommitAtTheBarrierIsThrownAndLeavesNothing) {
  faulty_->inject_on_path(fs::FsOp::kCommit, ".pending", 1, fs::Fault::kFail);
  FilePartWriter w;
  w.open(dir_.path.string(), "job1", 0, 0, /*transactional=*/true);
  w.write_line("lost unless replayed");
  try {
    w.prepare_commit(1);
    FAIL() << "a failed commit passed in silence";
  } catch (const fs::FileSystemError& e) {
    EXPECT_NE(std::string(e.what()).find("file sink: cannot commit part 'part-job1-0-0-0'"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("injected fault"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(names(dir_.path).empty());
  EXPECT_TRUE(w.pending_state().empty());
  // The writer goes on with a new part (in a job, the task fails and restores instead).
  w.write_line("x");
  w.prepare_commit(2);
  w.commit(2);
  EXPECT_EQ(names(dir_.path), std::vector<std::string>{"part-job1-0-0-1"});
}

TEST_F(FilePartWriterTest, WithoutCheckpointingTheEndOfInputPublishes) {
  FilePartWriter w;
  w.open(dir_.path.string(), "job1", 0, 1, /*transactional=*/false, PartFileNames{"out", ".txt"});
  for (int i = 0; i < 20'000; ++i) w.write_line(std::to_string(i));  // several buffer flushes
  w.finish();
  EXPECT_EQ(names(dir_.path), std::vector<std::string>{"out-job1-0-1-0.txt"});
  std::string all = read(dir_.path / "out-job1-0-1-0.txt");
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 20'000);
}

TEST_F(FilePartWriterTest, RestorePublishesRestoredPendingFilesAndDeletesEarlierAttemptsTempFiles) {
  {
    FilePartWriter w;
    w.open(dir_.path.string(), "job1", 0, 0, /*transactional=*/true);
    w.write_line("kept");
    w.prepare_commit(3);
  }
  // What a dead attempt 0 left: a temp file of a part in progress, a pending file of a later checkpoint,
  // and a file of subtask 1 (not this subtask's to delete at parallelism 2).
  std::ofstream(dir_.path / "..part-job1-0-0-1.pending.4242-7.inprogress") << "after the checkpoint\n";
  std::ofstream(dir_.path / ".part-job1-0-0-2.pending") << "after the checkpoint\n";
  std::ofstream(dir_.path / "..part-job1-0-1-0.pending.4242-8.inprogress") << "subtask 1\n";
  FilePartWriter w;
  w.open(dir_.path.string(), "job1", 1, 0, /*transactional=*/true);
  w.recover({"3|" + dir_.path.string() + "|part-job1-0-0-0"}, 2);
  EXPECT_EQ(names(dir_.path),
            (std::vector<std::string>{"..part-job1-0-1-0.pending.4242-8.inprogress", "part-job1-0-0-0"}));
  EXPECT_EQ(read(dir_.path / "part-job1-0-0-0"), "kept\n");
  // Published before a failure: a second recovery finds it published and is content.
  w.recover({"3|" + dir_.path.string() + "|part-job1-0-0-0"}, 2);
}

}  // namespace
}  // namespace weir::connectors
