// Local recovery of the shared files of incremental checkpoints (fs/local_file_copies.h): the heap
// backend's chain files and RocksDB's SST files. A backend that keeps local copies leaves a verified copy
// of every shared file its checkpoint needs; a backend restoring with local recovery reads them and
// nothing from the checkpoint storage (shown by deleting the checkpoint storage's shared/ directory
// first); a corrupt copy is passed over, named, and the remote file read instead; a restore of a heap chain
// from the checkpoint storage fills the copies for the next restore. The copies no remaining checkpoint
// needs are removed once a later checkpoint completes. The restored state equals what the test wrote.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "state_backend_support.h"
#include "weir/common/serializer.h"
#include "weir/fs/local_file_copies.h"
#include "weir/state/state_factory.h"

namespace weir {
namespace {

namespace sfs = std::filesystem;

std::string key_bytes(int64_t k) {
  return serialize_to_string(k);
}

// Names of the regular files directly in `dir` with `suffix` (sorted).
std::vector<std::string> files_in(const sfs::path& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (sfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LocalSharedCopiesTest : public ::testing::TestWithParam<std::string> {
 protected:
  LocalSharedCopiesTest() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name)
      if (c == '/') c = '_';
    dir_ = sfs::temp_directory_path() / ("weir-local-shared-" + std::to_string(::getpid()) + "-" + name);
    sfs::remove_all(dir_);
    conf_ = testing_support::state_backend_config(GetParam());
    conf_.set("execution.checkpointing.incremental", "true");
  }
  ~LocalSharedCopiesTest() override { sfs::remove_all(dir_); }

  //! A backend keeping copies in `local` (its local state directory; copies below local/shared), reading
  //! them on restore when `from_local`.
  std::unique_ptr<state::KeyedStateBackend> backend(const sfs::path& local, bool from_local) {
    auto b = testing_support::make_state_backend(GetParam(), {0, 127}, 128, clock_, &conf_);
    b->set_local_recovery(std::make_shared<fs::LocalFileCopies>((local / "shared").string()), from_local,
                          local.string());
    return b;
  }
  std::string chk(int64_t id) const { return (dir_ / "job" / ("chk-" + std::to_string(id))).string(); }
  sfs::path remote_shared() const { return dir_ / "job" / "shared"; }
  std::string suffix() const { return GetParam() == "rocksdb" ? ".sst" : ".heap-chain"; }

  //! Writes values for `keys` keys (a round's worth) and records them in `want`.
  void write(state::KeyedStateBackend& b, int round, int keys) {
    auto* v = state::value_state(b, ValueStateDescriptor<std::string>("value"));
    for (int64_t k = 0; k < keys; ++k) {
      if ((k + round) % 3 == 0 && round > 0) continue;  // later rounds change two thirds of the keys
      b.set_current_key(key_bytes(k));
      std::string value =
          "r" + std::to_string(round) + "-" + std::string(40, static_cast<char>('a' + k % 26));
      v->update(value);
      want_[k] = value;
    }
  }
  void expect_restored(state::KeyedStateBackend& b) {
    auto* v = state::value_state(b, ValueStateDescriptor<std::string>("value"));
    for (const auto& [k, value] : want_) {
      b.set_current_key(key_bytes(k));
      ASSERT_EQ(v->value(), std::optional(value)) << "key " << k;
    }
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1000);
  sfs::path dir_;
  Configuration conf_;
  std::map<int64_t, std::string> want_;
};

TEST_P(LocalSharedCopiesTest, RestoresReadOnlyLocalCopiesAndCorruptOnesFallBackNamed) {
  const sfs::path local = dir_ / "tm";
  auto b = backend(local, true);
  std::string handle;
  for (int64_t id = 1; id <= 3; ++id) {
    write(*b, static_cast<int>(id - 1), 3000);
    handle = b->snapshot_native({id, false, chk(id)});
  }
  // Every shared file of the checkpoint storage has a copy with the same bytes (RocksDB: of the files the
  // last checkpoint still needs, which are all that remain once older checkpoints are subsumed).
  const auto copies = files_in(local / "shared", suffix());
  ASSERT_FALSE(copies.empty());
  for (const auto& name : copies) {
    std::ifstream a(remote_shared() / name, std::ios::binary), c(local / "shared" / name, std::ios::binary);
    ASSERT_TRUE(a.good()) << name << " is a copy of no shared file";
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}),
              std::string(std::istreambuf_iterator<char>(c), {}))
        << name;
  }

  // A corrupt copy: passed over with its name given, the remote file read instead.
  {
    const sfs::path victim = local / "shared" / copies.front();
    std::string bytes;
    {
      std::ifstream in(victim, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    sfs::remove(victim);  // a hard link may share its inode with the live database: replace, not modify
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(victim, std::ios::binary) << bytes;
    auto r = backend(dir_ / "other-tm", true);
    sfs::create_directories(dir_ / "other-tm");
    sfs::copy(local / "shared", dir_ / "other-tm" / "shared");
    r->restore_native({handle}, chk(3));
    expect_restored(*r);
    const auto& reads = r->restore_reads();
    ASSERT_EQ(reads.local_fallbacks.size(), 1u);
    EXPECT_NE(reads.local_fallbacks[0].find(copies.front()), std::string::npos) << reads.local_fallbacks[0];
    EXPECT_NE(reads.local_fallbacks[0].find("checksum"), std::string::npos) << reads.local_fallbacks[0];
    EXPECT_GT(reads.remote_bytes, 0u);
    EXPECT_GT(reads.local_bytes, 0u);
  }

  // With every copy intact, the checkpoint storage's shared files are not needed at all.
  sfs::remove(local / "shared" / copies.front());
  sfs::remove(local / "shared" / (copies.front() + ".crc"));
  sfs::copy_file(remote_shared() / copies.front(), dir_ / "good-copy");
  fs::LocalFileCopies(local.string() + "/shared").add((dir_ / "good-copy").string(), copies.front());
  sfs::remove_all(remote_shared());
  auto r = backend(dir_ / "tm", true);
  r->restore_native({handle}, chk(3));
  expect_restored(*r);
  EXPECT_EQ(r->restore_reads().remote_bytes, 0u);
  EXPECT_GT(r->restore_reads().local_bytes, 0u);
  EXPECT_TRUE(r->restore_reads().local_fallbacks.empty());
}

TEST_P(LocalSharedCopiesTest, WithoutLocalRecoveryRestoresReadTheCheckpointStorage) {
  auto b = backend(dir_ / "tm", true);
  write(*b, 0, 2000);
  std::string handle = b->snapshot_native({1, false, chk(1)});
  auto r = backend(dir_ / "tm", false);
  r->restore_native({handle}, chk(1));
  expect_restored(*r);
  EXPECT_GT(r->restore_reads().remote_bytes, 0u);
  EXPECT_EQ(r->restore_reads().local_bytes, 0u);
}

TEST_P(LocalSharedCopiesTest, ARestoreFromTheCheckpointStorageFillsTheCopiesForTheNext) {
  auto b = testing_support::make_state_backend(GetParam(), {0, 127}, 128, clock_, &conf_);  // no copies
  write(*b, 0, 2000);
  b->snapshot_native({1, false, chk(1)});
  write(*b, 1, 2000);
  std::string handle = b->snapshot_native({2, false, chk(2)});

  const sfs::path local = dir_ / "tm";
  auto first = backend(local, true);
  first->restore_native({handle}, chk(2));
  expect_restored(*first);
  EXPECT_GT(first->restore_reads().remote_bytes, 0u);
  // The heap chain is downloaded into the copies as it is read; RocksDB's files become copies with the
  // next checkpoint (hard links of the live database's files, nothing read remotely).
  write(*first, 2, 500);
  std::string next = first->snapshot_native({3, false, chk(3)});
  sfs::remove_all(remote_shared());  // from here on, only the copies hold the shared files
  auto second = backend(local, true);
  second->restore_native({next}, chk(3));
  expect_restored(*second);
  EXPECT_EQ(second->restore_reads().remote_bytes, 0u);
  EXPECT_GT(second->restore_reads().local_bytes, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, LocalSharedCopiesTest,
                         ::testing::ValuesIn(testing_support::kStateBackends), testing_support::backend_name);

// The copies directory itself: verified lookups, and references deciding what stays.
TEST(LocalFileCopiesTest, ReferencesKeepCopiesUntilALaterCheckpointCompletes) {
  const sfs::path dir = sfs::temp_directory_path() / ("weir-local-copies-" + std::to_string(::getpid()));
  sfs::remove_all(dir);
  fs::LocalFileCopies copies((dir / "shared").string());
  auto put = [&](const std::string& name, const std::string& bytes) {
    sfs::create_directories(dir / "shared");
    std::ofstream(copies.path_of(name), std::ios::binary) << bytes;
    copies.seal(name);
  };
  put("a", "aaaa");
  put("b", "bbbb");
  put("c", "cccc");
  copies.reference(1, "x", {"a", "b"});
  copies.reference(2, "x", {"b", "c"});
  copies.reference(2, "y", {"a"});  // another backend of the same subtask
  std::string why;
  EXPECT_EQ(copies.find("a", &why), copies.path_of("a"));
  EXPECT_EQ(copies.find("missing", &why), std::nullopt);
  EXPECT_TRUE(why.empty());

  copies.release_before(2);  // checkpoint 2 completed: 1's references go; all three are still needed
  EXPECT_TRUE(copies.has("a") && copies.has("b") && copies.has("c"));
  copies.reference(3, "x", {"c"});
  copies.release(2);  // 2 aborted instead: only c stays
  EXPECT_FALSE(copies.has("a"));
  EXPECT_FALSE(copies.has("b"));
  EXPECT_TRUE(copies.has("c"));
  EXPECT_FALSE(sfs::exists(copies.path_of("a") + ".crc"));

  // A copy of another size is refused, named, and removed.
  std::ofstream(copies.path_of("c"), std::ios::binary | std::ios::app) << "x";
  EXPECT_EQ(copies.find("c", &why), std::nullopt);
  EXPECT_NE(why.find("another size"), std::string::npos) << why;
  EXPECT_FALSE(copies.has("c"));

  EXPECT_THROW(copies.path_of("../escape"), WeirError);
  EXPECT_THROW(copies.path_of(""), WeirError);
  EXPECT_EQ(fs::LocalFileCopies::name_of("shared/x-7.sst"), "x-7.sst");
  sfs::remove_all(dir);
}

}  // namespace
}  // namespace weir
