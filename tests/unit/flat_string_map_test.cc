#include "weir/state/heap/flat_string_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace weir::state {
namespace {

using Model = std::map<std::string, int64_t>;

Model contents(const FlatStringMap<int64_t>& m) {
  Model out;
  for (const auto& [k, v] : m) EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " twice";
  EXPECT_EQ(out.size(), m.size());
  return out;
}

// Random inserts, overwrites, erases (by find and by predicate) and copies against std::map: what a
// MapState's entry must hold after any sequence of them, through growth and backward-shift deletion.
TEST(FlatStringMap, AgreesWithAnOrderedMapUnderRandomOperations) {
  std::mt19937_64 rng(7);
  FlatStringMap<int64_t> m;
  Model model;
  auto key = [&] {
    uint64_t k = rng() % 500;  // a small key space: many hits, overwrites and long probe runs
    return k % 3 == 0 ? std::string(20 + k % 7, static_cast<char>('a' + k % 26)) + std::to_string(k)
                      : std::to_string(k);
  };
  for (int step = 0; step < 200000; ++step) {
    const std::string k = key();
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        int64_t v = static_cast<int64_t>(rng() % 1000);
        m.insert_or_assign(k, v);
        model[k] = v;
        break;
      }
      case 4:
      case 5: {
        auto it = m.find(k);
        ASSERT_EQ(it != m.end(), model.count(k) == 1) << k;
        if (it != m.end()) {
          ASSERT_EQ(it->first, k);
          ASSERT_EQ(it->second, model[k]);
          m.erase(it);
          model.erase(k);
        }
        break;
      }
      case 6:
        ASSERT_EQ(m.contains(k), model.count(k) == 1) << k;
        break;
      case 7:
        if (step % 1000 == 7) {
          int64_t cut = static_cast<int64_t>(rng() % 1000);
          size_t removed = m.erase_if([&](const auto& kv) { return kv.second < cut; });
          size_t expected = std::erase_if(model, [&](const auto& kv) { return kv.second < cut; });
          ASSERT_EQ(removed, expected);
        }
        break;
      case 8:
        if (step % 5000 == 8) {
          FlatStringMap<int64_t> copy = m;  // copy-on-write copies entries
          m.insert_or_assign("only-in-the-original", 1);
          ASSERT_EQ(contents(copy), model);
          auto it = m.find("only-in-the-original");
          ASSERT_NE(it, m.end());
          m.erase(it);
        }
        break;
      default:
        ASSERT_EQ(m.size(), model.size());
    }
  }
  EXPECT_EQ(contents(m), model);
  EXPECT_EQ(m.empty(), model.empty());
}

TEST(FlatStringMap, EmptyMapFindsNothingAndEmptyKeysWork) {
  FlatStringMap<int64_t> m;
  EXPECT_EQ(m.find(""), m.end());
  EXPECT_FALSE(m.contains("x"));
  EXPECT_EQ(m.begin(), m.end());
  m.insert_or_assign("", 5);
  ASSERT_NE(m.find(""), m.end());
  EXPECT_EQ(m.find("")->second, 5);
  m.erase(m.find(""));
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.begin(), m.end());
}

}  // namespace
}  // namespace weir::state
