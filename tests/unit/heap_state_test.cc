// The keyed-state backends (heap and RocksDB, every test on both) driven directly: per-key isolation of
// every state type, namespaces, and TTL (expiry, refresh on read, visibility of expired values) against a
// ManualClock; RocksDB specifics (TTL in compaction, map iteration, its directory) at the end.
#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "state_backend_support.h"
#include "weir/common/data_io.h"
#include "weir/common/serializer.h"
#include "weir/state/rocksdb/rocksdb_keyed_state_backend.h"
#include "weir/state/state_factory.h"

namespace weir {
namespace {

using testing_support::make_state_backend;
using Ttl = StateTtlConfig;

struct Avg final : AggregateFunction<int64_t, std::pair<int64_t, int64_t>, double> {
  std::pair<int64_t, int64_t> create_accumulator() override { return {0, 0}; }
  std::pair<int64_t, int64_t> add(const int64_t& v, std::pair<int64_t, int64_t> acc) override {
    return {acc.first + v, acc.second + 1};
  }
  double get_result(const std::pair<int64_t, int64_t>& acc) override {
    return static_cast<double>(acc.first) / static_cast<double>(acc.second);
  }
  std::pair<int64_t, int64_t> merge(std::pair<int64_t, int64_t> a, std::pair<int64_t, int64_t> b) override {
    return {a.first + b.first, a.second + b.second};
  }
};

class KeyedStateTest : public ::testing::TestWithParam<std::string> {
 protected:
  KeyedStateTest()
      : backend_ptr_(make_state_backend(GetParam(), KeyGroupRange{0, 127}, 128, clock_)),
        backend_(*backend_ptr_) {}
  void key(int64_t k) {
    DataOutput out;
    Serializer<int64_t>::write(out, k);
    backend_.set_current_key(out.view());
  }
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1000);
  std::unique_ptr<state::KeyedStateBackend> backend_ptr_;
  state::KeyedStateBackend& backend_;
};

TEST_P(KeyedStateTest, ValueStateIsPerKey) {
  auto* s = state::value_state(backend_, ValueStateDescriptor<std::string>("v"));
  std::map<int64_t, std::string> ref;
  for (int64_t i = 0; i < 1000; ++i) {
    int64_t k = (i * 7919) % 101;
    key(k);
    auto v = s->value();
    ASSERT_EQ(v.has_value(), ref.count(k) > 0);
    if (v) {
      ASSERT_EQ(*v, ref[k]);
    }
    ref[k] = std::to_string(i);
    s->update(ref[k]);
  }
  EXPECT_EQ(s->num_entries(), ref.size());
  key(5);
  s->clear();
  EXPECT_FALSE(s->value());
  key(6);
  EXPECT_EQ(s->value(), ref[6]);
  // The same name returns the same state; another type under that name is refused.
  EXPECT_EQ(state::value_state(backend_, ValueStateDescriptor<std::string>("v")), s);
  EXPECT_THROW(state::list_state(backend_, ListStateDescriptor<int>("v")), JobDefinitionError);
}

TEST_P(KeyedStateTest, ListMapReducingAggregatingArePerKey) {
  auto* list = state::list_state(backend_, ListStateDescriptor<int64_t>("l"));
  auto* map = state::map_state(backend_, MapStateDescriptor<std::string, int64_t>("m"));
  auto* red = state::reducing_state(
      backend_,
      ReducingStateDescriptor<int64_t>("r", [](const int64_t& a, const int64_t& b) { return a + b; }));
  auto* agg = state::aggregating_state(
      backend_,
      AggregatingStateDescriptor<int64_t, std::pair<int64_t, int64_t>, double>("a", std::make_shared<Avg>()));
  std::map<int64_t, std::vector<int64_t>> ref;
  for (int64_t i = 0; i < 2000; ++i) {
    int64_t k = i % 13;
    key(k);
    list->add(i);
    map->put("m" + std::to_string(i % 5), i);
    red->add(i);
    agg->add(i);
    ref[k].push_back(i);
  }
  for (auto& [k, vs] : ref) {
    key(k);
    EXPECT_EQ(list->get(), vs);
    int64_t sum = 0;
    std::map<std::string, int64_t> last;
    for (auto v : vs) {
      sum += v;
      last["m" + std::to_string(v % 5)] = v;
    }
    EXPECT_EQ(red->get(), sum);
    EXPECT_DOUBLE_EQ(*agg->get(), static_cast<double>(sum) / static_cast<double>(vs.size()));
    auto entries = map->entries();
    std::map<std::string, int64_t> got(entries.begin(), entries.end());
    EXPECT_EQ(got, last);
    EXPECT_EQ(map->get("m0"), last["m0"]);
    EXPECT_FALSE(map->get("zz"));
  }
  key(3);
  list->update({1, 2});
  EXPECT_EQ(list->get(), (std::vector<int64_t>{1, 2}));
  list->update({});
  EXPECT_TRUE(list->get().empty());
  map->remove("m1");
  EXPECT_FALSE(map->contains("m1"));
  EXPECT_TRUE(map->contains("m2"));
  map->clear();
  EXPECT_TRUE(map->is_empty());
  red->clear();
  agg->clear();
  EXPECT_FALSE(red->get());
  EXPECT_FALSE(agg->get());
  key(4);  // other keys untouched
  EXPECT_EQ(list->get(), ref[4]);
  EXPECT_FALSE(map->is_empty());
}

TEST_P(KeyedStateTest, NamespacesAreSeparate) {
  auto* s = state::value_state(backend_, ValueStateDescriptor<int>("v"));
  key(1);
  s->set_current_namespace("w1");
  s->update(1);
  s->set_current_namespace("w2");
  EXPECT_FALSE(s->value());
  s->update(2);
  s->set_current_namespace("w1");
  EXPECT_EQ(s->value(), 1);
  s->set_current_namespace("");
  EXPECT_FALSE(s->value());
}

// Setting the key a state already has changes nothing (no new key version: states keep what they looked up),
// and a hot key's runs of records, between clears, namespace switches and other keys, read and write
// exactly what a reference map says.
TEST_P(KeyedStateTest, TheSameKeyAgainKeepsItsLookupsAndStaysExact) {
  key(5);
  const uint64_t v5 = backend_.key_version();
  key(5);
  EXPECT_EQ(backend_.key_version(), v5);
  key(6);
  EXPECT_NE(backend_.key_version(), v5);

  auto* red = state::reducing_state(
      backend_,
      ReducingStateDescriptor<int64_t>("r", [](const int64_t& a, const int64_t& b) { return a + b; }));
  auto* val = state::value_state(backend_, ValueStateDescriptor<int64_t>("v"));
  std::map<std::pair<int64_t, std::string>, int64_t> sums;
  std::map<int64_t, int64_t> values;
  uint64_t x = 12345;
  for (int64_t i = 0; i < 5000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int64_t k = (x >> 33) % 4 != 0 ? 7 : static_cast<int64_t>((x >> 40) % 50);  // 3 in 4: key 7
    const std::string ns = (x >> 20) % 8 == 0 ? "other" : "w";
    key(k);
    red->set_current_namespace(ns);
    if ((x >> 50) % 97 == 0) {
      red->clear();
      sums.erase({k, ns});
    } else {
      red->add(i);
      sums[{k, ns}] += i;
    }
    if ((x >> 45) % 53 == 0) {
      val->clear();
      values.erase(k);
    } else if ((x >> 45) % 3 == 0) {
      val->update(i);
      values[k] = i;
    }
    auto it = sums.find({k, ns});
    ASSERT_EQ(red->get(), it == sums.end() ? std::nullopt : std::optional<int64_t>(it->second)) << i;
    auto vt = values.find(k);
    ASSERT_EQ(val->value(), vt == values.end() ? std::nullopt : std::optional<int64_t>(vt->second)) << i;
  }
}

// value_into reads what value() reads, into the caller's object (reusing its buffer on the heap backend);
// nothing set or expired: false, and the object is left as it was.
TEST_P(KeyedStateTest, ValueIntoReadsWhatValueReadsAndLeavesOutAloneWithoutOne) {
  auto* v = state::value_state(backend_, ValueStateDescriptor<std::vector<int64_t>>("v"));
  ValueStateDescriptor<std::vector<int64_t>> td("t");
  td.enable_time_to_live(Ttl::of_ms(50));
  auto* t = state::value_state(backend_, td);
  std::vector<int64_t> out = {9, 9, 9, 9, 9, 9, 9, 9};
  key(1);
  EXPECT_FALSE(v->value_into(out));
  EXPECT_EQ(out, std::vector<int64_t>(8, 9));
  v->update({1, 2, 3});
  t->update({4});
  key(2);
  v->update({5, 6});
  key(1);
  ASSERT_TRUE(v->value_into(out));
  EXPECT_EQ(out, (std::vector<int64_t>{1, 2, 3}));
  if (GetParam() == "hashmap") {
    const int64_t* buffer = out.data();
    key(2);
    ASSERT_TRUE(v->value_into(out));
    EXPECT_EQ(out.data(), buffer) << "the heap backend copies into the caller's buffer";
  }
  key(2);
  ASSERT_TRUE(v->value_into(out));
  EXPECT_EQ(out, (std::vector<int64_t>{5, 6}));
  key(1);
  ASSERT_TRUE(t->value_into(out));
  EXPECT_EQ(out, std::vector<int64_t>{4});
  clock_->advance(100);  // expired
  EXPECT_FALSE(t->value_into(out));
  EXPECT_EQ(out, std::vector<int64_t>{4});
  EXPECT_FALSE(t->value());
}

TEST_P(KeyedStateTest, KeyOutsideRangeIsRefused) {
  auto narrow_ptr = make_state_backend(GetParam(), KeyGroupRange{0, 0}, 128, clock_);
  auto& narrow = *narrow_ptr;
  auto* s = state::value_state(narrow, ValueStateDescriptor<int>("v"));
  // Find a key whose group is not 0.
  for (int64_t k = 0;; ++k) {
    DataOutput out;
    Serializer<int64_t>::write(out, k);
    narrow.set_current_key(out.view());
    if (narrow.current_key_group() != 0) break;
  }
  EXPECT_THROW(s->update(1), WeirError);
}

// ---- TTL ----

TEST_P(KeyedStateTest, TtlValueExpiresAndWritesRefresh) {
  ValueStateDescriptor<int> d("v");
  d.enable_time_to_live(Ttl::of_ms(100));
  auto* s = state::value_state(backend_, d);
  key(1);
  s->update(1);
  clock_->advance(99);
  EXPECT_EQ(s->value(), 1);  // a read does not refresh with OnCreateAndWrite
  clock_->advance(1);
  EXPECT_FALSE(s->value());
  EXPECT_EQ(s->num_entries(), 0u);  // read-time cleanup
  s->update(2);
  clock_->advance(60);
  s->update(3);  // a write refreshes
  clock_->advance(60);
  EXPECT_EQ(s->value(), 3);
  clock_->advance(40);
  EXPECT_FALSE(s->value());
}

TEST_P(KeyedStateTest, TtlOnReadAndWriteRefreshesOnRead) {
  ValueStateDescriptor<int> vd("v");
  vd.enable_time_to_live(Ttl::of_ms(100).set_update_type(Ttl::UpdateType::kOnReadAndWrite));
  ListStateDescriptor<int> ld("l");
  ld.enable_time_to_live(Ttl::of_ms(100).set_update_type(Ttl::UpdateType::kOnReadAndWrite));
  MapStateDescriptor<int, int> md("m");
  md.enable_time_to_live(Ttl::of_ms(100).set_update_type(Ttl::UpdateType::kOnReadAndWrite));
  ReducingStateDescriptor<int> rd("r", [](const int& a, const int& b) { return a + b; });
  rd.enable_time_to_live(Ttl::of_ms(100).set_update_type(Ttl::UpdateType::kOnReadAndWrite));
  AggregatingStateDescriptor<int64_t, std::pair<int64_t, int64_t>, double> ad("a", std::make_shared<Avg>());
  ad.enable_time_to_live(Ttl::of_ms(100).set_update_type(Ttl::UpdateType::kOnReadAndWrite));
  auto* v = state::value_state(backend_, vd);
  auto* l = state::list_state(backend_, ld);
  auto* m = state::map_state(backend_, md);
  auto* r = state::reducing_state(backend_, rd);
  auto* a = state::aggregating_state(backend_, ad);
  key(9);
  v->update(1);
  l->add(1);
  m->put(1, 1);
  r->add(1);
  a->add(4);
  for (int i = 0; i < 5; ++i) {  // 5 x 80 ms: alive only because every read refreshes
    clock_->advance(80);
    ASSERT_EQ(v->value(), 1);
    ASSERT_EQ(l->get(), std::vector<int>{1});
    ASSERT_EQ(m->get(1), 1);
    ASSERT_EQ(r->get(), 1);
    ASSERT_EQ(a->get(), 4.0);
  }
  clock_->advance(100);
  EXPECT_FALSE(v->value());
  EXPECT_TRUE(l->get().empty());
  EXPECT_FALSE(m->get(1));
  EXPECT_FALSE(r->get());
  EXPECT_FALSE(a->get());
}

TEST_P(KeyedStateTest, TtlExpiryForEveryStateType) {
  auto ttl = Ttl::of_ms(50);
  ListStateDescriptor<int> ld("l");
  ld.enable_time_to_live(ttl);
  MapStateDescriptor<int, int> md("m");
  md.enable_time_to_live(ttl);
  ReducingStateDescriptor<int> rd("r", [](const int& a, const int& b) { return a + b; });
  rd.enable_time_to_live(ttl);
  AggregatingStateDescriptor<int64_t, std::pair<int64_t, int64_t>, double> ad("a", std::make_shared<Avg>());
  ad.enable_time_to_live(ttl);
  auto* l = state::list_state(backend_, ld);
  auto* m = state::map_state(backend_, md);
  auto* r = state::reducing_state(backend_, rd);
  auto* a = state::aggregating_state(backend_, ad);
  key(2);
  l->add(1);
  m->put(1, 10);
  r->add(5);
  a->add(2);
  clock_->advance(30);
  l->add(2);  // list elements and map entries expire one by one
  m->put(2, 20);
  r->add(5);  // a reducing/aggregating add refreshes the whole value
  a->add(4);
  clock_->advance(30);  // t=60: the first elements are 60 ms old
  EXPECT_EQ(l->get(), std::vector<int>{2});
  EXPECT_FALSE(m->get(1));
  EXPECT_EQ(m->get(2), 20);
  EXPECT_EQ(m->keys(), std::vector<int>{2});
  EXPECT_EQ(r->get(), 10);
  EXPECT_EQ(a->get(), 3.0);
  clock_->advance(30);  // t=90: everything is at least 60 ms old
  EXPECT_TRUE(l->get().empty());
  EXPECT_TRUE(m->is_empty());
  EXPECT_FALSE(r->get());
  EXPECT_FALSE(a->get());
  // After expiry, an add starts over rather than folding into the expired value.
  r->add(7);
  a->add(8);
  EXPECT_EQ(r->get(), 7);
  EXPECT_EQ(a->get(), 8.0);
}

TEST_P(KeyedStateTest, TtlReturnExpiredIfNotCleanedUp) {
  auto ttl = Ttl::of_ms(10).set_state_visibility(Ttl::Visibility::kReturnExpiredIfNotCleanedUp);
  ValueStateDescriptor<int> vd("v");
  vd.enable_time_to_live(ttl);
  ListStateDescriptor<int> ld("l");
  ld.enable_time_to_live(ttl);
  MapStateDescriptor<int, int> md("m");
  md.enable_time_to_live(ttl);
  ReducingStateDescriptor<int> rd("r", [](const int& a, const int& b) { return a + b; });
  rd.enable_time_to_live(ttl);
  AggregatingStateDescriptor<int64_t, std::pair<int64_t, int64_t>, double> ad("a", std::make_shared<Avg>());
  ad.enable_time_to_live(ttl);
  auto* v = state::value_state(backend_, vd);
  auto* l = state::list_state(backend_, ld);
  auto* m = state::map_state(backend_, md);
  auto* r = state::reducing_state(backend_, rd);
  auto* a = state::aggregating_state(backend_, ad);
  for (int64_t k : {1, 2}) {
    key(k);
    v->update(1);
    l->add(1);
    m->put(1, 1);
    r->add(1);
    a->add(1);
  }
  clock_->advance(10);
  // Key 1: the expired values are still visible once, then cleaned up by that read.
  key(1);
  EXPECT_EQ(v->value(), 1);
  EXPECT_EQ(l->get(), std::vector<int>{1});
  EXPECT_EQ(m->get(1), 1);
  EXPECT_EQ(r->get(), 1);
  EXPECT_EQ(a->get(), 1.0);
  EXPECT_FALSE(v->value());
  EXPECT_TRUE(l->get().empty());
  EXPECT_FALSE(m->get(1));
  EXPECT_FALSE(r->get());
  EXPECT_FALSE(a->get());
  // Key 2: a cleanup pass removes them first, so they are never seen.
  for (auto* s : {static_cast<state::InternalStateBase*>(v), static_cast<state::InternalStateBase*>(l),
                  static_cast<state::InternalStateBase*>(m), static_cast<state::InternalStateBase*>(r),
                  static_cast<state::InternalStateBase*>(a)}) {
    s->cleanup_expired();
    EXPECT_EQ(s->num_entries(), 0u);
  }
  key(2);
  EXPECT_FALSE(v->value());
  EXPECT_TRUE(l->get().empty());
  EXPECT_FALSE(m->get(1));
  EXPECT_FALSE(r->get());
  EXPECT_FALSE(a->get());
}

TEST_P(KeyedStateTest, NeverReturnExpiredHidesValuesBeforeCleanup) {
  ValueStateDescriptor<int> vd("v");
  vd.enable_time_to_live(Ttl::of_ms(10));
  auto* v = state::value_state(backend_, vd);
  key(1);
  v->update(1);
  EXPECT_EQ(v->num_entries(), 1u);
  clock_->advance(10);
  EXPECT_EQ(v->num_entries(), 1u);  // not cleaned up yet...
  EXPECT_FALSE(v->value());         // ...but never visible
  key(2);
  v->update(2);
  clock_->advance(5);
  v->cleanup_expired();  // only the expired entry goes
  EXPECT_EQ(v->num_entries(), 1u);
  EXPECT_EQ(v->value(), 2);
}

// The heap table remembers the entry of the current key between value() and update(); whatever removes
// that entry (clear, TTL cleanup while the key stays current, a namespace switch) must not leave it
// readable.
TEST_P(KeyedStateTest, RemovedEntryOfTheCurrentKeyIsNotReadAgain) {
  ValueStateDescriptor<int> vd("v");
  vd.enable_time_to_live(Ttl::of_ms(10).set_state_visibility(Ttl::Visibility::kReturnExpiredIfNotCleanedUp));
  auto* v = state::value_state(backend_, vd);
  key(1);
  v->update(1);
  EXPECT_EQ(v->value(), 1);
  v->clear();
  EXPECT_FALSE(v->value());
  v->update(2);
  EXPECT_EQ(v->value(), 2);
  clock_->advance(10);
  v->cleanup_expired();  // the current key's entry goes while the key stays set
  EXPECT_EQ(v->num_entries(), 0u);
  EXPECT_FALSE(v->value());
  v->update(3);
  v->set_current_namespace("other");
  EXPECT_FALSE(v->value());
  v->update(4);
  v->set_current_namespace("");
  EXPECT_EQ(v->value(), 3);
  key(2);
  EXPECT_FALSE(v->value());
  key(1);
  EXPECT_EQ(v->value(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyedStateTest, ::testing::ValuesIn(testing_support::kStateBackends),
                         testing_support::backend_name);

// ---- RocksDB specifics ----

class RocksDBStateTest : public ::testing::Test {
 protected:
  RocksDBStateTest()
      : backend_ptr_(make_state_backend("rocksdb", KeyGroupRange{0, 127}, 128, clock_)),
        backend_(static_cast<state::RocksDBKeyedStateBackend&>(*backend_ptr_)) {}
  void key(int64_t k) {
    DataOutput out;
    Serializer<int64_t>::write(out, k);
    backend_.set_current_key(out.view());
  }
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1000);
  std::unique_ptr<state::KeyedStateBackend> backend_ptr_;
  state::RocksDBKeyedStateBackend& backend_;
};

TEST_F(RocksDBStateTest, CompactionDropsExpiredEntriesNobodyReads) {
  auto ttl = Ttl::of_ms(100);
  ValueStateDescriptor<int> vd("v");
  vd.enable_time_to_live(ttl);
  ListStateDescriptor<int> ld("l");
  ld.enable_time_to_live(ttl);
  MapStateDescriptor<int, int> md("m");
  md.enable_time_to_live(ttl);
  auto* v = state::value_state(backend_, vd);
  auto* l = state::list_state(backend_, ld);
  auto* m = state::map_state(backend_, md);
  for (int64_t k = 0; k < 200; ++k) {
    key(k);
    v->update(1);
    l->add(1);
    m->put(1, 1);
  }
  clock_->advance(60);
  for (int64_t k = 0; k < 100; ++k) {  // half the keys get fresh entries (lists: one more element)
    key(k);
    v->update(2);
    l->add(2);
    m->put(2, 2);
  }
  clock_->advance(60);  // the first writes are 120 ms old, the second 60 ms
  backend_.compact_all();
  // No read happened: only the compaction filter can have removed rows.
  EXPECT_EQ(v->num_entries(), 100u);
  EXPECT_EQ(l->num_entries(), 100u);
  EXPECT_EQ(m->num_entries(), 100u);
  // The list rows lost their expired elements during compaction: a snapshot holds one element per key.
  DataOutput snap;
  size_t elements = 0;
  for (KeyGroup kg = 0; kg < 128; ++kg) {
    snap.clear();
    l->snapshot_key_group(kg, snap);
    DataInput in(snap.view());
    for (uint64_t n = in.read_varint(); n > 0; --n) {
      in.read_bytes();
      uint64_t count = in.read_varint();
      elements += count;
      for (uint64_t i = 0; i < count; ++i) {
        in.read_fixed<int32_t>();
        in.read_fixed<int64_t>();
      }
    }
  }
  EXPECT_EQ(elements, 100u);
  key(5);
  EXPECT_EQ(v->value(), 2);
  EXPECT_EQ(l->get(), std::vector<int>{2});
  EXPECT_EQ(m->keys(), std::vector<int>{2});
}

TEST_F(RocksDBStateTest, MapIterationSeesOnlyTheCurrentKeyAndNamespace) {
  auto* m = state::map_state(backend_, MapStateDescriptor<std::string, int64_t>("m"));
  std::map<std::pair<int64_t, std::string>, std::map<std::string, int64_t>> ref;
  for (int64_t i = 0; i < 5000; ++i) {
    int64_t k = i % 37;
    std::string ns = i % 3 == 0 ? "" : std::string(1, static_cast<char>('a' + i % 3));
    key(k);
    m->set_current_namespace(ns);
    std::string uk = "k" + std::to_string(i % 101);
    m->put(uk, i);
    ref[{k, ns}][uk] = i;
  }
  for (const auto& [kn, entries] : ref) {
    key(kn.first);
    m->set_current_namespace(kn.second);
    auto got = m->entries();
    std::map<std::string, int64_t> got_map(got.begin(), got.end());
    EXPECT_EQ(got_map, entries);
  }
  EXPECT_EQ(m->num_entries(), ref.size());
}

TEST_F(RocksDBStateTest, OneColumnFamilyPerStateAndTheDirectoryGoesOnDispose) {
  state::value_state(backend_, ValueStateDescriptor<int>("a"));
  state::list_state(backend_, ListStateDescriptor<int>("b"));
  std::string dir = backend_.instance_dir();
  ASSERT_TRUE(std::filesystem::exists(backend_.path()));
  backend_ptr_.reset();
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST_F(RocksDBStateTest, TimerStoreOrdersDeduplicatesAndSurvivesANativeRestore) {
  Configuration conf = testing_support::state_backend_config("rocksdb");
  conf.set("state.backend.rocksdb.timer-service.factory", "rocksdb");
  conf.set("execution.checkpointing.incremental", "true");
  auto b = make_state_backend("rocksdb", KeyGroupRange{0, 127}, 128, clock_, &conf);
  auto store = b->create_timer_store("event");
  ASSERT_TRUE(store);
  // Reference: the same timers in a std::set (ordered by timestamp, key, namespace).
  std::set<std::pair<KeyGroup, state::TimerEntry>> ref;
  for (int64_t i = 0; i < 3000; ++i) {
    std::string k = serialize_to_string((i * 7919) % 500);
    KeyGroup kg = key_group_for_key_bytes(k, 128);
    state::TimerEntry t{(i * 31) % 997 - 100, k, i % 3 == 0 ? "w" : ""};  // negative timestamps too
    store->add(kg, t);
    ref.insert({kg, t});
  }
  for (int64_t i = 0; i < 3000; i += 5) {  // remove some
    std::string k = serialize_to_string((i * 7919) % 500);
    KeyGroup kg = key_group_for_key_bytes(k, 128);
    state::TimerEntry t{(i * 31) % 997 - 100, k, i % 3 == 0 ? "w" : ""};
    store->remove(kg, t);
    ref.erase({kg, t});
  }
  ASSERT_EQ(store->size(), ref.size());
  std::vector<state::TimerEntry> want_group;
  for (const auto& [kg, t] : ref)
    if (kg == 5) want_group.push_back(t);
  EXPECT_EQ(store->sorted_group(5), want_group);
  // A native snapshot and restore keeps them.
  auto dir = std::filesystem::temp_directory_path() / ("weir-timer-store-" + std::to_string(::getpid()));
  std::string handle = b->snapshot_native({1, false, (dir / "job" / "chk-1").string()});
  auto restored = make_state_backend("rocksdb", KeyGroupRange{0, 127}, 128, clock_, &conf);
  restored->restore_native({handle}, (dir / "job" / "chk-1").string());
  auto again = restored->create_timer_store("event");
  ASSERT_EQ(again->size(), ref.size());
  // Polling yields the timers in timestamp order; ties in (key, namespace) order within a key group.
  Timestamp last = kMinTimestamp;
  size_t n = 0;
  while (!again->empty()) {
    EXPECT_EQ(again->peek_ts() >= last, true);
    auto [kg, t] = again->poll();
    EXPECT_GE(t.ts, last);
    last = t.ts;
    EXPECT_EQ(ref.count({kg, t}), 1u);
    ++n;
  }
  EXPECT_EQ(n, ref.size());
  std::filesystem::remove_all(dir);
}

// ---- configuration ----

std::string config_error(const std::vector<std::pair<std::string, std::string>>& kvs) {
  Configuration conf;
  try {
    for (const auto& [k, v] : kvs) conf.set(k, v);
    auto clock = std::make_shared<ManualClock>(0);
    make_state_backend("rocksdb", KeyGroupRange{0, 127}, 128, clock, &conf);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(StateBackendConfig, BadValuesAreErrorsNamingTheKey) {
  EXPECT_NE(config_error({{"state.backend.type", "leveldb"}}).find("state.backend.type"), std::string::npos);
  EXPECT_NE(config_error(
                {{"state.backend.type", "rocksdb"}, {"state.backend.rocksdb.timer-service.factory", "disk"}})
                .find("state.backend.rocksdb.timer-service.factory"),
            std::string::npos);
  EXPECT_NE(config_error({{"state.backend.type", "rocksdb"},
                          {"state.backend.rocksdb.memory.write-buffer-ratio", "1.5"}})
                .find("state.backend.rocksdb.memory.write-buffer-ratio"),
            std::string::npos);
  EXPECT_NE(config_error({{"state.backend.type", "rocksdb"},
                          {"state.backend.rocksdb.memory.high-prio-pool-ratio", "abc"}})
                .find("state.backend.rocksdb.memory.high-prio-pool-ratio"),
            std::string::npos);
  EXPECT_NE(config_error({{"state.backend.rocksdb.memory.fixed-per-slot", "lots"}})
                .find("state.backend.rocksdb.memory.fixed-per-slot"),
            std::string::npos);
  EXPECT_EQ(config_error({{"state.backend.type", "rocksdb"},
                          {"state.backend.rocksdb.timer-service.factory", "ROCKSDB"},
                          {"state.backend.rocksdb.memory.fixed-per-slot", "64mb"}}),
            "");
}

TEST(StateBackendConfig, LocalDirHoldsTheInstances) {
  auto dir = std::filesystem::temp_directory_path() / ("weir-localdir-" + std::to_string(::getpid()));
  Configuration conf = testing_support::state_backend_config("rocksdb");
  conf.set("state.backend.rocksdb.localdir", dir.string());
  auto b = make_state_backend("rocksdb", KeyGroupRange{0, 127}, 128, std::make_shared<ManualClock>(0), &conf);
  auto& r = static_cast<state::RocksDBKeyedStateBackend&>(*b);
  EXPECT_EQ(std::filesystem::path(r.instance_dir()).parent_path(), dir);
  b.reset();
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weir
