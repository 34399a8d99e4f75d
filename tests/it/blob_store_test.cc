// The blob store over a real gRPC server on loopback: uploads and downloads in several chunks, the
// TaskManager-side cache downloading a key once, corrupted files detected (in the cache: fetched again; in
// a download: refused), and clear errors for unknown keys and unusable directories.
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "it_support.h"
#include "weir/cluster/blob/blob_cache.h"
#include "weir/cluster/blob/blob_client.h"
#include "weir/cluster/blob/blob_error.h"
#include "weir/cluster/blob/blob_options.h"
#include "weir/cluster/blob/blob_server.h"
#include "weir/cluster/blob/blob_service.h"
#include "weir/cluster/blob/sha256.h"
#include "weir/common/error.h"
#include "weir/fs/fault_injecting_file_system.h"
#include "weir/fs/local_file_system.h"

namespace weir::cluster::blob {
namespace {

using testing::TempDir;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

//! Several chunks and a partial last one.
std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

//! A BlobServer behind a gRPC server on a free loopback port.
class BlobServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<BlobServer>(dir_.path / "store");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    service_ = register_blob_service(builder, *store_, max_upload_bytes_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port > 0);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override { server_->Shutdown(); }

  //! What the service accepts in one upload (blob.server.max-upload-size); a test fixture may lower it.
  uint64_t max_upload_bytes_ = kDefaultMaxUploadBytes;
  TempDir dir_;
  std::unique_ptr<BlobServer> store_;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(BlobServiceFixture, LargeFileRoundTripsInChunksAndTheCacheDownloadsItOnce) {
  const std::string bytes = random_bytes(3 * kBlobChunkBytes + 12345, 7);
  auto file = dir_.path / "libjob.so";
  write_file(file, bytes);

  BlobKey key = BlobClient(address_).put_file(file);
  EXPECT_EQ(key, Sha256::of(bytes));
  ASSERT_TRUE(store_->contains(key));
  EXPECT_EQ(read_file(store_->path_of(key).str()), bytes);

  BlobCache cache(address_, dir_.path / "cache");
  auto local = cache.get(key);
  EXPECT_EQ(local.parent_path(), cache.directory());
  EXPECT_EQ(read_file(local), bytes);
  EXPECT_EQ(cache.downloads(), 1);
  EXPECT_EQ(cache.get(key), local);
  EXPECT_EQ(cache.get(key), local);
  EXPECT_EQ(cache.downloads(), 1);
  // No temporary files are left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(cache.directory()), {}), 1);
}

TEST_F(BlobServiceFixture, EqualContentHasOneKeyAndEmptyBlobsWork) {
  auto a = dir_.path / "a";
  auto b = dir_.path / "b";
  auto empty = dir_.path / "empty";
  write_file(a, "same bytes");
  write_file(b, "same bytes");
  write_file(empty, "");
  BlobClient client(address_);
  EXPECT_EQ(client.put_file(a), client.put_file(b));
  BlobKey e = client.put_file(empty);
  BlobCache cache(address_, dir_.path / "cache");
  EXPECT_EQ(read_file(cache.get(e)), "");
  EXPECT_EQ(read_file(cache.get(client.put_file(a))), "same bytes");
}

TEST_F(BlobServiceFixture, CorruptedCachedFileIsDetectedAndFetchedAgain) {
  const std::string bytes = random_bytes(kBlobChunkBytes + 1, 11);
  BlobKey key = store_->put(bytes);
  BlobCache cache(address_, dir_.path / "cache");
  auto local = cache.get(key);
  std::string broken = bytes;
  broken[broken.size() / 2] ^= 0x5a;
  write_file(local, broken);

  EXPECT_EQ(read_file(cache.get(key)), bytes);
  EXPECT_EQ(cache.downloads(), 2);
}

// Flink's PermanentBlobCache: a TaskManager's cached file goes once no job there uses it any more (after
// blob.service.cleanup.interval; 0 here: at once). Two jobs share one library, one of them has a second.
TEST_F(BlobServiceFixture, AFileGoesWhenTheLastJobUsingItIsReleased) {
  BlobKey shared = store_->put(random_bytes(kBlobChunkBytes + 3, 21));
  BlobKey own = store_->put(random_bytes(100, 22));
  BlobCache cache(address_, dir_.path / "cache", std::chrono::milliseconds(0));
  const auto shared_path = cache.get(shared, "job-1");
  const auto own_path = cache.get(own, "job-1");
  EXPECT_EQ(cache.get(shared, "job-2"), shared_path);
  EXPECT_EQ(cache.downloads(), 2);
  EXPECT_EQ(cache.jobs(), (std::set<std::string>{"job-1", "job-2"}));

  cache.release_job("job-1");
  EXPECT_FALSE(std::filesystem::exists(own_path)) << "job-1's own library outlived the job";
  EXPECT_TRUE(std::filesystem::exists(shared_path)) << "a library job-2 still uses was deleted";
  cache.release_job("job-2");
  EXPECT_FALSE(std::filesystem::exists(shared_path));
  EXPECT_TRUE(std::filesystem::is_empty(cache.directory()));
  EXPECT_TRUE(cache.jobs().empty());

  // A later job fetches it again and gets the same bytes.
  EXPECT_EQ(Sha256::of_file(cache.get(shared, "job-3")), shared);
  EXPECT_EQ(cache.downloads(), 3);
}

// Within the cleanup interval an unused file stays, and a job using it again keeps it (no new download).
TEST_F(BlobServiceFixture, AnUnusedFileStaysForTheCleanupIntervalAndIsReused) {
  BlobKey key = store_->put(random_bytes(500, 23));
  Configuration conf;
  conf.set("blob.storage.directory", (dir_.path / "caches").string());
  BlobCache cache(address_, conf);  // blob.service.cleanup.interval: 3600 s by default
  const auto path = cache.get(key, "job-1");
  cache.release_job("job-1");
  cache.sweep();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(cache.get(key, "job-2"), path);
  EXPECT_EQ(cache.downloads(), 1);
  EXPECT_EQ(cache.jobs(), std::set<std::string>{"job-2"});
}

TEST(BlobStoreTest, ANegativeCleanupIntervalIsRefused) {
  Configuration conf;
  try {
    conf.set("blob.service.cleanup.interval", "-1");
    FAIL() << "a negative blob.service.cleanup.interval was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("blob.service.cleanup.interval"), std::string::npos) << e.what();
  }
}

TEST_F(BlobServiceFixture, CorruptDownloadIsRefusedAndNothingIsCached) {
  BlobKey key = store_->put(random_bytes(2 * kBlobChunkBytes, 13));
  // The server's copy rots on disk: what it sends no longer hashes to the key.
  std::string rotten = read_file(store_->path_of(key).str());
  rotten[0] ^= 1;
  write_file(store_->path_of(key).str(), rotten);

  BlobCache cache(address_, dir_.path / "cache");
  try {
    cache.get(key);
    FAIL() << "a corrupt download was accepted";
  } catch (const BlobCorruptError& e) {
    EXPECT_NE(std::string(e.what()).find(key.hex()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(cache.directory()));
}

TEST_F(BlobServiceFixture, UnknownKeyIsAClearError) {
  BlobKey unknown = Sha256::of("never stored");
  BlobCache cache(address_, dir_.path / "cache");
  try {
    cache.get(unknown);
    FAIL() << "an unknown key was served";
  } catch (const BlobNotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown blob key " + unknown.hex()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(cache.directory()));
  EXPECT_THROW(store_->path_of(unknown), BlobNotFoundError);
}

// A peer of the JobManager's RPC port cannot fill the blob store's disk: an upload beyond
// blob.server.max-upload-size is refused once its bytes pass the bound, naming it, and nothing of it stays
// (the streamed file is discarded); an upload of exactly the bound is stored.
class BoundedBlobService : public BlobServiceFixture {
 protected:
  BoundedBlobService() { max_upload_bytes_ = 2 * kBlobChunkBytes + 100; }
};

size_t files_under(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

TEST_F(BoundedBlobService, AnUploadBeyondTheBoundIsRefusedNamingItAndLeavesNothing) {
  auto big = dir_.path / "big.so";
  write_file(big, random_bytes(3 * kBlobChunkBytes, 5));
  try {
    BlobClient(address_).put_file(big);
    FAIL() << "an upload over the bound was stored";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(fmt::format("exceeds the {} bytes", max_upload_bytes_)),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("blob.server.max-upload-size"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store_->contains(Sha256::of(random_bytes(3 * kBlobChunkBytes, 5))));
  EXPECT_EQ(files_under(store_->storage_directory().str()), 0u);

  const std::string fits = random_bytes(max_upload_bytes_, 6);
  auto small = dir_.path / "small.so";
  write_file(small, fits);
  BlobKey key = BlobClient(address_).put_file(small);
  EXPECT_EQ(read_file(store_->path_of(key).str()), fits);
  EXPECT_EQ(files_under(store_->storage_directory().str()), 1u);
}

TEST(BlobStoreTest, ABadMaxUploadSizeIsRefusedNamingTheKey) {
  Configuration conf;
  for (const std::string v : {"0", "-1", "lots"}) {
    try {
      conf.set("blob.server.max-upload-size", v);
      ADD_FAILURE() << v << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("blob.server.max-upload-size"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(conf.get_memory(options::kBlobMaxUploadSize, true), static_cast<int64_t>(kDefaultMaxUploadBytes));
}

TEST_F(BlobServiceFixture, UnreachableServerNamesTheAddress) {
  server_->Shutdown();
  BlobCache cache(address_, dir_.path / "cache");
  try {
    cache.get(Sha256::of("x"));
    FAIL() << "a download from a stopped server succeeded";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(address_), std::string::npos) << e.what();
  }
}

TEST(BlobStoreTest, UnusableDirectoryNamesThePath) {
  TempDir dir;
  auto file = dir.path / "a-file";
  write_file(file, "not a directory");
  auto inside = file / "blobs";
  try {
    BlobServer server(inside);
    FAIL() << "a blob store under a regular file was created";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(inside.string()), std::string::npos) << e.what();
  }
  Configuration conf;
  conf.set("blob.storage.directory", file.string());
  try {
    BlobServer server(conf);
    FAIL() << "a blob store under a regular file was created";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

TEST(BlobStoreTest, ConfiguredParentGetsAFreshStoreRemovedAtTheEnd) {
  TempDir dir;
  Configuration conf;
  conf.set("blob.storage.directory", dir.path.string());
  std::filesystem::path store_dir;
  {
    BlobServer server(conf);
    store_dir = server.storage_directory().str();
    EXPECT_EQ(store_dir.parent_path(), dir.path);
    EXPECT_EQ(store_dir.filename().string().rfind("blobStore-", 0), 0u);
    BlobKey k = server.put("bytes");
    EXPECT_TRUE(server.contains(k));
  }
  EXPECT_FALSE(std::filesystem::exists(store_dir));
}

TEST(BlobStoreTest, DefaultStoreIsATemporaryDirectoryRemovedAtTheEnd) {
  std::filesystem::path store_dir;
  {
    BlobServer server{Configuration{}};
    store_dir = server.storage_directory().str();
    EXPECT_EQ(store_dir.parent_path(), std::filesystem::temp_directory_path());
    EXPECT_TRUE(std::filesystem::is_directory(store_dir));
  }
  EXPECT_FALSE(std::filesystem::exists(store_dir));
}

TEST(BlobStoreTest, BlobsGoThroughTheFileSystemLayerAndAFailedCommitStoresNothing) {
  TempDir dir;
  auto faulty = std::make_shared<fs::FaultInjectingFileSystem>(std::make_shared<fs::LocalFileSystem>());
  faulty->inject(fs::FsOp::kCommit, 1, fs::Fault::kFail);  // the fsync, rename or directory fsync fails
  fs::set_for_testing("file", faulty);
  BlobServer store((dir.path / "store").string());
  try {
    store.put("bytes");
    fs::set_for_testing("file", nullptr);
    FAIL() << "a put whose commit failed succeeded";
  } catch (const fs::FileSystemError& e) {
    EXPECT_NE(std::string(e.what()).find("injected fault"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store.contains(Sha256::of("bytes")));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path / "store")) << "a failed put left a file behind";
  // The next put of the same content stores it; an upload without a key spools, then commits once.
  BlobKey k = store.put("bytes");
  auto w = store.begin_put();
  w->write("other ");
  w->write("bytes");
  BlobKey k2 = w->commit();
  fs::set_for_testing("file", nullptr);
  EXPECT_EQ(k2, Sha256::of("other bytes"));
  EXPECT_EQ(read_file(store.path_of(k).str()), "bytes");
  EXPECT_EQ(read_file(store.path_of(k2).str()), "other bytes");
  EXPECT_EQ(faulty->count(fs::FsOp::kCommit), 3u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path / "store"), {}), 2);
}

TEST(BlobStoreTest, BadKeyTextIsRefused) {
  EXPECT_THROW(BlobKey::parse("abc"), WeirError);
  EXPECT_THROW(BlobKey::parse(std::string(64, 'g')), WeirError);
  EXPECT_EQ(BlobKey::parse(std::string(64, 'A')).hex(), std::string(64, 'a'));
  EXPECT_EQ(Sha256::of("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace weir::cluster::blob
