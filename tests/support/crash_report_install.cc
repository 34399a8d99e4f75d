// Linked into every test executable: a test process that crashes (std::terminate, a fatal signal) says on
// which thread and with which stack, in the test's output (weir/common/crash_report.h).
#include <errno.h>  // program_invocation_short_name

#include <string>

#include "weir/common/crash_report.h"

namespace {

[[maybe_unused]] const bool kInstalled = [] {
  weir::install_crash_report(std::string("test ") + program_invocation_short_name);
  return true;
}();

}  // namespace
