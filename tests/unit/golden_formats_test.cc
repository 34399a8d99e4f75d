// Golden bytes: what savepoints and checkpoints written by earlier builds hold must stay readable, and
// where keys go must not move. A refactor that changes any of these silently would make every retained
// checkpoint and savepoint unusable (or, for key groups, restore state into the wrong subtasks), so the
// expected values below were written down once, from the code of 2026-12-04, and are never regenerated
// to make a test pass: a change to them is a format change and needs a new version and a reader of the
// old one.
//  - key groups: the key group of serialized keys (murmur hash of the key bytes), and each subtask's range;
//  - serializers: the bytes of values of each supported kind;
//  - a checkpoint directory (tests/golden/checkpoint-v1: `_metadata` and WEIRTS04 task files of two
//    subtasks, operator list state and keyed key-group blocks): it restores, at parallelism 1 and 2, to
//    exactly the state the generator below describes.
// WEIR_WRITE_GOLDEN=<dir> writes the checkpoint fixture into <dir> instead (only for a new version).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "weir/checkpoint/checkpoint_storage.h"
#include "weir/common/key_group.h"
#include "weir/common/serializer.h"

namespace weir {
namespace {

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

TEST(GoldenFormats, KeyGroupsOfSerializedKeysNeverMove) {
  struct Case {
    std::string key;  // serialized key bytes
    int32_t max_parallelism;
    KeyGroup want;
  };
  const std::vector<Case> cases = {
      {serialize_to_string<int64_t>(0), 128, 107},
      {serialize_to_string<int64_t>(1), 128, 91},
      {serialize_to_string<int64_t>(42), 128, 6},
      {serialize_to_string<int64_t>(-7), 128, 69},
      {serialize_to_string<int64_t>(1000003), 128, 26},
      {serialize_to_string<int64_t>(42), 32768, 18694},
      {serialize_to_string(std::string("weir")), 128, 102},
      {serialize_to_string(std::string("")), 128, 55},
      {serialize_to_string(std::string("user-17")), 4096, 2560},
  };
  const bool print = std::getenv("WEIR_PRINT_GOLDEN") != nullptr;
  for (const auto& c : cases) {
    KeyGroup got = key_group_for_key_bytes(c.key, c.max_parallelism);
    if (print) std::printf("key %s max %d -> %d\n", hex(c.key).c_str(), c.max_parallelism, got);
    EXPECT_EQ(got, c.want) << "key " << hex(c.key) << " at max parallelism " << c.max_parallelism;
  }
}

TEST(GoldenFormats, SubtaskKeyGroupRangesNeverMove) {
  struct Case {
    int32_t max_parallelism, parallelism, subtask;
    KeyGroup start, end;
  };
  const std::vector<Case> cases = {
      {128, 1, 0, 0, 127},  {128, 2, 0, 0, 63}, {128, 2, 1, 64, 127}, {128, 3, 0, 0, 42}, {128, 3, 1, 43, 85},
      {128, 3, 2, 86, 127}, {10, 4, 0, 0, 2},   {10, 4, 1, 3, 4},     {10, 4, 2, 5, 7},   {10, 4, 3, 8, 9},
  };
  for (const auto& c : cases) {
    KeyGroupRange r = key_group_range_for_subtask(c.max_parallelism, c.parallelism, c.subtask);
    EXPECT_EQ(r.start, c.start) << c.max_parallelism << "/" << c.parallelism << "/" << c.subtask;
    EXPECT_EQ(r.end, c.end) << c.max_parallelism << "/" << c.parallelism << "/" << c.subtask;
  }
}

TEST(GoldenFormats, SerializedBytesNeverChange) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"int64 42", serialize_to_string<int64_t>(42)},
      {"int64 -1", serialize_to_string<int64_t>(-1)},
      {"int32 7", serialize_to_string<int32_t>(7)},
      {"double 1.5", serialize_to_string(1.5)},
      {"bool true", serialize_to_string(true)},
      {"string weir", serialize_to_string(std::string("weir"))},
      {"vector 1 2 3", serialize_to_string(std::vector<int64_t>{1, 2, 3})},
      {"optional none", serialize_to_string(std::optional<std::string>())},
      {"optional x", serialize_to_string(std::optional<std::string>("x"))},
      {"pair 5 five", serialize_to_string(std::pair<int64_t, std::string>(5, "five"))},
      {"tuple 1 a 2.0", serialize_to_string(std::tuple<int32_t, std::string, double>(1, "a", 2.0))},
      {"map a1 b2", serialize_to_string(std::map<std::string, int64_t>{{"a", 1}, {"b", 2}})},
  };
  const std::map<std::string, std::string> want = {
      {"int64 42", "2a00000000000000"},
      {"int64 -1", "ffffffffffffffff"},
      {"int32 7", "07000000"},
      {"double 1.5", "000000000000f83f"},
      {"bool true", "01"},
      {"string weir", "0477656972"},
      {"vector 1 2 3", "03010000000000000002000000000000000300000000000000"},
      {"optional none", "00"},
      {"optional x", "010178"},
      {"pair 5 five", "05000000000000000466697665"},
      {"tuple 1 a 2.0", "0100000001610000000000000040"},
      {"map a1 b2", "020161010000000000000001620200000000000000"},
  };
  const bool print = std::getenv("WEIR_PRINT_GOLDEN") != nullptr;
  for (const auto& [name, bytes] : cases) {
    if (print) std::printf("{\"%s\", \"%s\"},\n", name.c_str(), hex(bytes).c_str());
    EXPECT_EQ(hex(bytes), want.at(name)) << name;
  }
  // And they read back.
  EXPECT_EQ(deserialize_from_string<int64_t>(serialize_to_string<int64_t>(-1)), -1);
  EXPECT_EQ((deserialize_from_string<std::map<std::string, int64_t>>(cases.back().second)),
            (std::map<std::string, int64_t>{{"a", 1}, {"b", 2}}));
}

// ---- the checkpoint fixture ----
constexpr int kMaxParallelism = 8;
const std::string kJob = "golden-job";
const std::string kOp = "golden-uid";

// The state the fixture holds: written by two subtasks of max parallelism 8 at checkpoint 3.
std::map<KeyGroup, std::string> keyed_state() {
  std::map<KeyGroup, std::string> m;
  for (KeyGroup g = 0; g < kMaxParallelism; ++g)
    m[g] = g % 3 == 0 ? std::string() : fmt::format("sum={} kg={}", 300 + g, g);
  return m;
}
std::vector<std::string> list_state(int subtask) {
  return {fmt::format("pending-{}-a", subtask), fmt::format("pending-{}-b", subtask)};
}

checkpoint::TaskSnapshot subtask_snapshot(int subtask) {
  checkpoint::OperatorSnapshot op;
  op.checkpoint_id = 3;
  op.operator_id = kOp;
  op.subtask = subtask;
  op.parallelism = 2;
  KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, 2, subtask);
  for (const auto& [g, bytes] : keyed_state())
    if (range.contains(g)) op.keyed[g] = bytes;
  op.list_states["pending"] = list_state(subtask);
  return {0, subtask, {std::move(op)}};
}

std::string fixture_dir() {
  return std::string(WEIR_GOLDEN_DIR) + "/checkpoint-v1/" + kJob + "/chk-3";
}

TEST(GoldenFormats, ACheckpointWrittenByAnEarlierBuildRestoresAtAnyParallelism) {
  if (const char* out = std::getenv("WEIR_WRITE_GOLDEN")) {
    checkpoint::CheckpointStorage storage(out, kJob);
    const std::string dir = storage.checkpoint_dir(3);
    std::filesystem::create_directories(dir);
    checkpoint::CheckpointMetadata m;
    m.job_id = kJob;
    m.checkpoint_id = 3;
    m.vertices.push_back({0, "Golden", 2, kMaxParallelism, {kOp}});
    for (int s = 0; s < 2; ++s) m.tasks.push_back(storage.write_task_state(dir, subtask_snapshot(s)));
    storage.write_metadata(dir, m);
    GTEST_SKIP() << "wrote the fixture into " << dir;
  }
  const checkpoint::CompletedCheckpoint c = checkpoint::load_checkpoint(fixture_dir());
  EXPECT_EQ(c.metadata.job_id, kJob);
  EXPECT_EQ(c.metadata.checkpoint_id, 3);
  ASSERT_EQ(c.metadata.tasks.size(), 2u);
  for (int parallelism : {1, 2, 4}) {
    std::map<KeyGroup, std::string> keyed;
    std::vector<std::string> lists;
    for (int s = 0; s < parallelism; ++s) {
      KeyGroupRange range = key_group_range_for_subtask(kMaxParallelism, parallelism, s);
      auto handles = checkpoint::restore_handles_for(c, {kOp}, range);
      auto restored = checkpoint::read_task_restore(handles, range);
      for (const auto* part : restored.for_operator(kOp).parts) {
        for (const auto& [g, bytes] : part->keyed) {
          EXPECT_TRUE(range.contains(g)) << "key group " << g << " restored into subtask " << s;
          EXPECT_TRUE(keyed.emplace(g, bytes).second) << "key group " << g << " restored twice";
        }
        if (s == 0)
          for (const auto& [name, values] : part->list_states)
            if (name == "pending") lists.insert(lists.end(), values.begin(), values.end());
      }
    }
    EXPECT_EQ(keyed, keyed_state()) << "at parallelism " << parallelism;
    std::vector<std::string> want = list_state(0);
    for (const auto& v : list_state(1)) want.push_back(v);
    std::sort(lists.begin(), lists.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(lists, want) << "at parallelism " << parallelism << " (subtask 0's share of the list state)";
  }
}

}  // namespace
}  // namespace weir
