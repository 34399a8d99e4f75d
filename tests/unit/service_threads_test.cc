// Service threads do not die of an exception (which would end the process): the timer thread and a
// serial executor log what a function threw and run the next one.
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>

#include <gtest/gtest.h>

#include "weir/cluster/jobmanager/timer_thread.h"
#include "weir/common/serial_executor.h"

namespace weir {
namespace {

TEST(ServiceThreads, TheTimerThreadOutlivesAThrowingAction) {
  cluster::TimerThread timers;
  std::promise<void> ran;
  timers.schedule(std::chrono::milliseconds(0), [] { throw std::runtime_error("an action failed"); });
  timers.schedule(std::chrono::milliseconds(1), [] { throw 42; });  // not even an exception type
  timers.schedule(std::chrono::milliseconds(2), [&] { ran.set_value(); });
  EXPECT_EQ(ran.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
}

TEST(ServiceThreads, ASerialExecutorRunsTheFunctionsAfterAThrowingOne) {
  std::atomic<int> ran{0};
  std::promise<void> last;
  {
    SerialExecutor executor;
    executor.submit([&] { ++ran; });
    executor.submit([] { throw std::runtime_error("a function failed"); });
    executor.submit([&] {
      ++ran;
      last.set_value();
    });
    EXPECT_EQ(last.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  }
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace weir
