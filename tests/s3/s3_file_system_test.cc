// What only S3 has: paged listings, multipart uploads the server must drop when abandoned, the errors a
// user must understand (wrong keys, a missing bucket, no server), a server that goes away mid-write
// and comes back, and where the settings come from. Against a real s3proxy on loopback.
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "support/s3_server.h"
#include "weir/common/config.h"
#include "weir/fs/file_system.h"
#include "weir/fs/s3/s3_file_system.h"
#include "weir/fs/s3/s3_options.h"

namespace weir::fs {
namespace {

using weir::testing::S3Server;
using weir::testing::S3ServerEnvironment;

S3Server& server() {
  return S3ServerEnvironment::server();
}

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FileSystemError& e) {
    return e.what();
  }
  return "(no error)";
}

class S3FileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = Path::parse(std::string("s3://") + S3ServerEnvironment::kBucket + "/" + name + "-" +
                        std::to_string(::getpid()));
    fs_ = make_s3_file_system(server().config());
  }
  void TearDown() override {
    server().start();  // a test that stopped it
    fs_->remove_all(root_);
  }
  //! Files the server's backend holds for the bucket: objects, and the parts of uploads in progress
  //! (which s3proxy names by upload id, not by key).
  static size_t files_on_server() {
    size_t n = 0;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(server().bucket_dir(S3ServerEnvironment::kBucket)))
      n += e.is_regular_file();
    return n;
  }
  Path root_;
  std::shared_ptr<FileSystem> fs_;
};

TEST_F(S3FileSystemTest, ListsEveryPage) {
  Configuration c = server().config();
  c.set("s3.paging.maximum", "7");  // 45 entries: 7 pages
  auto fs = make_s3_file_system(c);
  for (int i = 0; i < 40; ++i) fs->write_file(root_ / fmt::format("f{:03}", i), std::to_string(i));
  for (int i = 0; i < 5; ++i) fs->write_file(root_ / fmt::format("d{}/x", i), "x");
  auto l = fs->list(root_);
  ASSERT_EQ(l.size(), 45u);
  EXPECT_EQ(l[0].path.name(), "d0");
  EXPECT_TRUE(l[0].is_dir);
  EXPECT_EQ(l[5].path.name(), "f000");
  EXPECT_EQ(l[44].path.name(), "f039");
  EXPECT_EQ(l[44].size, 2u);
  fs->remove_all(root_);
  EXPECT_TRUE(fs->list(root_).empty());
}

TEST_F(S3FileSystemTest, AnAbandonedStreamAbortsItsMultipartUpload) {
  size_t before = files_on_server();
  {
    auto out = fs_->create(root_ / "big");
    out->write(std::string(6 << 20, 'x'));  // one part goes up
    EXPECT_GT(files_on_server(), before) << "no part on the server: the test would prove nothing";
    EXPECT_FALSE(fs_->exists(root_ / "big"));
  }
  EXPECT_FALSE(fs_->exists(root_ / "big"));
  EXPECT_EQ(files_on_server(), before) << "the parts of the abandoned upload are still on the server";
}

TEST_F(S3FileSystemTest, WrongCredentialsSayAccessDeniedAndNameTheKeys) {
  Configuration c = server().config();
  c.set("s3.secret-key", "not-the-secret");
  auto fs = make_s3_file_system(c);
  std::string msg = what_of([&] { fs->read(root_ / "x"); });
  EXPECT_NE(msg.find("access denied"), std::string::npos) << msg;
  EXPECT_NE(msg.find("s3.access-key"), std::string::npos) << msg;
  EXPECT_NE(msg.find(root_.str()), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not-the-secret"), std::string::npos) << "the secret leaked into: " << msg;
}

TEST_F(S3FileSystemTest, AMissingBucketIsNamed) {
  Path p = Path::parse("s3://no-such-bucket-here/chk/_metadata");
  std::string msg = what_of([&] { fs_->write_file(p, "x"); });
  EXPECT_NE(msg.find("bucket 'no-such-bucket-here' does not exist"), std::string::npos) << msg;
  msg = what_of([&] { fs_->stat(p); });
  EXPECT_NE(msg.find("bucket 'no-such-bucket-here' does not exist"), std::string::npos) << msg;
}

TEST_F(S3FileSystemTest, AnUnreachableEndpointIsNamedAfterBoundedRetries) {
  Configuration c = server().config();
  c.set("s3.endpoint", "http://127.0.0.1:1");  // nothing listens on port 1
  c.set("s3.retry.timeout", "1 s");
  auto fs = make_s3_file_system(c);
  std::string msg = what_of([&] { fs->read(root_ / "x"); });
  EXPECT_NE(msg.find("http://127.0.0.1:1 is unreachable"), std::string::npos) << msg;
}

TEST_F(S3FileSystemTest, TheServerStoppedMidWriteFailsTheCommitAndTheClientWorksAfterItsRestart) {
  auto out = fs_->create(root_ / "chk-1/state");
  out->write(std::string(6 << 20, 's'));  // a part is up: the upload exists on the server
  out->write("tail");
  server().stop();
  // After s3.retry.* (a few seconds), not a hang, and naming what failed.
  std::string msg = what_of([&] { out->commit(); });
  EXPECT_NE(msg.find((root_ / "chk-1/state").str()), std::string::npos) << msg;
  EXPECT_THROW(fs_->write_file(root_ / "chk-1/_metadata", "m", WriteMode::kNoOverwrite), FileSystemError);
  server().start();
  EXPECT_FALSE(fs_->exists(root_ / "chk-1/state"));
  fs_->write_file(root_ / "chk-1/_metadata", "m", WriteMode::kNoOverwrite);
  EXPECT_EQ(fs_->read(root_ / "chk-1/_metadata"), "m");
  auto again = fs_->create(root_ / "chk-1/state");
  again->write(std::string(6 << 20, 't'));
  again->commit();
  EXPECT_EQ(fs_->stat(root_ / "chk-1/state")->size, 6u << 20);
}

TEST_F(S3FileSystemTest, TheRegistryServesS3AfterConfigure) {
  configure(server().config());
  auto fs = get(root_);
  EXPECT_EQ(fs->scheme(), "s3");
  fs->write_file(root_ / "via-registry", "r");
  EXPECT_EQ(get(Path::parse("s3a://" + root_.authority() + "/" + root_.key()))->read(root_ / "via-registry"),
            "r");
  // A stream outlives the file system that made it being replaced by another configure().
  auto out = get(root_)->create(root_ / "late");
  out->write("late");
  configure(server().config());
  out->commit();
  EXPECT_EQ(get(root_)->read(root_ / "late"), "late");
  configure(Configuration());
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(S3SettingsTest, ConfigurationThenEnvironmentThenCredentialFile) {
  std::string file =
      std::filesystem::temp_directory_path() / ("weir-aws-credentials-" + std::to_string(::getpid()));
  std::ofstream(file) << "[default]\naws_access_key_id = file-default\naws_secret_access_key = s0\n"
                      << "# comment\n[ci]\naws_access_key_id=file-ci\naws_secret_access_key=s1\n"
                      << "aws_session_token = tok\n";
  ScopedEnv f("AWS_SHARED_CREDENTIALS_FILE", file), p("AWS_PROFILE", "ci");
  ScopedEnv a("AWS_ACCESS_KEY_ID", ""), s("AWS_SECRET_ACCESS_KEY", ""), r("AWS_REGION", "eu-west-3");
  ScopedEnv e("AWS_ENDPOINT_URL", ""), e2("AWS_ENDPOINT_URL_S3", "");
  auto st = s3::resolve_s3_settings(Configuration());
  EXPECT_EQ(st.access_key, "file-ci");
  EXPECT_EQ(st.session_token, "tok");
  EXPECT_EQ(st.region, "eu-west-3");
  EXPECT_TRUE(st.endpoint.empty());
  {
    ScopedEnv a2("AWS_ACCESS_KEY_ID", "env-key"), s2("AWS_SECRET_ACCESS_KEY", "env-secret");
    ScopedEnv e3("AWS_ENDPOINT_URL", "http://127.0.0.1:9000");
    st = s3::resolve_s3_settings(Configuration());
    EXPECT_EQ(st.access_key, "env-key");
    EXPECT_EQ(st.endpoint, "http://127.0.0.1:9000");
    Configuration c;
    c.set("s3.access-key", "conf-key");
    c.set("s3.secret-key", "conf-secret");
    c.set("s3.region", "ap-south-1");
    st = s3::resolve_s3_settings(c);
    EXPECT_EQ(st.access_key, "conf-key");
    EXPECT_EQ(st.secret_key, "conf-secret");
    EXPECT_EQ(st.region, "ap-south-1");
    Configuration half;
    half.set("s3.access-key", "conf-key");
    std::string msg = what_of([&] { s3::resolve_s3_settings(half); });
    EXPECT_NE(msg.find("s3.access-key is set but s3.secret-key is not"), std::string::npos) << msg;
  }
  ScopedEnv none("AWS_PROFILE", "absent");
  std::string msg = what_of([&] { s3::resolve_s3_settings(Configuration()); });
  EXPECT_NE(msg.find("no S3 credentials"), std::string::npos) << msg;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace weir::fs

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
