// The heap backend's copy-on-write map (state/heap/copy_on_write_state_map.h): a snapshot sees exactly
// the map at the moment it was pinned whatever the task thread does afterwards (overwrites, erases,
// inserts that rehash, TTL-style updates), several snapshots at once, released in any order, on another
// thread while writes go on; releasing frees every copy and retired node (counted with an entry type
// that counts its live instances). Then the heap states on top: a pinned backend snapshot writes the
// same bytes as the synchronous snapshot at the pin, for every state type, with TTL.
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "state_backend_support.h"
#include "weir/common/bytes_equal.h"
#include "weir/common/data_io.h"
#include "weir/common/hashing.h"
#include "weir/common/serializer.h"
#include "weir/state/heap/copy_on_write_state_map.h"
#include "weir/state/state_factory.h"

namespace weir {
namespace {

using state::CopyOnWriteStateMap;

// The inline comparison of keys and namespaces (common/bytes_equal.h) against memcmp: every length up to
// 40 (words from 4 to 32 bytes), equal keys, and keys that differ in exactly one byte, at every position.
TEST(BytesEqual, AgreesWithMemcmpForEveryLengthAndEveryDifferingByte) {
  std::mt19937_64 rng(7);
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n, '\0');
    for (auto& c : a) c = static_cast<char>(rng());
    std::string b = a;
    EXPECT_TRUE(bytes_equal(a, b)) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string c = a;
      c[i] = static_cast<char>(c[i] ^ 0x40);
      EXPECT_FALSE(bytes_equal(a, c)) << n << " " << i;
      EXPECT_FALSE(bytes_equal(c, a)) << n << " " << i;
    }
    if (n > 0) EXPECT_FALSE(bytes_equal(a, std::string_view(b).substr(0, n - 1))) << n;
  }
}

//! An entry that counts its live instances, so tests see every copy freed.
struct Counted {
  static inline std::atomic<int64_t> live{0};
  int64_t v = 0;
  std::string payload;  // heap memory of its own, so a double free or leak shows under ASan
  Counted() { ++live; }
  explicit Counted(int64_t x) : v(x), payload(std::to_string(x) + std::string(24, '.')) { ++live; }
  Counted(const Counted& o) : v(o.v), payload(o.payload) { ++live; }
  Counted(Counted&& o) noexcept : v(o.v), payload(std::move(o.payload)) { ++live; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() {
    --live;
    if (std::this_thread::get_id() == task_thread) ++freed_on_task_thread;
  }
  //! Frees on this thread are counted (a test that frees must not pause the task thread).
  static inline std::thread::id task_thread;
  static inline std::atomic<int64_t> freed_on_task_thread{0};
};

using Map = CopyOnWriteStateMap<Counted>;
using Model = std::map<std::string, int64_t>;  // key -> value, all groups (the group is in the key)

constexpr size_t kGroups = 4;

std::string key_of(int64_t k) {
  return "k" + std::to_string(k);
}
size_t group_of(const std::string& key) {
  return hash_bytes(key) % kGroups;
}

void put(Map& m, Model& model, int64_t k, int64_t v) {
  std::string key = key_of(k);
  m.get_or_create(group_of(key), key, hash_bytes(key))->value.v = v;
  model[key] = v;
}
void erase(Map& m, Model& model, int64_t k) {
  std::string key = key_of(k);
  m.erase(group_of(key), key, hash_bytes(key));
  model.erase(key);
}

Model contents(const Map::Snapshot& s) {
  Model out;
  for (size_t g = 0; g < kGroups; ++g) {
    size_t n = 0;
    s.for_each(g, [&](const Map::Node& node) {
      EXPECT_EQ(group_of(std::string(node.key())), g);
      EXPECT_TRUE(out.emplace(node.key(), node.value.v).second) << "duplicate " << node.key();
      ++n;
    });
    EXPECT_EQ(n, s.group_size(g));
  }
  return out;
}
Model contents(const Map& m) {
  Model out;
  for (size_t g = 0; g < kGroups; ++g)
    m.for_each(g, [&](const Map::Node& node) { out.emplace(node.key(), node.value.v); });
  return out;
}

class CopyOnWriteStateMapTest : public ::testing::Test {
 protected:
  void SetUp() override { live_before_ = Counted::live.load(); }
  //! Every entry alive belongs to a live mapping: no copies or retired nodes are left.
  void expect_only_live(const Map& m) {
    EXPECT_EQ(m.num_retired(), 0u);
    state::reclaim_wait();  // what no snapshot needs any more is freed on the reclaimer thread
    EXPECT_EQ(Counted::live.load() - live_before_, static_cast<int64_t>(m.size()));
  }
  int64_t live_before_ = 0;
};

TEST_F(CopyOnWriteStateMapTest, SnapshotSeesTheMapAtThePinWhateverFollows) {
  Map m(kGroups);
  Model model;
  for (int64_t k = 0; k < 100; ++k) put(m, model, k, k);
  auto snap = m.snapshot();
  const Model at_pin = model;
  for (int64_t k = 0; k < 100; k += 3) put(m, model, k, -k);      // overwrite: copies
  for (int64_t k = 1; k < 100; k += 5) erase(m, model, k);        // erase: retires
  for (int64_t k = 100; k < 2000; ++k) put(m, model, k, k);       // inserts that rehash every group
  put(m, model, 1, 11);                                           // re-insert an erased key
  for (int64_t k = 0; k < 100; k += 3) put(m, model, k, -k - 1);  // the copy is writable in place
  EXPECT_EQ(contents(*snap), at_pin);
  EXPECT_EQ(contents(m), model);
  EXPECT_EQ(m.size(), model.size());
  EXPECT_GT(m.num_retired(), 0u);
  snap.reset();
  m.take_releases();
  expect_only_live(m);
  EXPECT_EQ(contents(m), model);
}

// After a snapshot is released, the copies only it needed are freed on the reclaimer thread: the task
// thread's next write or snapshot takes O(1), not one free per copy.
TEST_F(CopyOnWriteStateMapTest, CopiesOfAReleasedSnapshotAreFreedOffTheTaskThread) {
  Map m(kGroups);
  Model model;
  for (int64_t k = 0; k < 5000; ++k) put(m, model, k, k);
  auto snap = m.snapshot();
  for (int64_t k = 0; k < 5000; ++k) put(m, model, k, -k);  // every node copied, every original retired
  EXPECT_EQ(m.num_retired() >= 5000u, true);
  snap.reset();
  state::reclaim_wait();  // earlier tests' batches
  Counted::task_thread = std::this_thread::get_id();
  Counted::freed_on_task_thread = 0;
  m.take_releases();
  EXPECT_EQ(m.num_retired(), 0u);
  state::reclaim_wait();
  Counted::task_thread = {};
  EXPECT_EQ(Counted::freed_on_task_thread.load(), 0);
  expect_only_live(m);
  EXPECT_EQ(contents(m), model);
}

TEST_F(CopyOnWriteStateMapTest, WritesWithoutSnapshotsCopyNothing) {
  Map m(kGroups);
  Model model;
  for (int64_t k = 0; k < 500; ++k) put(m, model, k, k);
  for (int64_t k = 0; k < 500; k += 2) erase(m, model, k);
  for (int64_t k = 0; k < 500; ++k) put(m, model, k % 7, k);
  EXPECT_EQ(contents(m), model);
  expect_only_live(m);
  auto snap = m.snapshot();
  snap.reset();
  put(m, model, 1, 5);  // released before the write: nothing to copy
  expect_only_live(m);
}

TEST_F(CopyOnWriteStateMapTest, ConcurrentSnapshotsReleasedInAnyOrder) {
  Map m(kGroups);
  Model model;
  std::vector<std::pair<std::unique_ptr<Map::Snapshot>, Model>> snaps;
  for (int round = 0; round < 4; ++round) {
    for (int64_t k = 0; k < 300; ++k) {
      if ((k + round) % 4 == 0)
        erase(m, model, k);
      else
        put(m, model, k + round * 50, k * 10 + round);
    }
    snaps.emplace_back(m.snapshot(), model);
  }
  put(m, model, 7, 77);
  for (auto& [s, at_pin] : snaps) EXPECT_EQ(contents(*s), at_pin);
  // Release the second, then the last, then the first: the others stay intact each time.
  for (size_t victim : {1u, 3u, 0u}) {
    snaps[victim].first.reset();
    m.take_releases();
    put(m, model, static_cast<int64_t>(victim), 1000);
    for (auto& [s, at_pin] : snaps) {
      if (s) {
        EXPECT_EQ(contents(*s), at_pin);
      }
    }
  }
  EXPECT_EQ(m.num_active_snapshots(), 1u);
  snaps[2].first.reset();
  m.take_releases();
  expect_only_live(m);
  EXPECT_EQ(contents(m), model);
}

TEST_F(CopyOnWriteStateMapTest, UpdateWhereCopiesFrozenEntriesAndErasesEmptied) {
  Map m(kGroups);
  Model model;
  for (int64_t k = 0; k < 200; ++k) put(m, model, k, k);
  auto snap = m.snapshot();
  const Model at_pin = model;
  // TTL cleanup's shape: touch the odd values, drop those divisible by 3.
  m.update_where([](const Counted& e) { return e.v % 2 == 1; },
                 [](Counted& e) {
                   e.v += 1000;
                   return (e.v - 1000) % 3 == 0;
                 });
  for (auto it = model.begin(); it != model.end();) {
    if (it->second % 2 == 1) {
      if (it->second % 3 == 0) {
        it = model.erase(it);
        continue;
      }
      it->second += 1000;
    }
    ++it;
  }
  EXPECT_EQ(contents(*snap), at_pin);
  EXPECT_EQ(contents(m), model);
  snap.reset();
  m.take_releases();
  expect_only_live(m);
}

TEST_F(CopyOnWriteStateMapTest, RandomInterleavingsAgainstAModel) {
  std::mt19937_64 rng(42);
  Map m(kGroups);
  Model model;
  std::vector<std::pair<std::unique_ptr<Map::Snapshot>, Model>> snaps;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(rng() % 100);
    int64_t k = static_cast<int64_t>(rng() % 400);
    if (op < 55) {
      put(m, model, k, step);
    } else if (op < 85) {
      erase(m, model, k);
    } else if (op < 92) {
      std::string key = key_of(k);
      auto* n = m.find(group_of(key), key, hash_bytes(key));
      EXPECT_EQ(n != nullptr, model.count(key) == 1);
      if (n) {
        EXPECT_EQ(n->value.v, model[key]);
      }
    } else if (op < 96) {
      if (snaps.size() < 5) snaps.emplace_back(m.snapshot(), model);
    } else if (!snaps.empty()) {
      size_t i = rng() % snaps.size();
      EXPECT_EQ(contents(*snaps[i].first), snaps[i].second) << "step " << step;
      snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(i));
      m.take_releases();
    }
  }
  for (auto& [s, at_pin] : snaps) EXPECT_EQ(contents(*s), at_pin);
  snaps.clear();
  m.take_releases();
  EXPECT_EQ(contents(m), model);
  expect_only_live(m);
}

// The snapshot writer's view: another thread reads and then drops the snapshot while this thread goes on
// writing. Run under ThreadSanitizer, this checks that the two threads never touch the same memory
// unsynchronized.
TEST_F(CopyOnWriteStateMapTest, SnapshotReadOnAnotherThreadWhileWritesGoOn) {
  Map m(kGroups);
  Model model;
  for (int64_t k = 0; k < 5000; ++k) put(m, model, k, k);
  for (int round = 0; round < 3; ++round) {
    auto snap = m.snapshot();
    Model at_pin = model;
    std::atomic<bool> reader_done{false};
    Model seen;
    std::thread reader([&, s = std::move(snap)]() mutable {
      seen = contents(*s);
      s.reset();  // released on the reader's thread, as the snapshot writer does
      reader_done = true;
    });
    std::mt19937_64 rng(round);
    int64_t step = 0;
    // Write until the reader is done (at least a few thousand operations either way).
    while (!reader_done.load() || step < 5000) {
      int64_t k = static_cast<int64_t>(rng() % 8000);
      if (rng() % 4 == 0)
        erase(m, model, k);
      else
        put(m, model, k, ++step);
    }
    reader.join();
    EXPECT_EQ(seen, at_pin);
    m.take_releases();
    expect_only_live(m);
  }
  EXPECT_EQ(contents(m), model);
}

TEST_F(CopyOnWriteStateMapTest, DestroyingTheMapBeforeItsSnapshotIsFine) {
  std::unique_ptr<Map::Snapshot> snap;
  {
    Map m(kGroups);
    Model model;
    for (int64_t k = 0; k < 50; ++k) put(m, model, k, k);
    snap = m.snapshot();
    for (int64_t k = 0; k < 50; ++k) put(m, model, k, -k);
  }
  EXPECT_EQ(Counted::live.load(), live_before_);
  snap.reset();  // only queues its release
}

// ---- heap states over the map ----

using testing_support::make_state_backend;

struct Sum final : AggregateFunction<int64_t, int64_t, int64_t> {
  int64_t create_accumulator() override { return 0; }
  int64_t add(const int64_t& v, int64_t acc) override { return acc + v; }
  int64_t get_result(const int64_t& acc) override { return acc; }
  int64_t merge(int64_t a, int64_t b) override { return a + b; }
};

std::map<KeyGroup, std::string> sync_bytes(state::KeyedStateBackend& b) {
  std::map<KeyGroup, std::string> out;
  for (KeyGroup kg = b.key_group_range().start; kg <= b.key_group_range().end; ++kg) {
    DataOutput o;
    b.snapshot_key_group(kg, o);
    out[kg] = o.str();
  }
  return out;
}
std::map<KeyGroup, std::string> pinned_bytes(const state::KeyedStateSnapshot& s, KeyGroupRange range) {
  std::map<KeyGroup, std::string> out;
  for (KeyGroup kg = range.start; kg <= range.end; ++kg) {
    DataOutput o;
    s.write_key_group(kg, o);
    out[kg] = o.str();
  }
  return out;
}

// A pinned snapshot of every heap state type (with TTL on some) writes, after any later changes, the
// bytes the synchronous snapshot wrote at the pin; and those bytes restore the state of the pin.
TEST(HeapCopyOnWriteSnapshotTest, PinnedBytesEqualSynchronousBytesAtThePin) {
  auto clock = std::make_shared<ManualClock>(1000);
  const KeyGroupRange range{0, 15};
  auto b = make_state_backend("hashmap", range, 16, clock);
  auto ttl = StateTtlConfig::of_ms(100);
  ValueStateDescriptor<int64_t> vd("value");
  vd.enable_time_to_live(ttl);
  ListStateDescriptor<std::string> ld("list");
  MapStateDescriptor<int64_t, std::string> md("map");
  md.enable_time_to_live(ttl);
  ReducingStateDescriptor<int64_t> rd("reduce", [](const int64_t& a, const int64_t& x) { return a + x; });
  AggregatingStateDescriptor<int64_t, int64_t, int64_t> ad("agg", std::make_shared<Sum>());
  auto* v = state::value_state(*b, vd);
  auto* l = state::list_state(*b, ld);
  auto* m = state::map_state(*b, md);
  auto* r = state::reducing_state(*b, rd);
  auto* a = state::aggregating_state(*b, ad);
  auto key = [&](int64_t k) { b->set_current_key(serialize_to_string(k)); };
  auto write = [&](int64_t k, int64_t x) {
    key(k);
    v->update(x);
    l->add(std::to_string(x));
    m->put(x % 3, std::to_string(x));
    r->add(x);
    a->add(x);
  };
  for (int64_t k = 0; k < 300; ++k) write(k, k);
  auto at_pin = sync_bytes(*b);
  auto pinned = b->pin_snapshot();
  ASSERT_TRUE(pinned);
  for (int64_t k = 0; k < 300; k += 2) write(k, k + 1);  // copies
  for (int64_t k = 1; k < 300; k += 7) {                 // erases
    key(k);
    v->clear();
    l->clear();
    m->remove(k % 3);
  }
  for (int64_t k = 300; k < 1000; ++k) write(k, k);  // inserts, rehashes
  clock->advance(50);
  for (int64_t k = 3; k < 300; k += 11) {  // reads that refresh nothing (OnCreateAndWrite)
    key(k);
    (void)v->value();
    (void)m->entries();
  }
  clock->advance(60);  // the first 300 keys' TTL state expires
  for (auto& [name, st] : b->states()) st->cleanup_expired();
  EXPECT_EQ(pinned_bytes(*pinned, range), at_pin);

  // The pinned bytes restore the state of the pin.
  auto restored = make_state_backend("hashmap", range, 16, std::make_shared<ManualClock>(1000));
  state::value_state(*restored, vd);
  state::list_state(*restored, ld);
  state::map_state(*restored, md);
  state::reducing_state(*restored, rd);
  state::aggregating_state(*restored, ad);
  for (auto& [kg, bytes] : pinned_bytes(*pinned, range)) {
    DataInput in(bytes);
    restored->restore_key_group(kg, in);
  }
  pinned.reset();
  for (int64_t k = 0; k < 300; ++k) {
    restored->set_current_key(serialize_to_string(k));
    auto* rv = state::value_state(*restored, vd);
    auto* rr = state::reducing_state(*restored, rd);
    auto* ra = state::aggregating_state(*restored, ad);
    auto* rl = state::list_state(*restored, ld);
    auto* rm = state::map_state(*restored, md);
    EXPECT_EQ(rv->value(), std::optional<int64_t>(k));
    EXPECT_EQ(rm->get(k % 3), std::optional<std::string>(std::to_string(k)));
    EXPECT_EQ(rr->get(), std::optional<int64_t>(k));
    EXPECT_EQ(ra->get(), std::optional<int64_t>(k));
    EXPECT_EQ(rl->get(), std::vector<std::string>{std::to_string(k)});
  }
}

}  // namespace
}  // namespace weir
