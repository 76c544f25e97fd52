// hfx/math/strided.hpp - a pointer whose consecutive elements lie `stride` elements apart.
//
// The math functions that work in caller-provided scratch (nll.hpp, newton.hpp, linalg.hpp,
// rates.hpp, hypotest_body.hpp) are templates over the type of their scratch pointers: a
// plain T* (one contiguous scratch block per thread: the CPU backend, hypotest_op) or a
// strided_ptr<T> (scratch interleaved across threads: element i of slot s at
// base[i * n_slots + s], interleaved_ops.hpp). With the interleaved layout the threads of a
// CUDA warp, running the same code in lockstep, touch consecutive addresses when they
// access the same element of their own scratch, so the loads and stores coalesce; with the
// contiguous layout they touch one cache line each.
//
// strided_ptr supports what the math does with its pointers: p[i], *p, p + n, p += n
// (n counts elements, so the address moves by n * stride), `if (p)` and the conversion
// strided_ptr<T> -> strided_ptr<const T>. A plain T* is the special case stride = 1, and
// the templates instantiated with T* are the very code they were before the templating.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hfx/config.hpp"

namespace hfx {

template <class T>
struct strided_ptr {
  T* p = nullptr;
  std::int64_t stride = 1;  // elements between consecutive elements (the number of slots)

  strided_ptr() = default;
  HFX_HDI constexpr strided_ptr(T* base, std::int64_t s) : p(base), stride(s) {}
  HFX_HDI constexpr strided_ptr(std::nullptr_t) : p(nullptr), stride(1) {}
  // strided_ptr<T> -> strided_ptr<const T> (and any other pointer conversion U* -> T*).
  template <class U, std::enable_if_t<std::is_convertible_v<U*, T*> && !std::is_same_v<U, T>, int> = 0>
  HFX_HDI constexpr strided_ptr(const strided_ptr<U>& o) : p(o.p), stride(o.stride) {}

  HFX_HDI constexpr T& operator[](std::int64_t i) const { return p[i * stride]; }
  HFX_HDI constexpr T& operator*() const { return *p; }
  HFX_HDI constexpr strided_ptr operator+(std::int64_t n) const { return strided_ptr(p + n * stride, stride); }
  HFX_HDI constexpr strided_ptr& operator+=(std::int64_t n) {
    p += n * stride;
    return *this;
  }
  HFX_HDI constexpr explicit operator bool() const { return p != nullptr; }
};

static_assert(std::is_trivially_copyable_v<strided_ptr<double>>);
static_assert(std::is_convertible_v<strided_ptr<double>, strided_ptr<const double>>);
static_assert(!std::is_convertible_v<strided_ptr<const double>, strided_ptr<double>>);

// The pointer type like P (a plain pointer or a strided_ptr) to elements of type U: U* for
// P = T*, strided_ptr<U> for P = strided_ptr<T>. The math templates take their scratch
// pointer type W as the one template parameter and spell every other pointer argument as
// rebind_pointer_t<W, ...> (const double for read-only inputs, int / std::uint8_t for the
// integer scratch), so that W = double* gives exactly the plain-pointer signatures (one
// instantiation per function, as before the templating) and the arguments' conversions
// (double* -> const double*, strided_ptr<double> -> strided_ptr<const double>) apply.
template <class P, class U>
struct rebind_pointer;
template <class T, class U>
struct rebind_pointer<T*, U> {
  using type = U*;
};
template <class T, class U>
struct rebind_pointer<strided_ptr<T>, U> {
  using type = strided_ptr<U>;
};
template <class P, class U>
using rebind_pointer_t = typename rebind_pointer<P, U>::type;

// Slot `slot` of an interleaved scratch array of n_slots slots: element i at
// base[i * n_slots + slot].
template <class T>
HFX_HDI constexpr strided_ptr<T> interleaved_slot(T* base, std::int64_t slot, std::int64_t n_slots) {
  return strided_ptr<T>(base + slot, n_slots);
}

}  // namespace hfx
