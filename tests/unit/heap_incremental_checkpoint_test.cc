// The heap backend's incremental checkpoints (state/heap/heap_keyed_state_backend.cc), driven directly:
// random changes to value, list and map states and to timers, a checkpoint after each round, and a
// restore of any round's chain into a fresh backend must give exactly what a plain std::map model held
// at that round. Also: changes made while a checkpoint is in flight stay out of it, a chain starts over
// when its increments outweigh its base, a part that was never written breaks the chain (the next
// checkpoint fails, the one after starts a new chain), restores at other parallelisms read only their key
// groups, damaged files are named, and a RocksDB backend refuses a heap chain.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "state_backend_support.h"
#include "weir/common/data_io.h"
#include "weir/common/serializer.h"
#include "weir/state/heap/heap_keyed_state_backend.h"
#include "weir/state/state_factory.h"

namespace weir {
namespace {

namespace sfs = std::filesystem;

constexpr int64_t kKeys = 400;

//! What the states and the event-time timers hold: the reference the restored backends must equal.
struct Model {
  std::map<int64_t, std::string> values;
  std::map<int64_t, std::vector<int64_t>> lists;
  std::map<int64_t, std::map<int64_t, std::string>> maps;
  std::set<std::pair<KeyGroup, state::TimerEntry>> timers;
};

std::string key_bytes(int64_t k) {
  return serialize_to_string(k);
}

class HeapIncrementalTest : public ::testing::Test {
 protected:
  HeapIncrementalTest() {
    dir_ = sfs::temp_directory_path() / ("weir-heap-incremental-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    sfs::remove_all(dir_);
    conf_ = testing_support::state_backend_config("hashmap");
    conf_.set("execution.checkpointing.incremental", "true");
  }
  ~HeapIncrementalTest() override { sfs::remove_all(dir_); }

  std::unique_ptr<state::KeyedStateBackend> backend(KeyGroupRange range = {0, 127}) {
    return testing_support::make_state_backend("hashmap", range, 128, clock_, &conf_);
  }
  std::string chk(int64_t id) const { return (dir_ / "job" / ("chk-" + std::to_string(id))).string(); }

  struct States {
    state::InternalValueState<std::string>* value;
    state::InternalListState<int64_t>* list;
    state::InternalMapState<int64_t, std::string>* map;
    std::shared_ptr<state::TimerStore> timers;
  };
  static States states(state::KeyedStateBackend& b) {
    return {state::value_state(b, ValueStateDescriptor<std::string>("value")),
            state::list_state(b, ListStateDescriptor<int64_t>("list")),
            state::map_state(b, MapStateDescriptor<int64_t, std::string>("map")),
            b.create_timer_store("event")};
  }

  //! One round of random changes to the backend and the model alike (keys in `range` only).
  void mutate(state::KeyedStateBackend& b, States& s, Model& m, int ops, KeyGroupRange range = {0, 127}) {
    for (int i = 0; i < ops; ++i) {
      int64_t k = static_cast<int64_t>(rng_() % kKeys);
      std::string kb = key_bytes(k);
      KeyGroup kg = key_group_for_key_bytes(kb, 128);
      if (!range.contains(kg)) continue;
      b.set_current_key(kb);
      int64_t v = static_cast<int64_t>(rng_() % 1000);
      switch (rng_() % 9) {
        case 0:
        case 1:
          s.value->update("v" + std::to_string(v));
          m.values[k] = "v" + std::to_string(v);
          break;
        case 2:
          s.value->clear();
          m.values.erase(k);
          break;
        case 3:
          s.list->add(v);
          m.lists[k].push_back(v);
          break;
        case 4:
          s.list->clear();
          m.lists.erase(k);
          break;
        case 5:
          s.map->put(v % 7, "m" + std::to_string(v));
          m.maps[k][v % 7] = "m" + std::to_string(v);
          break;
        case 6:
          s.map->remove(v % 7);
          if (auto it = m.maps.find(k); it != m.maps.end()) {
            it->second.erase(v % 7);
            if (it->second.empty()) m.maps.erase(it);
          }
          break;
        case 7: {
          state::TimerEntry t{v, kb, v % 2 ? "w" : ""};
          s.timers->add(kg, t);
          m.timers.insert({kg, t});
          break;
        }
        case 8:
          if (!s.timers->empty() && s.timers->peek_ts() < v) {  // fire the earliest
            auto fired = s.timers->poll();
            EXPECT_EQ(m.timers.erase(fired), 1u);
          } else {
            state::TimerEntry t{v, kb, ""};
            s.timers->remove(kg, t);
            m.timers.erase({kg, t});
          }
          break;
      }
    }
  }

  //! The restored backend holds exactly the model's entries of `range`.
  static void expect_equal(state::KeyedStateBackend& b, const Model& m, KeyGroupRange range = {0, 127}) {
    States s = states(b);
    size_t timers = 0;
    for (int64_t k = 0; k < kKeys; ++k) {
      std::string kb = key_bytes(k);
      KeyGroup kg = key_group_for_key_bytes(kb, 128);
      if (!range.contains(kg)) continue;
      b.set_current_key(kb);
      auto v = m.values.find(k);
      EXPECT_EQ(s.value->value(), v == m.values.end() ? std::nullopt : std::optional(v->second)) << k;
      auto l = m.lists.find(k);
      EXPECT_EQ(s.list->get(), l == m.lists.end() ? std::vector<int64_t>{} : l->second) << k;
      auto mm = m.maps.find(k);
      std::map<int64_t, std::string> got;
      for (auto& [uk, uv] : s.map->entries()) got[uk] = uv;
      const std::map<int64_t, std::string> want =
          mm == m.maps.end() ? std::map<int64_t, std::string>() : mm->second;
      EXPECT_EQ(got, want) << k;
    }
    for (KeyGroup kg = range.start; kg <= range.end; ++kg) {
      std::vector<state::TimerEntry> want;
      for (const auto& [g, t] : m.timers)
        if (g == kg) want.push_back(t);
      EXPECT_EQ(s.timers->sorted_group(kg), want) << "key group " << kg;
      timers += want.size();
    }
    EXPECT_EQ(s.timers->size(), timers);
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1000);
  std::mt19937_64 rng_{42};
  sfs::path dir_;
  Configuration conf_;
};

TEST_F(HeapIncrementalTest, EveryRoundRestoresToTheModelAndIncrementsAreSmall) {
  auto b = backend();
  States s = states(*b);
  Model m;
  std::vector<std::pair<std::string, Model>> taken;  // handle, model at that checkpoint
  size_t increments = 0;
  for (int64_t id = 1; id <= 12; ++id) {
    mutate(*b, s, m, id == 1 ? 4000 : 150);
    std::string handle = b->snapshot_native({id, false, chk(id)});
    auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(b.get());
    increments += heap->chain().size() > 1;
    taken.emplace_back(handle, m);
  }
  EXPECT_GE(increments, 5u) << "most checkpoints after the first only add their changes";
  for (size_t i = 0; i < taken.size(); ++i) {
    SCOPED_TRACE("checkpoint " + std::to_string(i + 1));
    auto restored = backend();
    restored->restore_native({taken[i].first}, chk(static_cast<int64_t>(i + 1)));
    expect_equal(*restored, taken[i].second);
  }
}

TEST_F(HeapIncrementalTest, ChangesWhileACheckpointIsInFlightStayOutOfIt) {
  auto b = backend();
  States s = states(*b);
  Model m;
  mutate(*b, s, m, 3000);
  b->snapshot_native({1, false, chk(1)});
  mutate(*b, s, m, 300);
  Model at_two = m;
  state::NativeSnapshot two = b->take_native_snapshot({2, false, chk(2)});
  mutate(*b, s, m, 2000);  // after the pin, before the upload: copy-on-write keeps them out
  two.upload();
  auto restored = backend();
  restored->restore_native({two.handle}, chk(2));
  expect_equal(*restored, at_two);
  // The backend itself goes on from its own state: the next increment holds the later changes.
  std::string three = b->snapshot_native({3, false, chk(3)});
  auto again = backend();
  again->restore_native({three}, chk(3));
  expect_equal(*again, m);
}

TEST_F(HeapIncrementalTest, TheChainStartsOverWhenItsIncrementsOutweighItsBase) {
  auto b = backend();
  States s = states(*b);
  Model m;
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(b.get());
  mutate(*b, s, m, 500);  // a small base: below kMinRebaseBytes the increments may grow to 1 MB
  b->snapshot_native({1, false, chk(1)});
  size_t longest = 1;
  bool restarted = false;
  for (int64_t id = 2; id <= 40 && !restarted; ++id) {
    for (int i = 0; i < 2000; ++i) {  // large values: each round adds ~100 KB of changes
      int64_t k = static_cast<int64_t>(rng_() % kKeys);
      b->set_current_key(key_bytes(k));
      std::string v(50 + rng_() % 50, static_cast<char>('a' + id % 26));
      s.value->update(v);
      m.values[k] = v;
    }
    b->snapshot_native({id, false, chk(id)});
    restarted = heap->chain().size() < longest;
    longest = std::max(longest, heap->chain().size());
  }
  EXPECT_TRUE(restarted) << "chain grew to " << longest << " files without starting over";
  EXPECT_GE(longest, 3u);
  EXPECT_LE(longest, state::HeapKeyedStateBackend::kMaxChainFiles);
}

TEST_F(HeapIncrementalTest, APartNeverWrittenFailsTheNextCheckpointAndTheOneAfterStartsANewChain) {
  auto b = backend();
  States s = states(*b);
  Model m;
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(b.get());
  mutate(*b, s, m, 2000);
  b->snapshot_native({1, false, chk(1)});
  mutate(*b, s, m, 100);
  { state::NativeSnapshot dropped = b->take_native_snapshot({2, false, chk(2)}); }  // aborted: never written
  mutate(*b, s, m, 100);
  state::NativeSnapshot three = b->take_native_snapshot({3, false, chk(3)});
  EXPECT_EQ(heap->chain().size(), 3u);
  try {
    three.upload();
    FAIL() << "an increment after a part that was never written must not be written";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("was not written"), std::string::npos) << e.what();
  }
  mutate(*b, s, m, 100);
  std::string four = b->snapshot_native({4, false, chk(4)});
  EXPECT_EQ(heap->chain().size(), 1u) << "a new chain, from a full snapshot";
  auto restored = backend();
  restored->restore_native({four}, chk(4));
  expect_equal(*restored, m);
}

TEST_F(HeapIncrementalTest, RestoresAtAnotherParallelismTakeTheirKeyGroupsFromEveryOldChain) {
  const KeyGroupRange left{0, 63}, right{64, 127};
  auto a = backend(left), c = backend(right);
  States sa = states(*a), sc = states(*c);
  Model m;
  std::string ha, hc;
  for (int64_t id = 1; id <= 4; ++id) {
    mutate(*a, sa, m, 1500, left);
    mutate(*c, sc, m, 1500, right);
    ha = a->snapshot_native({id, false, chk(id)});
    hc = c->snapshot_native({id, false, chk(id)});
  }
  auto whole = backend();  // p=2 -> p=1
  whole->restore_native({ha, hc}, chk(4));
  expect_equal(*whole, m);
  auto middle = backend({32, 95});  // a range across both
  middle->restore_native({ha, hc}, chk(4));
  expect_equal(*middle, m, {32, 95});
  // A restore at another range starts a new chain (its first checkpoint is full).
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(middle.get());
  EXPECT_TRUE(heap->chain().empty());
  // The same range adopts the chain: the next checkpoint is an increment of it.
  auto same = backend(left);
  same->restore_native({ha}, chk(4));
  States ss = states(*same);
  Model ml;
  for (const auto& [k, v] : m.values)
    if (left.contains(key_group_for_key_bytes(key_bytes(k), 128))) ml.values[k] = v;
  for (const auto& [k, v] : m.lists)
    if (left.contains(key_group_for_key_bytes(key_bytes(k), 128))) ml.lists[k] = v;
  for (const auto& [k, v] : m.maps)
    if (left.contains(key_group_for_key_bytes(key_bytes(k), 128))) ml.maps[k] = v;
  for (const auto& t : m.timers)
    if (left.contains(t.first)) ml.timers.insert(t);
  mutate(*same, ss, ml, 300, left);
  std::string next = same->snapshot_native({5, false, chk(5)});
  EXPECT_EQ(dynamic_cast<state::HeapKeyedStateBackend*>(same.get())->chain().size(), 5u);
  auto after = backend(left);
  after->restore_native({next}, chk(5));
  expect_equal(*after, ml, left);
}

TEST_F(HeapIncrementalTest, StateNotAccessedAfterARestoreStaysInTheChain) {
  auto b = backend();
  States s = states(*b);
  Model m;
  mutate(*b, s, m, 3000);
  b->snapshot_native({1, false, chk(1)});
  mutate(*b, s, m, 200);
  std::string two = b->snapshot_native({2, false, chk(2)});
  // Restored, then checkpointed before any state is accessed: first increments (the restored state is in
  // the chain already), then, once the chain is at its longest, a full snapshot that writes the restored
  // state (with its removals) from where it waits.
  auto r = backend();
  r->restore_native({two}, chk(2));
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(r.get());
  std::string three = r->snapshot_native({3, false, chk(3)});
  EXPECT_EQ(heap->chain().size(), 3u);
  auto r2 = backend();
  r2->restore_native({three}, chk(3));
  expect_equal(*r2, m);
  int64_t id = 3;
  std::string full;
  while (heap->chain().size() != 1) {
    ASSERT_LT(id, 100);
    ++id;
    full = r->snapshot_native({id, false, chk(id)});
  }
  auto r4 = backend();
  r4->restore_native({full}, chk(id));
  expect_equal(*r4, m);
  // A savepoint (canonical) of state restored from increments with removals, never accessed, says why it
  // cannot be written rather than writing something wrong.
  auto r3 = backend();
  r3->restore_native({two}, chk(2));
  bool refused = false;
  try {
    for (KeyGroup kg = 0; kg < 128; ++kg) {
      DataOutput out;
      r3->snapshot_key_group(kg, out);
    }
  } catch (const WeirError& e) {
    refused = true;
    EXPECT_NE(std::string(e.what()).find("has not been accessed since"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(refused) << "the increments removed keys: a canonical snapshot cannot hold that";
}

TEST_F(HeapIncrementalTest, ADamagedChainFileIsNamedAndRocksDBRefusesAHeapChain) {
  auto b = backend();
  States s = states(*b);
  Model m;
  mutate(*b, s, m, 2000);
  b->snapshot_native({1, false, chk(1)});
  mutate(*b, s, m, 200);
  std::string two = b->snapshot_native({2, false, chk(2)});
  auto* heap = dynamic_cast<state::HeapKeyedStateBackend*>(b.get());
  const std::string last = (dir_ / "job" / heap->chain().back()).string();
  {
    std::string bytes;
    {
      std::ifstream in(last, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    ASSERT_GT(bytes.size(), 40u);
    bytes[20] ^= 0x5a;  // inside the first record
    std::ofstream out(last, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  try {
    auto r = backend();
    r->restore_native({two}, chk(2));
    FAIL() << "a damaged chain file must not restore";
  } catch (const SerializationError& e) {
    EXPECT_NE(std::string(e.what()).find(last), std::string::npos) << e.what();
  }
  Configuration rocks = testing_support::state_backend_config("rocksdb");
  auto r = testing_support::make_state_backend("rocksdb", {0, 127}, 128, clock_, &rocks);
  try {
    r->restore_native({two}, chk(2));
    FAIL() << "RocksDB must refuse a heap chain";
  } catch (const WeirError& e) {
    EXPECT_NE(std::string(e.what()).find("'hashmap' backend"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir
