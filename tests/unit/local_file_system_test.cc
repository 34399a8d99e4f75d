// The file-system layer on local disk: path parsing, commit-or-nothing streams, conditional creates,
// ranged reads, listing and recursive delete.
#include <gtest/gtest.h>

#include <filesystem>

#include "weir/fs/file_system.h"
#include "weir/fs/local_file_system.h"

namespace weir::fs {
namespace {

class LocalFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weir-fs-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    root_ = Path::parse(dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  size_t entries_on_disk() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::recursive_directory_iterator(dir_)) ++n;
    return n;
  }
  std::filesystem::path dir_;
  Path root_;
  LocalFileSystem fs_;
};

TEST(PathTest, ParsesLocalAndS3PathsAndNormalises) {
  EXPECT_EQ(Path::parse("/a//b/./c/").str(), "/a/b/c");
  EXPECT_EQ(Path::parse("file:///a/b").str(), "/a/b");
  EXPECT_TRUE(Path::parse("file:///a/b").is_local());
  Path s3 = Path::parse("s3://bucket/chk/job/");
  EXPECT_EQ(s3.scheme(), "s3");
  EXPECT_EQ(s3.authority(), "bucket");
  EXPECT_EQ(s3.key(), "chk/job");
  EXPECT_EQ((s3 / "chk-1/_metadata").str(), "s3://bucket/chk/job/chk-1/_metadata");
  EXPECT_EQ(s3.parent().str(), "s3://bucket/chk");
  EXPECT_EQ(Path::parse("s3://bucket").parent().str(), "s3://bucket");
  EXPECT_EQ(Path::parse("/a").parent().str(), "/");
  EXPECT_EQ(Path::parse("s3a://b/k").scheme(), "s3");
  EXPECT_TRUE(s3.contains(s3 / "x/y"));
  EXPECT_FALSE((s3 / "x").contains(s3 / "xy"));
  EXPECT_EQ(s3.relative(s3 / "x/y"), "x/y");
  EXPECT_EQ(Path::parse("/").relative(Path::parse("/a/b")), "a/b");
}

TEST(PathTest, RefusesBadPathsNamingThem) {
  EXPECT_EQ(Path::parse("rel/dir").str(), (std::filesystem::current_path() / "rel/dir").string());
  for (const char* bad : {"", "hdfs://nn/x", "s3:///key", "/a/../b", "file://relative"}) {
    try {
      Path::parse(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const FileSystemError& e) {
      if (*bad) {
        EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
      }
    }
  }
  EXPECT_THROW(Path::parse("/a") / "../etc", FileSystemError);
}

TEST_F(LocalFileSystemTest, NothingIsVisibleBeforeCommitAndNothingRemainsWithoutIt) {
  Path p = root_ / "sub/dir/file";
  {
    auto out = fs_.create(p, WriteMode::kOverwrite);
    out->write("hello ");
    out->write("world");
    EXPECT_EQ(out->pos(), 11u);
    EXPECT_FALSE(fs_.exists(p));
  }
  EXPECT_FALSE(fs_.exists(p));
  EXPECT_EQ(fs_.list(root_ / "sub/dir").size(), 0u) << "the temp file of an abandoned stream stayed";
  auto out = fs_.create(p, WriteMode::kOverwrite);
  out->write("hello world");
  out->commit();
  EXPECT_EQ(fs_.read(p), "hello world");
  EXPECT_EQ(fs_.read_range(p, 6, 5), "world");
  EXPECT_EQ(fs_.read_range(p, 6, 100), "world");
  EXPECT_EQ(fs_.stat(p)->size, 11u);
  EXPECT_THROW(out->commit(), FileSystemError);
}

TEST_F(LocalFileSystemTest, NoOverwriteRefusesAnExistingFileAndKeepsIt) {
  Path p = root_ / "_metadata";
  fs_.write_file(p, "first", WriteMode::kNoOverwrite);
  EXPECT_THROW(fs_.write_file(p, "second", WriteMode::kNoOverwrite), FileExistsError);
  EXPECT_EQ(fs_.read(p), "first");
  fs_.write_file(p, "third", WriteMode::kOverwrite);
  EXPECT_EQ(fs_.read(p), "third");
  EXPECT_EQ(entries_on_disk(), 1u);
}

TEST_F(LocalFileSystemTest, ListsRemovesAndReportsMissingFiles) {
  fs_.write_file(root_ / "b", "2");
  fs_.write_file(root_ / "a", "1");
  fs_.write_file(root_ / "d/x", "3");
  auto l = fs_.list(root_);
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].path.name(), "a");
  EXPECT_EQ(l[2].path.name(), "d");
  EXPECT_TRUE(l[2].is_dir);
  EXPECT_THROW(fs_.read(root_ / "missing"), FileNotFoundError);
  EXPECT_FALSE(fs_.stat(root_ / "missing").has_value());
  EXPECT_TRUE(fs_.list(root_ / "missing").empty());
  fs_.remove(root_ / "missing");
  fs_.remove_all(root_ / "d");
  EXPECT_FALSE(fs_.exists(root_ / "d"));
  fs_.remove_all(root_ / "d");
  fs_.remove(root_ / "a");
  EXPECT_EQ(fs_.list(root_).size(), 1u);
}

TEST_F(LocalFileSystemTest, CopiesToAndFromLocalFilesThroughTheRegistry) {
  std::string big(9 << 20, 'x');  // more than one copy chunk
  big[5 << 20] = 'y';
  fs_.write_file(root_ / "src", big);
  std::string local = (dir_ / "copy").string();
  fs_.download(root_ / "src", local);
  fs_.upload(local, root_ / "again");
  EXPECT_EQ(get(root_ / "again")->read(root_ / "again"), big);
  EXPECT_EQ(get(root_)->scheme(), "file");
  EXPECT_THROW(fs_.download(root_ / "missing", local), FileNotFoundError);
}

}  // namespace
}  // namespace weir::fs
