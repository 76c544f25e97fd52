// hfx/math/linalg.hpp - small dense linear algebra for the per-hypothesis Newton solve.
// Device-compatible: no allocation, no exceptions; the caller owns all memory. W: double* or
// strided_ptr<double> (math/strided.hpp; see nll.hpp).
#pragma once
#include <cmath>

#include "hfx/config.hpp"
#include "hfx/math/strided.hpp"

namespace hfx::la {

// In-place Cholesky factorisation A = L L^T of a symmetric n x n matrix (row-major, leading
// dimension ld); the lower triangle receives L. Returns false when A is not positive
// definite (a pivot <= tiny * largest diagonal), leaving A partially overwritten.
template <class W>
HFX_HDI bool cholesky(int n, W A, int ld) {
  double dmax = 0.0;
  for (int i = 0; i < n; ++i) dmax = fmax(dmax, fabs(A[i * ld + i]));
  // Relative pivot floor: below ~1e-14 of the largest diagonal the factor carries no
  // significant digits in double precision and the step would be noise.
  const double floor_ = 1e-14 * (dmax > 0.0 ? dmax : 1.0);
  for (int j = 0; j < n; ++j) {
    double d = A[j * ld + j];
    for (int k = 0; k < j; ++k) d -= A[j * ld + k] * A[j * ld + k];
    if (!(d > floor_)) return false;  // also catches NaN
    const double ljj = sqrt(d);
    A[j * ld + j] = ljj;
    const double inv = 1.0 / ljj;
    for (int i = j + 1; i < n; ++i) {
      double s = A[i * ld + j];
      for (int k = 0; k < j; ++k) s -= A[i * ld + k] * A[j * ld + k];
      A[i * ld + j] = s * inv;
    }
  }
  return true;
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
