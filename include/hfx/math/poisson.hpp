// hfx/math/poisson.hpp - the terms of twice_nll = -2 log L (host and device): the
// Poisson main term with continuous data and the Gaussian and Poisson constraint terms,
// each with its first and second derivative in its parameter.
//
// Sources (pyhf 0.7.6): tensor/numpy_backend.py poisson_logpdf
//   xlogy(n, lam) - lam - gammaln(n + 1), normal_logpdf
//   -log(sigma*sqrt(2 pi)) - ((x - mu)/(sqrt(2) sigma))^2; constraints.py: the Poisson
//   constraint has rate gamma*tau and observes the auxiliary datum; all constants kept.
//
// Infeasible points (DESIGN.md section 2, "Non-positive expected rates"): a rate < 0, a
// rate == 0 with a positive count, or a rate that is NaN gives value +infinity with zero
// derivatives, never NaN; the fitter rejects such steps. Rate 0 with count 0 is valid
// (xlogy(0, 0) = 0).
#pragma once
#include <cmath>

#include "hfx/config.hpp"

#if !defined(__CUDA_ARCH__) && defined(__GLIBC__)
#include <math.h>  // lgamma_r
#endif

namespace hfx {

// A term of twice_nll and its first and second derivative in one variable.
struct term_d {
  double v, d1, d2;
};

// log Gamma(x) without touching global state: glibc's lgamma writes the global `signgam`
// (a data race when CPU threads evaluate in parallel), lgamma_r does not. CUDA's device
// lgamma has no such side effect.
HFX_HDI double log_gamma(double x) {
#if !defined(__CUDA_ARCH__) && defined(__GLIBC__)
  int sign;
  return lgamma_r(x, &sign);
#else
  return std::lgamma(x);
#endif
}

// x*log(y) with xlogy(0, y) = 0 for every y (scipy.special.xlogy, as pyhf uses it).
HFX_HDI double xlogy(double x, double y) { return x == 0.0 ? 0.0 : x * std::log(y); }

HFX_HDI term_d infeasible_term() { return {double(INFINITY), 0.0, 0.0}; }

// Main term -2 log Pois(n | nu) = -2 (xlogy(n, nu) - nu - lgamma(n + 1)) and its
// derivatives in nu: 2 (1 - n/nu) and 2 n/nu^2 (n/nu := 0 when n = 0).
HFX_HDI term_d poisson_term(double n, double nu) {
  if (!(nu > 0.0) && !(nu == 0.0 && n == 0.0)) return infeasible_term();
  const double v = -2.0 * (xlogy(n, nu) - nu - log_gamma(n + 1.0));
  if (n == 0.0) return {v, 2.0, 0.0};
  const double r = n / nu;
  return {v, 2.0 * (1.0 - r), 2.0 * r / nu};
}

// Gaussian constraint -2 log N(aux | theta, sigma) (normalisation kept) and its
// derivatives in theta: 2 (theta - aux)/sigma^2 and 2/sigma^2.
HFX_HDI term_d gauss_constraint_term(double aux, double theta, double sigma) {
  const double root2 = 1.4142135623730951;       // sqrt(2), as np.sqrt(2)
  const double root2pi = 2.5066282746310002;     // sqrt(2 pi), as np.sqrt(2 * np.pi)
  const double prefactor = -std::log(sigma * root2pi);
  const double z = (aux - theta) / (root2 * sigma);
  const double v = -2.0 * (prefactor - z * z);
  const double is2 = 1.0 / (sigma * sigma);
  return {v, 2.0 * (theta - aux) * is2, 2.0 * is2};
}

// Poisson constraint -2 log Pois(aux | gamma*tau) and its derivatives in gamma
// (chain rule on poisson_term with d(rate)/d(gamma) = tau).
HFX_HDI term_d poisson_constraint_term(double aux, double gamma, double tau) {
  const term_d t = poisson_term(aux, gamma * tau);
  return {t.v, t.d1 * tau, t.d2 * tau * tau};
}

}  // namespace hfx
