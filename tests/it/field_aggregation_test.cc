// Field aggregations on keyed streams: sum/min/max keep the first record's other fields and fold one
// field; min_by/max_by keep the whole record holding the extreme value (the first on ties).
#include <map>

#include <gtest/gtest.h>

#include "weir/weir.h"

namespace weir {
namespace {

struct Trade {
  int64_t account = 0;
  int64_t amount = 0;
  int64_t seq = 0;
};
WEIR_STRUCT(Trade, account, amount, seq)

std::vector<Trade> trades() {
  std::vector<Trade> t;
  for (int64_t i = 0; i < 300; ++i) t.push_back({i % 3, (i * 37) % 101, i});
  return t;
}

// The last rolling result per account (records of one key arrive in order at parallelism p).
template <typename Build>
std::map<int64_t, Trade> last_per_account(int p, Build build) {
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  auto keyed = env->from_collection(trades()).key_by([](const Trade& t) { return t.account; });
  auto out = build(keyed).collect();
  env->execute("field aggregation");
  std::map<int64_t, Trade> last;
  for (const auto& t : out->values()) last[t.account] = t;
  return last;
}

class FieldAggregations : public ::testing::TestWithParam<int> {};

TEST_P(FieldAggregations, MatchAReferenceFold) {
  std::map<int64_t, int64_t> sum, mn, mx;
  std::map<int64_t, Trade> first, min_by, max_by;
  for (const auto& t : trades()) {
    if (!first.count(t.account)) {
      first[t.account] = t;
      mn[t.account] = mx[t.account] = t.amount;
      min_by[t.account] = max_by[t.account] = t;
    }
    sum[t.account] += t.amount;
    mn[t.account] = std::min(mn[t.account], t.amount);
    mx[t.account] = std::max(mx[t.account], t.amount);
    if (t.amount < min_by[t.account].amount) min_by[t.account] = t;
    if (t.amount > max_by[t.account].amount) max_by[t.account] = t;
  }
  const int p = GetParam();
  auto s = last_per_account(p, [](auto& k) { return k.sum(&Trade::amount); });
  auto lo = last_per_account(p, [](auto& k) { return k.min(&Trade::amount); });
  auto hi = last_per_account(p, [](auto& k) { return k.max(&Trade::amount); });
  auto lob = last_per_account(p, [](auto& k) { return k.min_by(&Trade::amount); });
  auto hib = last_per_account(p, [](auto& k) { return k.max_by(&Trade::amount); });
  for (int64_t a = 0; a < 3; ++a) {
    EXPECT_EQ(s[a].amount, sum[a]);
    EXPECT_EQ(s[a].seq, first[a].seq);  // other fields come from the first record
    EXPECT_EQ(lo[a].amount, mn[a]);
    EXPECT_EQ(hi[a].amount, mx[a]);
    EXPECT_EQ(lob[a].seq, min_by[a].seq);
    EXPECT_EQ(hib[a].seq, max_by[a].seq);
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, FieldAggregations, ::testing::Values(1, 4));

}  // namespace
}  // namespace weir
