// The fault-injecting file system: it counts operations, fails one when told, and "crashes" leaving what
// a dead process leaves (temp files, half-deleted directories), refusing every operation afterwards.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_system.h"

namespace weir::fs {
namespace {

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weir-fifs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    root_ = Path::parse(dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  //! Names of the entries below the test directory, recursively, relative to it.
  std::set<std::string> on_disk() const {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_))
      out.insert(std::filesystem::relative(e.path(), dir_).string());
    return out;
  }
  size_t temp_files() const {
    size_t n = 0;
    for (const auto& e : on_disk())
      if (e.find(".inprogress") != std::string::npos) ++n;
    return n;
  }
  std::filesystem::path dir_;
  Path root_;
  std::shared_ptr<LocalFileSystem> local_ = std::make_shared<LocalFileSystem>();
};

TEST_F(FaultInjectingFileSystemTest, CountsOperationsByKindAndPassesThemThrough) {
  FaultInjectingFileSystem fs(local_);
  EXPECT_EQ(fs.scheme(), "file");
  fs.mkdirs(root_ / "d");
  fs.write_file(root_ / "d/a", "hello");
  auto out = fs.create(root_ / "d/b");
  out->write("ab");
  out->write("c");
  EXPECT_EQ(out->pos(), 3u);
  out->commit();
  EXPECT_EQ(fs.read(root_ / "d/a"), "hello");
  EXPECT_EQ(fs.read_range(root_ / "d/b", 1, 5), "bc");
  EXPECT_EQ(fs.list(root_ / "d").size(), 2u);
  EXPECT_TRUE(fs.exists(root_ / "d/b"));
  fs.remove(root_ / "d/a");
  fs.remove_all(root_ / "d");
  EXPECT_EQ(fs.count(FsOp::kMkdirs), 1u);
  EXPECT_EQ(fs.count(FsOp::kCreate), 2u);
  EXPECT_EQ(fs.count(FsOp::kWrite), 3u);
  EXPECT_EQ(fs.count(FsOp::kCommit), 2u);
  EXPECT_EQ(fs.count(FsOp::kRead), 1u);
  EXPECT_EQ(fs.count(FsOp::kReadRange), 1u);
  EXPECT_EQ(fs.count(FsOp::kList), 1u);
  EXPECT_EQ(fs.count(FsOp::kStat), 1u);
  EXPECT_EQ(fs.count(FsOp::kRemove), 1u);
  EXPECT_EQ(fs.count(FsOp::kRemoveAll), 1u);
  EXPECT_EQ(fs.count(), 14u);
  auto trace = fs.trace();
  ASSERT_EQ(trace.size(), 14u);
  EXPECT_EQ(trace[3], "4 commit " + (root_ / "d/a").str());
  EXPECT_FALSE(fs.crashed());
  EXPECT_TRUE(on_disk().empty());
}

TEST_F(FaultInjectingFileSystemTest, AFailedCommitThrowsLeavesNothingAndLaterOperationsWork) {
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kCommit, 2, Fault::kFail);
  fs.write_file(root_ / "a", "1");
  try {
    fs.write_file(root_ / "b", "2");
    FAIL() << "the injected commit failure passed in silence";
  } catch (const FileSystemError& e) {
    EXPECT_NE(std::string(e.what()).find((root_ / "b").str()), std::string::npos) << e.what();
  }
  EXPECT_EQ(on_disk(), (std::set<std::string>{"a"})) << "a failed commit left its temp file or its target";
  fs.write_file(root_ / "b", "3");
  EXPECT_EQ(fs.read(root_ / "b"), "3");
  EXPECT_FALSE(fs.crashed());
}

TEST_F(FaultInjectingFileSystemTest, AFailedWriteSpendsTheStream) {
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kWrite, 2, Fault::kFail);
  auto out = fs.create(root_ / "f");
  out->write("a");
  EXPECT_THROW(out->write("b"), FileSystemError);
  EXPECT_THROW(out->commit(), FileSystemError);
  out.reset();
  EXPECT_TRUE(on_disk().empty());
}

TEST_F(FaultInjectingFileSystemTest, FailedUploadsAndDownloadsThrow) {
  std::string local = (dir_ / "local").string();
  std::ofstream(local) << "payload";
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kUpload, 1, Fault::kFail);
  EXPECT_THROW(fs.upload(local, root_ / "up"), FileSystemError);
  // An upload is a create, writes and a commit: a commit that fails fails the upload.
  fs.inject(FsOp::kCommit, 1, Fault::kFail);
  EXPECT_THROW(fs.upload(local, root_ / "up"), FileSystemError);
  EXPECT_EQ(on_disk(), (std::set<std::string>{"local"}));
  fs.upload(local, root_ / "up");
  EXPECT_EQ(fs.read(root_ / "up"), "payload");
  fs.inject(FsOp::kDownload, 1, Fault::kFail);
  EXPECT_THROW(fs.download(root_ / "up", (dir_ / "down").string()), FileSystemError);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "down"));
}

TEST_F(FaultInjectingFileSystemTest, ACrashAtCommitLeavesTheTempFileAndNoTargetAndStopsEverything) {
  {
    FaultInjectingFileSystem fs(local_);
    fs.inject(FsOp::kCommit, 1, Fault::kCrash);
    auto out = fs.create(root_ / "f");
    out->write("torn");
    EXPECT_THROW(out->commit(), SimulatedCrash);
    EXPECT_TRUE(fs.crashed());
    out.reset();  // the "process" unwinds: a dead one would not have cleaned up
    EXPECT_EQ(fs.abandoned_streams(), 1u);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "f"));
    EXPECT_EQ(temp_files(), 1u);
    EXPECT_THROW(fs.stat(root_ / "f"), SimulatedCrash);
    EXPECT_THROW(fs.create(root_ / "g"), SimulatedCrash);
    EXPECT_THROW(fs.remove_all(root_), SimulatedCrash);
    EXPECT_EQ(fs.count(), 3u) << "operations after the crash must not count";
    // The restarted process sees the temp file and no target.
    EXPECT_FALSE(local_->exists(root_ / "f"));
    EXPECT_EQ(temp_files(), 1u);
  }
  // Abandoned streams live as long as the crashed file system: test teardown may drop them.
  EXPECT_EQ(temp_files(), 0u);
}

TEST_F(FaultInjectingFileSystemTest, StreamsOpenAtACrashElsewhereKeepTheirTempFiles) {
  FaultInjectingFileSystem fs(local_);
  fs.inject_at(4, Fault::kCrash);
  auto a = fs.create(root_ / "a");  // 1
  a->write("aaa");                  // 2
  auto b = fs.create(root_ / "b");  // 3
  EXPECT_THROW(b->write("bbb"), SimulatedCrash);
  EXPECT_THROW(a->commit(), SimulatedCrash);
  a.reset();
  b.reset();
  EXPECT_EQ(temp_files(), 2u);
  EXPECT_EQ(fs.trace().back(), "4 write " + (root_ / "b").str() + " (3 bytes)");
}

TEST_F(FaultInjectingFileSystemTest, ACrashAfterACommitKeepsTheFile) {
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kCommit, 1, Fault::kCrashAfter);
  EXPECT_THROW(fs.write_file(root_ / "f", "done"), SimulatedCrash);
  EXPECT_TRUE(fs.crashed());
  EXPECT_EQ(local_->read(root_ / "f"), "done");
  EXPECT_EQ(temp_files(), 0u);
  EXPECT_THROW(fs.read(root_ / "f"), SimulatedCrash);
}

TEST_F(FaultInjectingFileSystemTest, ACrashAfterCreateLeavesAnEmptyTempFile) {
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kCreate, 1, Fault::kCrashAfter);
  EXPECT_THROW(fs.create(root_ / "f"), SimulatedCrash);
  EXPECT_EQ(temp_files(), 1u);
}

TEST_F(FaultInjectingFileSystemTest, ACrashInRemoveAllLeavesTheDirectoryHalfDeleted) {
  local_->write_file(root_ / "chk-1/0-0", "x");
  local_->write_file(root_ / "chk-1/1-0", "y");
  local_->write_file(root_ / "chk-1/_metadata", "m");
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kRemoveAll, 1, Fault::kCrash);
  EXPECT_THROW(fs.remove_all(root_ / "chk-1"), SimulatedCrash);
  // The worst case for a reader: the marker of completion stays, the files it names are gone.
  EXPECT_EQ(on_disk(), (std::set<std::string>{"chk-1", "chk-1/_metadata"}));
}

TEST_F(FaultInjectingFileSystemTest, ACrashPassesThroughHandlersOfStdException) {
  FaultInjectingFileSystem fs(local_);
  fs.inject(FsOp::kStat, 1, Fault::kCrash);
  bool swallowed = false;
  try {
    try {
      fs.stat(root_);
    } catch (const std::exception&) {
      swallowed = true;
    }
  } catch (const SimulatedCrash& c) {
    EXPECT_NE(c.what().find("1 stat"), std::string::npos) << c.what();
  }
  EXPECT_FALSE(swallowed);
}

TEST_F(FaultInjectingFileSystemTest, ServesThePathsOfItsSchemeOnceRegistered) {
  auto fs = std::make_shared<FaultInjectingFileSystem>(local_);
  set_for_testing("file", fs);
  get(root_ / "x")->write_file(root_ / "x", "1");
  set_for_testing("file", nullptr);
  EXPECT_EQ(fs->count(FsOp::kCommit), 1u);
  EXPECT_NE(get(root_).get(), fs.get());
}

}  // namespace
}  // namespace weir::fs
