#pragma once
// Internal invariants (docs/dev/errors.md): WEIR_ASSERT(condition, message) states what the code around
// it relies on and that no input can break, only a bug in Weir. It is checked in debug and sanitizer
// builds (those without NDEBUG: the debug, asan and tsan presets, and so the ASan unit tests in CI), where
// a broken invariant prints the condition, the message and where it failed, then aborts so the sanitizer
// or the core dump shows the stack. Release builds compile it out; the condition is then not evaluated,
// so it must have no side effects.
//
// Not for input: bytes from a peer or a file, a request, a configuration value or a user function's
// result are checked with an error (SerializationError, ConfigError, ...) in every build.
#include <cstdio>
#include <cstdlib>

namespace weir::detail {

[[noreturn]] inline void assertion_failed(const char* condition, const char* message, const char* file,
                                          int line) noexcept {
  // Straight to stderr: the logger may be what is broken, and the process ends here.
  std::fprintf(stderr, "weir: assertion failed at %s:%d: %s (%s)\n", file, line, message, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace weir::detail

#ifdef NDEBUG
#define WEIR_ASSERT(condition, message) static_cast<void>(sizeof(static_cast<bool>(condition)))
#else
#define WEIR_ASSERT(condition, message)                \
  (static_cast<bool>(condition) ? static_cast<void>(0) \
                                : ::weir::detail::assertion_failed(#condition, message, __FILE__, __LINE__))
#endif
