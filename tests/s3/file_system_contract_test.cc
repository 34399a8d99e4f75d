// The contract of file_system.h, run on every file system: the local one and S3 (a real s3proxy on
// loopback, started once for this binary). What one guarantees, the other must too.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "support/s3_server.h"
#include "weir/fs/file_system.h"
#include "weir/fs/local_file_system.h"
#include "weir/fs/s3/s3_file_system.h"

namespace weir::fs {
namespace {

using weir::testing::S3ServerEnvironment;

class FileSystemContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    name = name.substr(0, name.find('/')) + "-" + std::to_string(::getpid());
    local_dir_ = std::filesystem::temp_directory_path() / ("weir-contract-" + name);
    std::filesystem::remove_all(local_dir_);
    std::filesystem::create_directories(local_dir_);
    if (GetParam() == "s3") {
      fs_ = make_s3_file_system(S3ServerEnvironment::server().config());
      root_ = Path::parse(std::string("s3://") + S3ServerEnvironment::kBucket + "/" + name);
    } else {
      fs_ = std::make_shared<LocalFileSystem>();
      root_ = Path::parse((local_dir_ / "root").string());
      fs_->mkdirs(root_);
    }
  }
  void TearDown() override {
    fs_->remove_all(root_);
    std::filesystem::remove_all(local_dir_);
  }
  std::string local(const std::string& name) const { return (local_dir_ / name).string(); }

  std::filesystem::path local_dir_;
  std::shared_ptr<FileSystem> fs_;
  Path root_;
};

// Bigger than one part of a multipart upload (5 MiB on S3, the test servers' setting).
std::string big_bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4099) % 26);
  return s;
}

TEST_P(FileSystemContractTest, NothingIsVisibleBeforeCommitAndNothingRemainsWithoutIt) {
  Path p = root_ / "sub/dir/file";
  {
    auto out = fs_->create(p, WriteMode::kOverwrite);
    out->write("hello ");
    out->write("world");
    EXPECT_EQ(out->pos(), 11u);
    EXPECT_FALSE(fs_->exists(p));
  }
  {
    auto out = fs_->create(root_ / "sub/dir/big", WriteMode::kOverwrite);  // several parts, abandoned
    out->write(big_bytes(11 << 20));
    EXPECT_FALSE(fs_->exists(root_ / "sub/dir/big"));
  }
  EXPECT_FALSE(fs_->exists(p));
  EXPECT_TRUE(fs_->list(root_ / "sub/dir").empty()) << "an abandoned stream left something";
  auto out = fs_->create(p, WriteMode::kOverwrite);
  out->write("hello world");
  out->commit();
  EXPECT_EQ(fs_->read(p), "hello world");
  EXPECT_EQ(fs_->stat(p)->size, 11u);
  EXPECT_THROW(out->commit(), FileSystemError);
  EXPECT_THROW(out->write("more"), FileSystemError);
}

TEST_P(FileSystemContractTest, NoOverwriteRefusesAnExistingFileAndKeepsIt) {
  Path p = root_ / "_metadata";
  fs_->write_file(p, "first", WriteMode::kNoOverwrite);
  EXPECT_THROW(fs_->write_file(p, "second", WriteMode::kNoOverwrite), FileExistsError);
  EXPECT_EQ(fs_->read(p), "first");
  fs_->write_file(p, "third", WriteMode::kOverwrite);
  EXPECT_EQ(fs_->read(p), "third");
  std::string big = big_bytes(6 << 20);  // more than a part: still one conditional create
  fs_->write_file(root_ / "big", big, WriteMode::kNoOverwrite);
  EXPECT_THROW(fs_->write_file(root_ / "big", "x", WriteMode::kNoOverwrite), FileExistsError);
  EXPECT_EQ(fs_->read(root_ / "big"), big);
  ASSERT_EQ(fs_->list(root_).size(), 2u);
}

TEST_P(FileSystemContractTest, ReadsRanges) {
  Path p = root_ / "f";
  std::string big = big_bytes(7 << 20);
  fs_->write_file(p, big);
  EXPECT_EQ(fs_->read_range(p, 6, 5), big.substr(6, 5));
  EXPECT_EQ(fs_->read_range(p, (5 << 20) - 3, 10), big.substr((5 << 20) - 3, 10));  // across a part
  EXPECT_EQ(fs_->read_range(p, big.size() - 4, 100), big.substr(big.size() - 4));
  EXPECT_EQ(fs_->read_range(p, big.size(), 10), "");
  EXPECT_EQ(fs_->read_range(p, big.size() + 10, 10), "");
  EXPECT_EQ(fs_->read_range(p, 3, 0), "");
  EXPECT_EQ(fs_->read(p), big);
  EXPECT_THROW(fs_->read_range(root_ / "missing", 0, 1), FileNotFoundError);
  EXPECT_THROW(fs_->read(root_ / "missing"), FileNotFoundError);
}

TEST_P(FileSystemContractTest, StatsFilesAndDirectories) {
  fs_->write_file(root_ / "d/e/f", "123");
  auto f = fs_->stat(root_ / "d/e/f");
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->is_dir);
  EXPECT_EQ(f->size, 3u);
  for (const char* dir : {"d", "d/e"}) {
    auto d = fs_->stat(root_ / dir);
    ASSERT_TRUE(d.has_value()) << dir;
    EXPECT_TRUE(d->is_dir) << dir;
  }
  // s3proxy's filesystem backend answers a HEAD below a file with 500 (its files are a directory
  // tree); S3 answers 404 like any missing key.
  if (GetParam() == "local") {
    EXPECT_FALSE(fs_->stat(root_ / "d/e/f/g").has_value());
  }
  EXPECT_FALSE(fs_->stat(root_ / "d/x").has_value());
}

TEST_P(FileSystemContractTest, ListsRemovesAndReportsMissingFiles) {
  fs_->write_file(root_ / "b", "2");
  fs_->write_file(root_ / "a", "1");
  fs_->write_file(root_ / "d/x", "3");
  fs_->write_file(root_ / "d/y/z", "4");
  fs_->write_file(root_ / "dx", "5");  // shares a prefix with "d" but is not below it
  auto l = fs_->list(root_);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0].path.name(), "a");
  EXPECT_EQ(l[0].size, 1u);
  EXPECT_EQ(l[2].path.name(), "d");
  EXPECT_TRUE(l[2].is_dir);
  EXPECT_EQ(l[2].path, root_ / "d");
  EXPECT_EQ(l[3].path.name(), "dx");
  EXPECT_EQ(fs_->list(root_ / "d").size(), 2u);
  EXPECT_FALSE(fs_->stat(root_ / "missing").has_value());
  EXPECT_TRUE(fs_->list(root_ / "missing").empty());
  fs_->remove(root_ / "missing");
  fs_->remove_all(root_ / "d");
  EXPECT_FALSE(fs_->exists(root_ / "d"));
  EXPECT_FALSE(fs_->exists(root_ / "d/y/z"));
  EXPECT_TRUE(fs_->exists(root_ / "dx"));
  fs_->remove_all(root_ / "d");
  fs_->remove(root_ / "a");
  EXPECT_EQ(fs_->list(root_).size(), 2u);
}

TEST_P(FileSystemContractTest, CopiesToAndFromLocalFiles) {
  std::string big = big_bytes(12 << 20);  // more than two parts and more than one copy chunk
  std::filesystem::create_directories(local_dir_);
  LocalFileSystem().write_file(Path::parse(local("src")), big);
  fs_->upload(local("src"), root_ / "up/file");
  EXPECT_EQ(fs_->stat(root_ / "up/file")->size, big.size());
  fs_->download(root_ / "up/file", local("back"));
  EXPECT_EQ(LocalFileSystem().read(Path::parse(local("back"))), big);
  EXPECT_THROW(fs_->download(root_ / "missing", local("x")), FileNotFoundError);
  EXPECT_FALSE(std::filesystem::exists(local("x")));
  fs_->upload(local("src"), root_ / "once", WriteMode::kNoOverwrite);
  EXPECT_THROW(fs_->upload(local("src"), root_ / "once", WriteMode::kNoOverwrite), FileExistsError);
}

INSTANTIATE_TEST_SUITE_P(AllFileSystems, FileSystemContractTest, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace weir::fs

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
