#pragma once
// Which sanitizer this translation unit is built with (GCC defines __SANITIZE_*; clang answers
// __has_feature). For what a sanitizer changes: its own signal handlers, its own allocator, its shadow
// memory in the process's RSS.
namespace weir {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

//! Built with ASan or TSan: the sanitizer owns the fatal signals and malloc.
inline constexpr bool kSanitized = kAddressSanitizer || kThreadSanitizer;

}  // namespace weir
