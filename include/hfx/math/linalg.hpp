// hfx/math/linalg.hpp - small dense linear algebra for the per-hypothesis Newton solve.
// Device-compatible: no allocation, no exceptions; the caller owns all memory. W: double* or
// strided_ptr<double> (math/strided.hpp; see nll.hpp).
#pragma once
#include <cmath>

#include "hfx/config.hpp"
#include "hfx/math/strided.hpp"

namespace hfx::la {

// In-place Cholesky factorisation A = L L^T of a symmetric n x n matrix (row-major, leading
// dimension ld); the lower triangle receives L. Returns the number of pivots factorised: n
// when A is positive definite, else the index j of the first pivot <= tiny * largest
// diagonal. Then columns 0..j-1 of the lower triangle hold L, row j's entries left of the
// diagonal hold L's row j and A's diagonal from j on is untouched, which is what
// negative-curvature directions are built from (newton.hpp).
template <class W>
HFX_HDI int cholesky_pivots(int n, W A, int ld) {
  double dmax = 0.0;
  for (int i = 0; i < n; ++i) dmax = fmax(dmax, fabs(A[i * ld + i]));
  // Relative pivot floor: below ~1e-14 of the largest diagonal the factor carries no
  // significant digits in double precision and the step would be noise.
  const double floor_ = 1e-14 * (dmax > 0.0 ? dmax : 1.0);
  for (int j = 0; j < n; ++j) {
    double d = A[j * ld + j];
    for (int k = 0; k < j; ++k) d -= A[j * ld + k] * A[j * ld + k];
    if (!(d > floor_)) return j;  // also catches NaN
    const double ljj = sqrt(d);
    A[j * ld + j] = ljj;
    const double inv = 1.0 / ljj;
    for (int i = j + 1; i < n; ++i) {
      double s = A[i * ld + j];
      for (int k = 0; k < j; ++k) s -= A[i * ld + k] * A[j * ld + k];
      A[i * ld + j] = s * inv;
    }
  }
  return n;
}

// cholesky_pivots() == n: true when A is positive definite (A partially overwritten if not).
template <class W>
HFX_HDI bool cholesky(int n, W A, int ld) {
  return cholesky_pivots(n, A, ld) == n;
}

// Solves L L^T x = b in place (b becomes x) with the factor from cholesky().
template <class W>
HFX_HDI void cholesky_solve(int n, rebind_pointer_t<W, const double> L, int ld, W b) {
  for (int i = 0; i < n; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= L[i * ld + k] * b[k];
    b[i] = s / L[i * ld + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    double s = b[i];
    for (int k = i + 1; k < n; ++k) s -= L[k * ld + i] * b[k];
    b[i] = s / L[i * ld + i];
  }
}

}  // namespace hfx::la
