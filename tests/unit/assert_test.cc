// WEIR_ASSERT (common/assert.h): in builds without NDEBUG (debug, and the sanitizer trees that run the unit
// tests in CI) a broken invariant ends the process with the condition, the message and where it failed; in
// release builds the macro compiles out and its condition is not even evaluated.
#include <gtest/gtest.h>

#include "weir/common/assert.h"

namespace weir {
namespace {

#ifndef NDEBUG
TEST(AssertDeathTest, ABrokenInvariantAbortsNamingTheConditionTheMessageAndTheLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int one = 1;
  EXPECT_DEATH(WEIR_ASSERT(one == 2, "one is two"),
               "weir: assertion failed at .*assert_test\\.cc:[0-9]+: one is two \\(one == 2\\)");
}
#endif

TEST(Assert, TheConditionIsEvaluatedOnlyWhereItIsChecked) {
  int evaluated = 0;
  WEIR_ASSERT(++evaluated > 0, "counts its evaluations");
#ifdef NDEBUG
  EXPECT_EQ(evaluated, 0);
#else
  EXPECT_EQ(evaluated, 1);
#endif
}

}  // namespace
}  // namespace weir
