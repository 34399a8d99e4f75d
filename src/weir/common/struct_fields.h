#pragma once
// WEIR_STRUCT(Type, field...) declares a plain struct's fields once; serialization, printing and
// equality-free hashing of keys then work without hand-written byte code.
//
//   struct Bid { int64_t auction; int64_t bidder; int64_t price; };
//   WEIR_STRUCT(Bid, auction, bidder, price)
//
// Place the macro in the struct's namespace (it defines a function found by argument-dependent lookup).
#include <tuple>

#define WEIR_PP_CAT_(a, b) a##b
#define WEIR_PP_CAT(a, b) WEIR_PP_CAT_(a, b)
#define WEIR_PP_NARG(...) WEIR_PP_NARG_(__VA_ARGS__, WEIR_PP_RSEQ())
#define WEIR_PP_NARG_(...) WEIR_PP_ARG_N(__VA_ARGS__)
#define WEIR_PP_ARG_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, \
                      _20, _21, _22, _23, _24, N, ...)                                                      \
  N
#define WEIR_PP_RSEQ() \
  24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0

#define WEIR_PP_FE_1(M, T, x) M(T, x)
#define WEIR_PP_FE_2(M, T, x, ...) M(T, x), WEIR_PP_FE_1(M, T, __VA_ARGS__)
#define WEIR_PP_FE_3(M, T, x, ...) M(T, x), WEIR_PP_FE_2(M, T, __VA_ARGS__)
#define WEIR_PP_FE_4(M, T, x, ...) M(T, x), WEIR_PP_FE_3(M, T, __VA_ARGS__)
#define WEIR_PP_FE_5(M, T, x, ...) M(T, x), WEIR_PP_FE_4(M, T, __VA_ARGS__)
#define WEIR_PP_FE_6(M, T, x, ...) M(T, x), WEIR_PP_FE_5(M, T, __VA_ARGS__)
#define WEIR_PP_FE_7(M, T, x, ...) M(T, x), WEIR_PP_FE_6(M, T, __VA_ARGS__)
#define WEIR_PP_FE_8(M, T, x, ...) M(T, x), WEIR_PP_FE_7(M, T, __VA_ARGS__)
#define WEIR_PP_FE_9(M, T, x, ...) M(T, x), WEIR_PP_FE_8(M, T, __VA_ARGS__)
#define WEIR_PP_FE_10(M, T, x, ...) M(T, x), WEIR_PP_FE_9(M, T, __VA_ARGS__)
#define WEIR_PP_FE_11(M, T, x, ...) M(T, x), WEIR_PP_FE_10(M, T, __VA_ARGS__)
#define WEIR_PP_FE_12(M, T, x, ...) M(T, x), WEIR_PP_FE_11(M, T, __VA_ARGS__)
#define WEIR_PP_FE_13(M, T, x, ...) M(T, x), WEIR_PP_FE_12(M, T, __VA_ARGS__)
#define WEIR_PP_FE_14(M, T, x, ...) M(T, x), WEIR_PP_FE_13(M, T, __VA_ARGS__)
#define WEIR_PP_FE_15(M, T, x, ...) M(T, x), WEIR_PP_FE_14(M, T, __VA_ARGS__)
#define WEIR_PP_FE_16(M, T, x, ...) M(T, x), WEIR_PP_FE_15(M, T, __VA_ARGS__)
#define WEIR_PP_FE_17(M, T, x, ...) M(T, x), WEIR_PP_FE_16(M, T, __VA_ARGS__)
#define WEIR_PP_FE_18(M, T, x, ...) M(T, x), WEIR_PP_FE_17(M, T, __VA_ARGS__)
#define WEIR_PP_FE_19(M, T, x, ...) M(T, x), WEIR_PP_FE_18(M, T, __VA_ARGS__)
#define WEIR_PP_FE_20(M, T, x, ...) M(T, x), WEIR_PP_FE_19(M, T, __VA_ARGS__)
#define WEIR_PP_FE_21(M, T, x, ...) M(T, x), WEIR_PP_FE_20(M, T, __VA_ARGS__)
#define WEIR_PP_FE_22(M, T, x, ...) M(T, x), WEIR_PP_FE_21(M, T, __VA_ARGS__)
#define WEIR_PP_FE_23(M, T, x, ...) M(T, x), WEIR_PP_FE_22(M, T, __VA_ARGS__)
#define WEIR_PP_FE_24(M, T, x, ...) M(T, x), WEIR_PP_FE_23(M, T, __VA_ARGS__)
#define WEIR_PP_FOR_EACH(M, T, ...) WEIR_PP_CAT(WEIR_PP_FE_, WEIR_PP_NARG(__VA_ARGS__))(M, T, __VA_ARGS__)

#define WEIR_PP_MEMBER_PTR(T, f) &T::f
#define WEIR_PP_MEMBER_NAME(T, f) #f

namespace weir {
//! Marks types described by WEIR_STRUCT.
template <typename T>
concept DescribedStruct = requires(const T* p) {
  weir_struct_fields(p);
};
}  // namespace weir

#define WEIR_STRUCT(Type, ...)                                                                     \
  [[maybe_unused]] inline auto weir_struct_fields(const Type*) {                                   \
    return std::make_tuple(WEIR_PP_FOR_EACH(WEIR_PP_MEMBER_PTR, Type, __VA_ARGS__));               \
  }                                                                                                \
  [[maybe_unused]] inline const char* const* weir_struct_names(const Type*) {                      \
    static const char* const names[] = {WEIR_PP_FOR_EACH(WEIR_PP_MEMBER_NAME, Type, __VA_ARGS__)}; \
    return names;                                                                                  \
  }                                                                                                \
  [[maybe_unused]] inline const char* weir_struct_name(const Type*) {                              \
    return #Type;                                                                                  \
  }
