// hfx/math/asymptotics.hpp - asymptotic (Wald) test statistics and CLs, reproducing pyhf
// 0.7.6 (pyhf/infer/test_statistics.py, pyhf/infer/calculators.py, pyhf/infer/__init__.py)
// and Cowan et al., arXiv:1007.1727. Device-compatible: no allocation, no exceptions.
//
// Pipeline of one hypothesis test at mu (what pyhf's hypotest does with the asymptotic
// calculator), given the four fitted twice_nll values:
//   q   = test_stat_value(t, mu, muhat,   nll(mu | data),   nll(free | data))
//   q_A = test_stat_value(t, mu, muhat_A, nll(mu | asimov), nll(free | asimov))
//   v   = asymptotic_cls(t, q, q_A)      -> CLs+b, CLb, CLs and the expected band
//   r   = hypotest_result(t, v)          -> the numbers pyhf's hypotest returns
//
// pyhf's AsymptoticCalculator only knows test_stat "qtilde", "q" and "q0"
// (pyhf/infer/utils.py get_test_stat); asymptotic_cls returns NaN everywhere for tmu and
// ttilde, so host code must reject those before asking for CLs.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "hfx/config.hpp"

namespace hfx {

enum class test_stat : std::uint8_t { qtilde, q, q0, tmu, ttilde };

// pyhf AsymptoticCalculator(calc_base_dist=...): "normal" (pyhf's default) or
// "clipped_normal" (cut the distributions at -sqrt(q_A)).
enum class base_dist : std::uint8_t { normal, clipped_normal };

// n_sigma of the expected band, in pyhf's order (expected_pvalues: [2, 1, 0, -1, -2]),
// which is ascending CLs: index 0 is the "-2 sigma" edge of the band, 2 the median.
inline constexpr int n_expected = 5;
HFX_HDI double expected_n_sigma(int i) { return 2.0 - i; }

namespace detail {
HFX_HDI double nan_value() { return std::numeric_limits<double>::quiet_NaN(); }
HFX_HDI double inf_value() { return std::numeric_limits<double>::infinity(); }
}  // namespace detail

// Standard normal CDF, the branch structure of cephes ndtr (scipy.special.ndtr, which
// scipy.stats.norm.cdf and hence pyhf's numpy normal_cdf use): erf near 0, erfc in the
// tails, so Phi(-x) keeps full relative accuracy down to ~1e-308 (no 1 - cdf cancellation).
// cephes erfc(z) returns exactly 0 once z*z > MAXLOG = log(DBL_MAX) (Phi(a) for a < -37.68,
// where the true value is subnormal, < 2e-310); that cut is reproduced so that pyhf's
// 0 and 0/0 = NaN CLs values come out the same.
HFX_HDI double normal_cdf(double a) {
  if (a != a) return a;
  const double sqrt1_2 = 0.70710678118654752440;
  const double cephes_maxlog = 7.09782712893383996843e2;
  const double x = a * sqrt1_2;
  const double z = fabs(x);
  if (z < sqrt1_2) return 0.5 + 0.5 * erf(x);
  const double y = z * z > cephes_maxlog ? 0.0 : 0.5 * erfc(z);
  return x > 0 ? 1.0 - y : y;
}

// Upper tail 1 - Phi(x), computed as Phi(-x) like pyhf's AsymptoticTestStatDistribution.pvalue.
HFX_HDI double normal_sf(double x) { return normal_cdf(-x); }

// The test statistic from the fitted twice_nll values (pyhf/infer/test_statistics.py):
//   _tmu_like: t = clip(twice_nll_fixed - twice_nll_free, 0, None)  (negative round-off -> 0;
//              NaN stays NaN, like np.clip)
//   q, qtilde (_qmu_like): 0 where muhat > mu, else t
//   q0: 0 where muhat < 0, else t (pyhf forces mu = 0 for q0; the fixed fit must be at 0)
//   tmu, ttilde: t
// "tilde" only changes the fits' POI bounds (and, for qtilde, the asymptotic formula).
HFX_HDI double test_stat_value(test_stat t, double mu, double muhat, double twice_nll_fixed,
                               double twice_nll_free) {
  const double llr = twice_nll_fixed - twice_nll_free;
  const double tmu = llr < 0.0 ? 0.0 : llr;
  switch (t) {
    case test_stat::q:
    case test_stat::qtilde: return muhat > mu ? 0.0 : tmu;
    case test_stat::q0: return muhat < 0.0 ? 0.0 : tmu;
    default: return tmu;
  }
}

// The calculator's test statistic in -muhat/sigma space (AsymptoticCalculator.teststatistic):
//   q, q0:  sqrt(q) - sqrt(q_A)
//   qtilde: sqrt(q) - sqrt(q_A)                    if sqrt(q) <= sqrt(q_A)  (pyhf uses '<=')
//           (q - q_A) / (2 sqrt(q_A))              otherwise, with q = sqrt(q)^2 as pyhf does
// q_A = 0 < q gives +inf for qtilde (pyhf divides by zero too). NaN for tmu/ttilde.
HFX_HDI double asymptotic_teststat(test_stat t, double q, double q_A) {
  const double sq = sqrt(q), sqA = sqrt(q_A);
  switch (t) {
    case test_stat::q:
    case test_stat::q0: return sq - sqA;
    case test_stat::qtilde:
      if (sq <= sqA) return sq - sqA;
      return (sq * sq - sqA * sqA) / (2.0 * sqA);
    default: return detail::nan_value();
  }
}

// AsymptoticCalculator.pvalues and .expected_pvalues for one mu.
struct cls_values {
  double teststat;  // asymptotic_teststat(t, q, q_A)
  double sqrt_qA;   // sqrt(q_A): the s+b distribution is shifted by -sqrt_qA
  double clsb, clb, cls;  // observed: CLs+b, CLb, CLs = CLs+b / CLb
  double clsb_exp[n_expected], clb_exp[n_expected], cls_exp[n_expected];  // n_sigma 2,1,0,-1,-2
};

// What pyhf's hypotest(..., return_expected_set=True) returns: CLs_obs and the CLs_exp band;
// for q0, p0 = CLs+b and the CLs+b band instead (pyhf/infer/__init__.py). These are also
// the values pyhf's upper-limit code root-finds on.
struct hypotest_values {
  double obs;
  double exp[n_expected];
};

// AsymptoticTestStatDistribution(shift, cutoff).pvalue(value):
//   Phi(-(value - shift)) where value >= cutoff, else NaN.
HFX_HDI double asymptotic_pvalue(double value, double shift, double cutoff) {
  return value >= cutoff ? normal_cdf(-(value - shift)) : detail::nan_value();
}

// CLs+b, CLb, CLs from the observed q and the Asimov q_A (both >= 0, from test_stat_value).
// sb distribution: shift -sqrt(q_A); b distribution: shift 0; cutoff -inf ("normal") or
// -sqrt(q_A) ("clipped_normal") (AsymptoticCalculator.distributions). The band uses the
// b distribution's expected_value(n) = (0 + n > cutoff ? n : cutoff) as the test statistic.
HFX_HDI cls_values asymptotic_cls(test_stat t, double q, double q_A,
                                  base_dist dist = base_dist::normal) {
  cls_values v{};
  v.sqrt_qA = sqrt(q_A);
  v.teststat = asymptotic_teststat(t, q, q_A);
  const bool known = t == test_stat::q || t == test_stat::qtilde || t == test_stat::q0;
  const double cutoff = dist == base_dist::normal ? -detail::inf_value() : -v.sqrt_qA;
  const double sb_shift = -v.sqrt_qA;
  const double nan = detail::nan_value();
  v.clsb = known ? asymptotic_pvalue(v.teststat, sb_shift, cutoff) : nan;
  v.clb = known ? asymptotic_pvalue(v.teststat, 0.0, cutoff) : nan;
  v.cls = v.clsb / v.clb;
  for (int i = 0; i < n_expected; ++i) {
    const double n = expected_n_sigma(i);
    const double ts = (0.0 + n > cutoff) ? 0.0 + n : cutoff;
    v.clsb_exp[i] = known ? asymptotic_pvalue(ts, sb_shift, cutoff) : nan;
    v.clb_exp[i] = known ? asymptotic_pvalue(ts, 0.0, cutoff) : nan;
    v.cls_exp[i] = v.clsb_exp[i] / v.clb_exp[i];
  }
  return v;
}

// hypotest's first return value and expected set: CLs (q, qtilde) or p0 = CLs+b (q0).
HFX_HDI hypotest_values hypotest_result(test_stat t, const cls_values& v) {
  hypotest_values r{};
  const bool is_q0 = t == test_stat::q0;
  r.obs = is_q0 ? v.clsb : v.cls;
  for (int i = 0; i < n_expected; ++i) r.exp[i] = is_q0 ? v.clsb_exp[i] : v.cls_exp[i];
  return r;
}

}  // namespace hfx
