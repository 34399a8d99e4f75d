#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "weir/weir.h"

namespace weir {
namespace {

class BasicPipeline : public ::testing::TestWithParam<int> {};

TEST_P(BasicPipeline, MapFilterKeyByReduceMatchesReference) {
  const int p = GetParam();
  auto env = StreamExecutionEnvironment::get_execution_environment();
  env->set_parallelism(p);
  std::vector<int64_t> input;
  for (int64_t i = 0; i < 20000; ++i) input.push_back(i);
  auto out = env->from_collection(input)
                 .map([](const int64_t& v) {
                   return std::pair<int64_t, int64_t>{v % 7, v};
                 })
                 .filter([](const std::pair<int64_t, int64_t>& kv) { return kv.second % 3 != 0; })
                 .key_by([](const std::pair<int64_t, int64_t>& kv) { return kv.first; })
                 .sum<1>()
                 .collect();
  env->execute("basic");
  // The last rolling sum per key is the key's total.
  std::map<int64_t, int64_t> expected, actual;
  for (auto v : input)
    if (v % 3 != 0) expected[v % 7] += v;
  for (const auto& [k, s] : out->values()) actual[k] = std::max(actual[k], s);
  EXPECT_EQ(actual, expected);
  size_t n = std::count_if(input.begin(), input.end(), [](int64_t v) { return v % 3 != 0; });
  EXPECT_EQ(out->size(), n);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, BasicPipeline, ::testing::Values(1, 4));

}  // namespace
}  // namespace weir
