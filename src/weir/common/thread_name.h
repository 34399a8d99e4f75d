#pragma once
// Names for Weir's own threads, as `top -H`, gdb, /proc/PID/task/*/comm and the crash report show them
// (Flink names its threads the same way: "Source: X (1/2)#0", "flink-akka...").
//
// Threading: names the calling thread only.
#include <string>
#include <string_view>

namespace weir {

//! Names the calling thread `name`, cut to the 15 bytes Linux keeps.
void set_thread_name(std::string_view name);

//! The calling thread's name (the process name for a thread never named).
std::string thread_name();

}  // namespace weir
