#pragma once
// What a process prints when it ends abnormally: std::terminate (an exception nothing caught, a joinable
// std::thread destroyed, a noexcept function that threw) or a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT). The report goes to stderr, which a cluster process sends to its NAME.out: the process,
// the thread's name and id, the cause (the exception's type and message, or the signal and the faulting
// address) and the thread's stack. The process then ends as it would have (abort, or the signal's default
// action: a core dump where enabled), so exit statuses and core files are unchanged. After the JVM's
// hs_err file and Flink's FatalExitExceptionHandler, which name the thread and print its stack.
//
// Sanitizer builds keep the sanitizer's own signal handlers (their reports say more); only std::terminate
// is reported there.
//
// Threading: install once, early in main (or from a static initializer); the handlers run on the thread
// that failed.
#include <string>

namespace weir {

//! Installs the handlers. `process` names the process in the report ("taskmanager", "weir run", ...).
//! Calling it again only renames the process.
void install_crash_report(const std::string& process);

}  // namespace weir
