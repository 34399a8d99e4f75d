// The RocksDB backend's write-back row cache against a model: whatever mix of fills, puts, removes,
// appends, evictions, flushes and invalidations, a row read through the cache (falling back to the
// "database" the sink writes) is the model's row, the database equals the model after a flush, and
// the cache stays within its bound.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>

#include "weir/common/hashing.h"
#include "weir/state/rocksdb/rocksdb_key_filter.h"
#include "weir/state/rocksdb/rocksdb_row_cache.h"

namespace weir::state {
namespace {

struct Harness {
  std::map<std::pair<int, std::string>, std::string> db;  // what the sink wrote
  std::map<std::pair<int, std::string>, std::string> pending;
  std::map<std::pair<int, std::string>, bool> pending_removed;
  size_t commits = 0;
  size_t bound;
  RocksDBRowCache cache;

  explicit Harness(size_t b)
      : bound(b),
        cache(RocksDBRowCache::Sink{[this](int id, std::string_view key, const std::string_view* value) {
                                      auto k = std::make_pair(id, std::string(key));
                                      pending_removed[k] = value == nullptr;
                                      pending[k] = value ? std::string(*value) : std::string();
                                    },
                                    [this] {
                                      for (auto& [k, v] : pending) {
                                        if (pending_removed[k]) {
                                          db.erase(k);
                                        } else {
                                          db[k] = v;
                                        }
                                      }
                                      pending.clear();
                                      pending_removed.clear();
                                      ++commits;
                                    }},
              [this] { return bound; }) {}

  //! What the backend's get does: the cache, else the database (and fill).
  std::optional<std::string> get(RocksDBRowCache::Table* t, int id, const std::string& key) {
    if (auto* e = cache.find(t, key)) {
      if (!e->present) return std::nullopt;
      return std::string(e->value());
    }
    if (!cache.may_exist(t, key)) {
      cache.fill(t, key, nullptr);
      return std::nullopt;
    }
    auto it = db.find({id, key});
    if (it == db.end()) {
      cache.fill(t, key, nullptr);
      return std::nullopt;
    }
    std::string_view v = it->second;
    cache.fill(t, key, &v);
    return it->second;
  }
};

std::string key_of(int i) {
  // Row-key-like: key group, length, key bytes; lengths vary so entries differ in size.
  std::string k = "\x01\x02" + std::to_string(i);
  k.append(static_cast<size_t>(i % 23), 'k');
  return k;
}

TEST(RocksDBRowCache, AgreesWithAModelUnderEvictionFlushAndInvalidation) {
  for (size_t bound : {size_t{2} << 10, size_t{64} << 10, size_t{8} << 20}) {
    Harness h(bound);
    // Table 0 starts empty (its key filter answers), table 1 as if restored (its filter does not).
    RocksDBRowCache::Table* tables[2] = {h.cache.add_table(0, true), h.cache.add_table(1, false)};
    std::map<std::pair<int, std::string>, std::string> model;
    std::mt19937 rng(static_cast<uint32_t>(bound));
    for (int step = 0; step < 60000; ++step) {
      int id = static_cast<int>(rng() % 2);
      auto* t = tables[id];
      std::string key = key_of(static_cast<int>(rng() % 3000));
      auto mk = std::make_pair(id, key);
      switch (rng() % 10) {
        case 0:
        case 1:
        case 2: {
          auto got = h.get(t, id, key);
          auto it = model.find(mk);
          ASSERT_EQ(got.has_value(), it != model.end()) << "bound " << bound << " step " << step;
          if (got) ASSERT_EQ(*got, it->second) << "bound " << bound << " step " << step;
          break;
        }
        case 3:
        case 4:
        case 5: {
          std::string v(rng() % 64, static_cast<char>('a' + step % 26));
          h.cache.put(t, key, v);
          model[mk] = v;
          break;
        }
        case 6:
          h.cache.remove(t, key);
          model.erase(mk);
          break;
        case 7: {
          // The backend's merge: append in the cache, else a database merge (append).
          std::string op(1 + rng() % 12, static_cast<char>('A' + step % 26));
          if (!h.cache.append(t, key, op)) {
            h.db[mk] += op;
            h.cache.note_written(t, key);
          }
          model[mk] += op;
          break;
        }
        case 8:
          if (rng() % 10 == 0) {
            // After a flush the database holds every row.
            h.cache.flush_all();
            ASSERT_EQ(h.db, model) << "bound " << bound << " step " << step;
          }
          if (rng() % 200 == 0) {
            // A scan of a prefix first invalidates it (everything dirty reaches the database).
            h.cache.invalidate(t, key.substr(0, 3));
          }
          break;
        case 9:
          if (rng() % 20 == 0) {
            // A row too large to cache: dropped from the cache and written straight to the database.
            h.cache.drop(t, key);
            h.db[mk] = model[mk] = std::string(100, 'L');
            h.cache.note_written(t, key);
          }
          break;
      }
      // Within the bound after every operation (one entry is far smaller than the smallest bound).
      ASSERT_LE(h.cache.usage(), bound) << "step " << step;
    }
    h.cache.flush_all();
    EXPECT_EQ(h.db, model) << "bound " << bound;
    EXPECT_EQ(tables[0]->dirty() + tables[1]->dirty(), 0u);
    if (bound == (size_t{2} << 10)) EXPECT_GT(h.commits, 100u) << "the small bound must have evicted";
    if (bound == (size_t{8} << 20)) EXPECT_GT(h.cache.filtered(), 100u) << "table 0's filter answers misses";
    EXPECT_TRUE(tables[0]->filter().known() || bound < (size_t{64} << 10));
    EXPECT_FALSE(tables[1]->filter().known());
    h.cache.invalidate(tables[0], {});
    h.cache.invalidate(tables[1], {});
    EXPECT_EQ(h.cache.usage(), tables[0]->filter().memory() + tables[1]->filter().memory())
        << "every entry's charge is given back; the key filters stay";
  }
}

TEST(RocksDBRowCache, ReadsThenWritesOfOneRowAndGrowingRowsKeepTheirValues) {
  Harness h(size_t{1} << 20);
  auto* t = h.cache.add_table(7, true);
  std::string key = key_of(42);
  std::string expected;
  h.cache.fill(t, key, nullptr);
  ASSERT_FALSE(h.get(t, 7, key).has_value());
  // A list row growing one element at a time (each append may move the entry to a larger one).
  for (int i = 0; i < 500; ++i) {
    std::string op = "element-" + std::to_string(i) + ";";
    ASSERT_TRUE(h.cache.append(t, key, op));
    expected += op;
    ASSERT_EQ(h.get(t, 7, key), expected);
  }
  // Other rows in between: the remembered entry must not be confused with them.
  for (int i = 0; i < 5000; ++i) h.cache.put(t, key_of(i + 1000), std::to_string(i));
  h.cache.put(t, key, "short");
  EXPECT_EQ(h.get(t, 7, key), "short");
  EXPECT_EQ(h.get(t, 7, key_of(1000 + 4999)), "4999");
  EXPECT_EQ(t->size(), 5001u);
  h.cache.flush_all();
  EXPECT_EQ(h.db.size(), 5001u);
  EXPECT_EQ(h.db.at({7, key}), "short");
  EXPECT_GT(h.cache.hits(), 0u);
}

TEST(RocksDBKeyFilter, NeverDeniesAWrittenKeyAndRarelyAdmitsAnOther) {
  RocksDBKeyFilter f(true);
  EXPECT_FALSE(f.may_contain(hash_bytes("anything")));
  constexpr int kKeys = 1'000'000;
  for (int i = 0; i < kKeys; ++i) f.add(hash_bytes(key_of(i)));
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(f.may_contain(hash_bytes(key_of(i)))) << i;
  int false_positives = 0;
  for (int i = kKeys; i < 2 * kKeys; ++i) false_positives += f.may_contain(hash_bytes(key_of(i)));
  // A few stages of about 1-2 % each.
  EXPECT_LT(false_positives, kKeys / 10);
  EXPECT_LT(f.memory(), size_t{4} << 20) << "about 10 bits per key, stages growing by four";
  f.forget();
  EXPECT_TRUE(f.may_contain(hash_bytes(key_of(kKeys + 1))));
  EXPECT_EQ(f.memory(), 0u);
  RocksDBKeyFilter restored(false);
  EXPECT_TRUE(restored.may_contain(hash_bytes("anything")));
}

}  // namespace
}  // namespace weir::state
