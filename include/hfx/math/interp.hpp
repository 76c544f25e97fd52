// hfx/math/interp.hpp - pyhf 0.7.6 interpolation codes with exact first and second
// derivatives in alpha (host and device).
//
// normsys_interp returns the multiplicative factor f(alpha) (1 at alpha = 0) of a normsys
// with relative variations lo, hi (pyhf builds the histogram set [lo, 1, hi]).
// histosys_interp returns the additive delta(alpha) (0 at alpha = 0) of one bin of a
// histosys with templates lo, nom, hi.
//
// The branches are those of the tensorised interpolators that pyhf's Model uses
// (pyhf/interpolators/code*.py, class codeN; pyhf/modifiers/{normsys,histosys}.py call
// them through getattr(interpolators, interpcode)):
//   code0  alpha > 0: alpha*(hi - nom), else alpha*(nom - lo)
//   code1  alpha > 0: hi^alpha,         else lo^(-alpha)
//   code2  a = (hi + lo)/2 - nom, b = (hi - lo)/2;
//          alpha > 1: (b + 2a)(alpha - 1); -1 <= alpha <= 1: a alpha^2 + b alpha;
//          alpha < -1: (b - 2a) alpha.
//          NOTE: this is what pyhf 0.7.6's tensorised code2 computes (it adds mask_off,
//          i.e. 0, where its _slow_code2 adds 1: the two disagree below -1), and it is
//          discontinuous at +-1 (the value jumps by -(a + b) at +1 and by a at -1).
//          hfx reproduces the Model, not the slow reference.
//   code4  alpha >= 1: hi^alpha; alpha <= -1: lo^(-alpha);
//          else 1 + sum_{i=1..6} a_i alpha^i with a = A^{-1} b (alpha0 = 1), matching value,
//          slope and curvature of the exponentials at +-1.
//   code4p alpha > 1: alpha*(hi - nom); alpha < -1: alpha*(nom - lo);
//          else A*alpha^2*(alpha^2*(3 alpha^2 - 10) + 15) + S*alpha,
//          S = (D+ + D-)/2, A = (D+ - D-)/16, D+ = hi - nom, D- = nom - lo.
//
// At a kink (alpha = 0 for code0/code1; alpha = +-1 for code2) the derivatives returned
// are those of the branch pyhf evaluates at that point: for code0/code1 at alpha = 0 the
// alpha <= 0 branch (the left derivative), for code2 at alpha = +-1 the inner quadratic.
// code4 and code4p are C2 at +-1 by construction (code4 up to the rounding of its
// coefficients), so either side gives the same numbers there.
//
// Inputs are not validated here (device code): code1/code4 need lo > 0 and hi > 0 (model
// compilation rejects other normsys), and an unknown code yields NaN, which twice_nll
// turns into +infinity.
#pragma once
#include <cmath>

#include "hfx/config.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// Value and first and second derivative with respect to alpha.
struct interp_d {
  double v, d1, d2;
};

// Polynomial coefficients a_1..a_6 of code4 inside |alpha| < 1: a = A^{-1} b with
// b = [hi - 1, lo - 1, ln(hi) hi, -ln(lo) lo, ln(hi)^2 hi, ln(lo)^2 lo]
// (pyhf/interpolators/code4.py, A_inverse at alpha0 = 1; rows summed in pyhf's order).
HFX_HDI void code4_coefficients(double lo, double hi, double* a) {
  const double lhi = std::log(hi), llo = std::log(lo);
  const double b0 = hi - 1.0, b1 = lo - 1.0;
  const double b2 = lhi * hi, b3 = -llo * lo;
  const double b4 = (lhi * lhi) * hi, b5 = (llo * llo) * lo;
  a[0] = 15.0 / 16 * b0 - 15.0 / 16 * b1 - 7.0 / 16 * b2 - 7.0 / 16 * b3 + 1.0 / 16 * b4 - 1.0 / 16 * b5;
  a[1] = 1.5 * b0 + 1.5 * b1 - 9.0 / 16 * b2 + 9.0 / 16 * b3 + 1.0 / 16 * b4 + 1.0 / 16 * b5;
  a[2] = -5.0 / 8 * b0 + 5.0 / 8 * b1 + 5.0 / 8 * b2 + 5.0 / 8 * b3 - 1.0 / 8 * b4 + 1.0 / 8 * b5;
  a[3] = -1.5 * b0 - 1.5 * b1 + 7.0 / 8 * b2 - 7.0 / 8 * b3 - 1.0 / 8 * b4 - 1.0 / 8 * b5;
  a[4] = 3.0 / 16 * b0 - 3.0 / 16 * b1 - 3.0 / 16 * b2 - 3.0 / 16 * b3 + 1.0 / 16 * b4 - 1.0 / 16 * b5;
  a[5] = 0.5 * b0 + 0.5 * b1 - 5.0 / 16 * b2 + 5.0 / 16 * b3 + 1.0 / 16 * b4 + 1.0 / 16 * b5;
}

// base^|alpha| with its derivatives: the exponential branches of code1 and code4.
// sign = +1 for base = hi (alpha >= 0 side), -1 for base = lo (exponent -alpha).
HFX_HDI interp_d exp_branch(double base, double alpha, double sign) {
  const double v = std::pow(base, sign * alpha);
  const double l = sign * std::log(base);
  return {v, v * l, v * l * l};
}

// Multiplicative normsys factor f(alpha) for code1 or code4 (see the header comment).
HFX_HDI interp_d normsys_interp(interp_code c, double alpha, double lo, double hi) {
  if (c == interp_code::code1) {
    return alpha > 0.0 ? exp_branch(hi, alpha, 1.0) : exp_branch(lo, alpha, -1.0);
  }
  if (c == interp_code::code4) {
    if (alpha >= 1.0) return exp_branch(hi, alpha, 1.0);
    if (!(alpha > -1.0)) return exp_branch(lo, alpha, -1.0);
    double a[6];
    code4_coefficients(lo, hi, a);
    const double x = alpha, x2 = x * x, x3 = x2 * x, x4 = x3 * x, x5 = x4 * x, x6 = x5 * x;
    const double v = 1.0 + (a[0] * x + a[1] * x2 + a[2] * x3 + a[3] * x4 + a[4] * x5 + a[5] * x6);
    const double d1 = a[0] + 2.0 * a[1] * x + 3.0 * a[2] * x2 + 4.0 * a[3] * x3 + 5.0 * a[4] * x4 +
                      6.0 * a[5] * x5;
    const double d2 = 2.0 * a[1] + 6.0 * a[2] * x + 12.0 * a[3] * x2 + 20.0 * a[4] * x3 +
                      30.0 * a[5] * x4;
    return {v, d1, d2};
  }
  return {double(NAN), double(NAN), double(NAN)};
}

// Additive histosys delta(alpha) of one bin for code0, code2 or code4p.
HFX_HDI interp_d histosys_interp(interp_code c, double alpha, double lo, double nom, double hi) {
  if (c == interp_code::code4p) {
    const double dup = hi - nom, ddn = nom - lo;
    if (alpha > 1.0) return {alpha * dup, dup, 0.0};
    if (alpha < -1.0) return {alpha * ddn, ddn, 0.0};
    const double S = 0.5 * (dup + ddn), A = 0.0625 * (dup - ddn);
    const double x2 = alpha * alpha;
    // pyhf code4p.__call__: tmp3 = x2*(x2*(3 x2 - 10) + 15); delta = tmp3*A + alpha*S
    const double tmp3 = x2 * (x2 * (x2 * 3.0 - 10.0) + 15.0);
    const double v = tmp3 * A + alpha * S;
    const double d1 = S + A * alpha * (30.0 + x2 * (-40.0 + 18.0 * x2));
    const double d2 = A * (30.0 + x2 * (-120.0 + 90.0 * x2));
    return {v, d1, d2};
  }
  if (c == interp_code::code0) {
    if (alpha > 0.0) {
      const double dup = hi - nom;
      return {alpha * dup, dup, 0.0};
    }
    const double ddn = nom - lo;
    return {alpha * ddn, ddn, 0.0};
  }
  if (c == interp_code::code2) {
    const double a = 0.5 * (hi + lo) - nom, b = 0.5 * (hi - lo);
    if (alpha > 1.0) {
      const double s = b + 2.0 * a;
      return {(alpha - 1.0) * s, s, 0.0};
    }
    if (!(alpha >= -1.0)) {
      const double s = b - 2.0 * a;
      return {alpha * s, s, 0.0};  // pyhf's tensorised code2: (alpha + 0) * (b - 2a)
    }
    return {a * alpha * alpha + b * alpha, 2.0 * a * alpha + b, 2.0 * a};
  }
  return {double(NAN), double(NAN), double(NAN)};
}

}  // namespace hfx
