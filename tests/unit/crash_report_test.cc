// What a crashing process prints (weir/common/crash_report.h): the process, the thread's name, the cause
// and the stack, on stderr. Each case crashes a child process (a gtest death test).
#include <signal.h>

#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "weir/common/crash_report.h"
#include "weir/common/sanitizers.h"
#include "weir/common/thread_name.h"

namespace weir {
namespace {

class CrashReport : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(CrashReport, AnExceptionNothingCatchesNamesItsTypeMessageThreadAndStack) {
  EXPECT_DEATH(
      {
        install_crash_report("crash-test");
        std::thread([] {
          set_thread_name("doomed-worker");
          throw std::runtime_error("nobody catches this");
        }).join();
      },
      "FATAL: crash-test: std::terminate on thread 'doomed-worker' \\(tid [0-9]+\\): uncaught exception "
      "std::runtime_error: nobody catches this\nstack \\(innermost first");
}

TEST_F(CrashReport, AJoinableThreadDestroyedIsNamedAsSuch) {
  EXPECT_DEATH(
      {
        install_crash_report("crash-test");
        set_thread_name("owner");
        std::thread forgotten([] {});
      },
      "FATAL: crash-test: std::terminate on thread 'owner' .*no exception in flight \\(a joinable "
      "std::thread destroyed");
}

TEST_F(CrashReport, AFatalSignalNamesTheSignalTheAddressAndTheThread) {
  if (kSanitized) GTEST_SKIP() << "the sanitizer reports fatal signals itself";
  EXPECT_DEATH(
      {
        install_crash_report("crash-test");
        set_thread_name("faulting");
        volatile int* nowhere = reinterpret_cast<volatile int*>(16);
        *nowhere = 1;
      },
      "FATAL: crash-test: signal 11 \\(SIGSEGV\\) on thread 'faulting' \\(tid [0-9]+\\) at address 0x10\n"
      "stack");
}

TEST(ThreadName, IsCutToWhatLinuxKeeps) {
  std::string seen;
  std::thread([&] {
    set_thread_name("a-name-longer-than-fifteen-bytes");
    seen = thread_name();
  }).join();
  EXPECT_EQ(seen, "a-name-longer-t");
}

}  // namespace
}  // namespace weir
