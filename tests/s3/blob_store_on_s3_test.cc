// The blob store on a real S3-compatible server (s3proxy on loopback): job artifacts uploaded over gRPC
// land as objects named by their SHA-256, TaskManager caches download them, the JobManager gets a local
// copy to load, equal content is stored once, corrupt objects are refused, and a store made from
// blob.storage.directory = s3://... is removed at the end (TaskManagers' caches then stay local); a put
// while the server is down fails naming the endpoint, and works once it is back.
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "it/it_support.h"
#include "support/s3_server.h"
#include "weir/cluster/blob/blob_cache.h"
#include "weir/cluster/blob/blob_client.h"
#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_server.h"
#include "weir/cluster/blob/blob_service.h"
#include "weir/cluster/blob/sha256.h"
#include "weir/fs/file_system.h"

namespace weir::cluster::blob {
namespace {

using weir::testing::S3ServerEnvironment;
using weir::testing::TempDir;

std::string read_local(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string s3_dir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("s3://") + S3ServerEnvironment::kBucket + "/" + info->name() + "/" + name;
}

class BlobStoreOnS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::configure(S3ServerEnvironment::server().config());
    store_ = std::make_unique<BlobServer>(s3_dir("blobs"));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    service_ = register_blob_service(builder, *store_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port > 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override { server_->Shutdown(); }

  //! The object of `key` as the S3 server's backend holds it.
  std::filesystem::path object_file(const BlobKey& key) const {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return S3ServerEnvironment::server().bucket_dir(S3ServerEnvironment::kBucket) / info->name() / "blobs" /
           key.hex();
  }

  TempDir dir_;
  std::unique_ptr<BlobServer> store_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(BlobStoreOnS3, UploadsBecomeObjectsNamedByTheirHashAndDownloadInChunks) {
  const std::string bytes = random_bytes(3 * kBlobChunkBytes + 4321, 5);
  auto file = dir_.path / "libjob.so";
  std::ofstream(file, std::ios::binary) << bytes;

  BlobKey key = BlobClient(address_).put_file(file);
  EXPECT_EQ(key, Sha256::of(bytes));
  EXPECT_TRUE(store_->contains(key));
  EXPECT_EQ(store_->path_of(key).str(), s3_dir("blobs") + "/" + key.hex());
  EXPECT_EQ(read_local(object_file(key)), bytes);
  // Only the blob is in the store: no temporary objects.
  auto listed = fs::get(store_->storage_directory())->list(store_->storage_directory());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].path.name(), key.hex());

  BlobCache cache(address_, dir_.path / "cache");
  EXPECT_EQ(read_local(cache.get(key)), bytes);
  EXPECT_EQ(cache.downloads(), 1);

  // The JobManager's local copy (what it loads to plan a job), downloaded once.
  auto local = store_->local_file(key);
  EXPECT_EQ(read_local(local), bytes);
  EXPECT_EQ(store_->local_file(key), local);
}

TEST_F(BlobStoreOnS3, EqualContentIsStoredOnceAndEmptyBlobsWork) {
  BlobKey a = store_->put("same bytes");
  BlobServer other(s3_dir("blobs"));  // a second server on the same store (e.g. a standby JobManager)
  EXPECT_EQ(other.put("same bytes"), a);
  auto f = dir_.path / "f";
  std::ofstream(f, std::ios::binary) << "same bytes";
  EXPECT_EQ(BlobClient(address_).put_file(f), a);
  BlobKey e = store_->put("");
  EXPECT_TRUE(other.contains(e));
  BlobCache cache(address_, dir_.path / "cache");
  EXPECT_EQ(read_local(cache.get(e)), "");
  EXPECT_EQ(read_local(cache.get(a)), "same bytes");
  store_->remove(a);
  EXPECT_FALSE(other.contains(a));
  EXPECT_THROW(store_->path_of(a), BlobNotFoundError);
}

TEST_F(BlobStoreOnS3, ACorruptObjectIsRefusedByTheCacheAndTheLocalCopy) {
  BlobKey key = store_->put(random_bytes(kBlobChunkBytes + 17, 9));
  std::string rotten = read_local(object_file(key));
  rotten[3] ^= 1;
  std::ofstream(object_file(key), std::ios::binary | std::ios::trunc) << rotten;

  BlobCache cache(address_, dir_.path / "cache");
  EXPECT_THROW(cache.get(key), BlobCorruptError);
  EXPECT_TRUE(std::filesystem::is_empty(cache.directory()));
  try {
    store_->local_file(key);
    FAIL() << "a corrupt blob was copied";
  } catch (const BlobCorruptError& e) {
    EXPECT_NE(std::string(e.what()).find(key.hex()), std::string::npos) << e.what();
  }
}

TEST_F(BlobStoreOnS3, AnUploadThatDoesNotMatchItsKeyStoresNothing) {
  const BlobKey claimed = Sha256::of("what the client said");
  auto w = store_->begin_put(claimed);
  w->write("what arrived");
  EXPECT_THROW(w->commit(), BlobCorruptError);
  w.reset();
  EXPECT_FALSE(store_->contains(claimed));
  EXPECT_TRUE(fs::get(store_->storage_directory())->list(store_->storage_directory()).empty());
}

TEST_F(BlobStoreOnS3, APutWhileTheServerIsDownFailsNamingTheEndpointAndStoresNothing) {
  auto& server = S3ServerEnvironment::server();
  server.stop();
  try {
    store_->put("while down");
    server.start();
    FAIL() << "a put to a stopped S3 server succeeded";
  } catch (const fs::FileSystemError& e) {
    EXPECT_NE(std::string(e.what()).find(server.endpoint()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unreachable"), std::string::npos) << e.what();
  }
  server.start();  // same port, same data
  EXPECT_FALSE(store_->contains(Sha256::of("while down")));
  BlobKey k = store_->put("while down");
  EXPECT_EQ(read_local(object_file(k)), "while down");
}

TEST(BlobStoreOnS3Config, AStoreUnderAnS3StorageDirectoryIsRemovedAtTheEnd) {
  fs::configure(S3ServerEnvironment::server().config());
  Configuration conf;
  const std::string parent = std::string("s3://") + S3ServerEnvironment::kBucket + "/configured";
  conf.set("blob.storage.directory", parent);
  fs::Path store_dir;
  {
    BlobServer server(conf);
    store_dir = server.storage_directory();
    EXPECT_EQ(store_dir.parent().str(), parent);
    EXPECT_EQ(store_dir.name().rfind("blobStore-", 0), 0u);
    BlobKey k = server.put("bytes");
    EXPECT_TRUE(fs::get(store_dir)->exists(store_dir / k.hex()));
  }
  EXPECT_FALSE(fs::get(store_dir)->exists(store_dir));
  // A TaskManager's cache with the same setting stays local (the system temp directory).
  BlobCache cache("127.0.0.1:1", conf);
  EXPECT_EQ(cache.directory().parent_path(), std::filesystem::temp_directory_path());
}

}  // namespace
}  // namespace weir::cluster::blob

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new weir::testing::S3ServerEnvironment);
  return RUN_ALL_TESTS();
}
