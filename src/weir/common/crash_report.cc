#include "weir/common/crash_report.h"

#include <cxxabi.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "weir/common/sanitizers.h"
#include "weir/common/thread_name.h"

namespace weir {
namespace {

constexpr int kMaxFrames = 64;
constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

// The process's name, fixed-size so that the signal handler reads it without allocating.
char g_process[64] = "weir";
std::atomic<bool> g_reporting{false};  // the first fatal event reports; a second one (abort) does not

// write(2) of a whole string: async-signal-safe.
void put(const char* s) {
  size_t n = std::strlen(s);
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

// A decimal or hexadecimal number without printf (async-signal-safe).
void put_number(unsigned long long v, unsigned base) {
  char buf[32];
  int i = sizeof buf - 1;
  buf[i] = '\0';
  do {
    buf[--i] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0 && i > 2);
  if (base == 16) {
    buf[--i] = 'x';
    buf[--i] = '0';
  }
  put(buf + i);
}

void put_thread() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  put(" on thread '");
  put(name);
  put("' (tid ");
  put_number(static_cast<unsigned long long>(::syscall(SYS_gettid)), 10);
  put(")");
}

// The calling thread's frames, one per line, symbolized by glibc (names need -rdynamic, which `weir` and
// the test binaries have: they export Weir's symbols for job libraries).
void put_stack() {
  void* frames[kMaxFrames];
  int n = ::backtrace(frames, kMaxFrames);
  put("stack (innermost first; c++filt demangles names, addr2line -e BINARY +OFFSET finds the rest):\n");
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
}

std::string demangled(const char* name) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> d(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                                &std::free);
  return status == 0 && d ? d.get() : name;
}

[[noreturn]] void on_terminate() {
  if (!g_reporting.exchange(true)) {
    put("\nFATAL: ");
    put(g_process);
    put(": std::terminate");
    put_thread();
    put(": ");
    if (std::exception_ptr e = std::current_exception()) {
      std::string what;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = "uncaught exception " + demangled(typeid(ex).name()) + ": " + ex.what();
      } catch (...) {
        const std::type_info* t = abi::__cxa_current_exception_type();
        what = "uncaught exception of type " + (t ? demangled(t->name()) : std::string("unknown"));
      }
      put(what.c_str());
    } else {
      put("no exception in flight (a joinable std::thread destroyed or assigned to, or std::terminate "
          "called)");
    }
    put("\n");
    put_stack();
  }
  std::signal(SIGABRT, SIG_DFL);  // the abort that follows is this report's, not a second crash
  std::abort();
}

void on_signal(int sig, siginfo_t* info, void* /*context*/) {
  if (!g_reporting.exchange(true)) {
    put("\nFATAL: ");
    put(g_process);
    put(": signal ");
    put_number(static_cast<unsigned>(sig), 10);
    put(" (SIG");
    put(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    put(")");
    put_thread();
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) {
      put(" at address ");
      put_number(reinterpret_cast<unsigned long long>(info->si_addr), 16);
    }
    put("\n");
    put_stack();
  }
  // SA_RESETHAND restored the default action: re-raised, the signal ends the process as it would have.
  ::raise(sig);
}

}  // namespace

void install_crash_report(const std::string& process) {
  std::strncpy(g_process, process.c_str(), sizeof g_process - 1);
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  // backtrace() loads libgcc on its first call, which allocates: done now, not in a signal handler.
  void* warm[1];
  ::backtrace(warm, 1);
  std::set_terminate(on_terminate);
  if (kSanitized) return;  // the sanitizer's own handlers report fatal signals
  struct sigaction sa = {};
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatalSignals) ::sigaction(sig, &sa, nullptr);
}

}  // namespace weir
