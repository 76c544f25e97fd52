// hfx/math/hypotest_body.hpp - one asymptotic hypothesis test of one hypothesis, as a
// host/device function with caller-provided work memory (DESIGN.md section 4, rule 1).
//
// It does exactly what hypotest_engine::prepare() followed by the first at(mu) does
// (host/infer.cpp; pyhf 0.7.6 infer.hypotest with the AsymptoticCalculator): the same five
// fits, from the same starts, in the same order, with fixed-POI fits run from two starts
// (the warm start and the inits) keeping the lower minimum:
//   free        x = init                        fit to data, POI free
//   asimov_def  x = x_free                      fit to data, POI fixed at 0 (1 for q0), two starts
//               asimov = expected_data(x_asimov_def)
//   asimov_free x = x_asimov_def                fit to asimov, POI free
//   fixed_mu    x = x_free                      fit to data, POI fixed at mu, two starts
//   asimov_mu   x = x_asimov_free               fit to asimov, POI fixed at mu, two starts
// then the test statistics (test_stat_value, snapped to 0 below q_resolution) and CLs
// (asymptotic_cls).
// The CPU batch backend runs it in threads over hypotheses, the CUDA backend in a
// grid-stride kernel over hypotheses; both therefore produce the engine's numbers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hfx/config.hpp"
#include "hfx/math/asymptotics.hpp"
#include "hfx/math/newton.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/math/rates.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// Trivially copyable settings (what hypotest_options holds, minus host-only parts).
struct hypotest_settings {
  test_stat stat = test_stat::qtilde;
  fit_settings fit;
  bool two_starts = true;
};

constexpr int n_body_fits = 5;  // free, asimov_def, asimov_free, fixed_mu, asimov_mu (infer.hpp fit_index)

// Result of one hypothesis test (trivially copyable; written by device code).
struct hypotest_record {
  double mu_test;
  double muhat;                      // best-fit POI of the free fit to data
  double muhat_asimov;               // best-fit POI of the free fit to Asimov data
  double q_obs, q_asimov;
  cls_values cls;                    // CLs obs: cls.cls; expected band: cls.cls_exp[0..4]
  double twice_nll[n_body_fits];
  std::int32_t iterations[n_body_fits];
  fit_status status[n_body_fits];
  std::uint8_t at_bound[n_body_fits];
  std::uint8_t valid;                // 0 when the model has no POI (nothing computed)
};

static_assert(std::is_trivially_copyable_v<hypotest_settings>);
static_assert(std::is_trivially_copyable_v<hypotest_record>);

// Doubles of work memory one hypothesis test needs: the fitter's work, data and Asimov
// data (n_bins + n_aux each) and six parameter vectors.
HFX_HDI std::size_t hypotest_work_size(const model_structure& s) {
  const std::size_t P = std::size_t(s.n_pars), D = std::size_t(s.n_bins) + std::size_t(s.n_aux);
  return fit_work_size(s) + 2 * D + 6 * P;
}
HFX_HDI std::size_t hypotest_iwork_size(const model_structure& s) { return fit_iwork_size(s); }
// Bytes of work: the per-fit fixed mask.
HFX_HDI std::size_t hypotest_bwork_size(const model_structure& s) { return std::size_t(s.n_pars); }

// A test statistic below the fits' resolution is zero (host/infer.cpp hypotest_engine::at,
// commit 2df672a): the fits stop when the remaining decrease of twice_nll is < 1e-10, so at
// mu = muhat the fixed and free fits may differ by round-off (q = 7e-14 with q_A = 0 gives
// pyhf's qtilde formula inf and CLs = NaN). Snapping moves CLs by at most ~1e-5 relative.
// The engine should call this function too, so that the rule is written once.
constexpr double q_resolution = 1e-10;
HFX_HDI double snap_test_stat(double q) { return q < q_resolution ? 0.0 : q; }

namespace detail {

struct body_fit {
  double twice_nll;
  std::int32_t iterations;
  fit_status status;
  std::uint8_t at_bound;
};

// hypotest_engine::run_fit.
HFX_HDI body_fit body_run_fit(const model_view& m, const double* data, double* x, bool fix_poi, double poi_value,
                              const hypotest_settings& st, const std::uint8_t* local, std::uint8_t* fixed,
                              double* fwork, int* iwork) {
  const int P = m.s.n_pars;
  for (int i = 0; i < P; ++i) fixed[i] = m.fixed[i];
  if (fix_poi) {
    fixed[m.s.poi] = 1;
    x[m.s.poi] = poi_value;
  }
  const fit_outcome o = fit_one(m, data, fixed, local, x, st.fit, fwork, iwork);
  return body_fit{o.twice_nll, o.iterations, o.status, std::uint8_t(o.at_bound != 0)};
}

// hypotest_engine::run_fit_two_starts; x_tmp has n_pars doubles.
HFX_HDI body_fit body_run_fit_two_starts(const model_view& m, const double* data, double* x, bool fix_poi,
                                         double poi_value, const hypotest_settings& st,
                                         const std::uint8_t* local, std::uint8_t* fixed, double* fwork,
                                         int* iwork, double* x_tmp) {
  body_fit a = body_run_fit(m, data, x, fix_poi, poi_value, st, local, fixed, fwork, iwork);
  if (!st.two_starts) return a;
  const int P = m.s.n_pars;
  for (int i = 0; i < P; ++i) x_tmp[i] = m.init[i];
  body_fit b = body_run_fit(m, data, x_tmp, fix_poi, poi_value, st, local, fixed, fwork, iwork);
  const bool a_ok = a.status == fit_status::converged, b_ok = b.status == fit_status::converged;
  if ((b_ok && !a_ok) || (b_ok == a_ok && b.twice_nll < a.twice_nll)) {
    for (int i = 0; i < P; ++i) x[i] = x_tmp[i];
    b.iterations += a.iterations;
    return b;
  }
  a.iterations += b.iterations;
  return a;
}

HFX_HDI void store_fit(hypotest_record& r, int k, const body_fit& f) {
  r.twice_nll[k] = f.twice_nll;
  r.iterations[k] = f.iterations;
  r.status[k] = f.status;
  r.at_bound[k] = f.at_bound;
}

}  // namespace detail

// One hypothesis test of m at POI value mu. `local` is mark_local_components(m.s) (shared
// by all hypotheses of a structure); work (hypotest_work_size doubles), iwork
// (hypotest_iwork_size ints) and bwork (hypotest_bwork_size bytes) are this call's scratch.
// Never throws; a model without POI gives valid = 0.
HFX_HDI hypotest_record hypotest_one(const model_view& m, double mu, const hypotest_settings& st,
                                     const std::uint8_t* local, double* work, int* iwork,
                                     std::uint8_t* bwork) {
  hypotest_record r{};
  r.mu_test = mu;
  const int poi = m.s.poi;
  if (poi < 0) {
    r.valid = 0;
    return r;
  }
  r.valid = 1;
  const int B = m.s.n_bins, A = m.s.n_aux, P = m.s.n_pars;
  double* fwork = work;
  double* data = fwork + fit_work_size(m.s);
  double* asimov = data + (B + A);
  double* x_free = asimov + (B + A);
  double* x_adef = x_free + P;
  double* x_afree = x_adef + P;
  double* x_mu = x_afree + P;
  double* x_amu = x_mu + P;
  double* x_tmp = x_amu + P;
  std::uint8_t* fixed = bwork;

  for (int b = 0; b < B; ++b) data[b] = m.obs[b];
  for (int a = 0; a < A; ++a) data[B + a] = m.aux_obs[a];

  // prepare(): the mu-independent fits.
  for (int i = 0; i < P; ++i) x_free[i] = m.init[i];
  detail::store_fit(r, 0, detail::body_run_fit(m, data, x_free, false, 0.0, st, local, fixed, fwork, iwork));
  const double asimov_mu = st.stat == test_stat::q0 ? 1.0 : 0.0;
  for (int i = 0; i < P; ++i) x_adef[i] = x_free[i];
  detail::store_fit(r, 1, detail::body_run_fit_two_starts(m, data, x_adef, true, asimov_mu, st, local, fixed,
                                                          fwork, iwork, x_tmp));
  expected_data(m, x_adef, asimov, fwork);
  for (int i = 0; i < P; ++i) x_afree[i] = x_adef[i];
  detail::store_fit(r, 2, detail::body_run_fit(m, asimov, x_afree, false, 0.0, st, local, fixed, fwork, iwork));

  // at(mu), first call: warm starts from the free fits.
  r.muhat = x_free[poi];
  r.muhat_asimov = x_afree[poi];
  for (int i = 0; i < P; ++i) x_mu[i] = x_free[i];
  for (int i = 0; i < P; ++i) x_amu[i] = x_afree[i];
  detail::store_fit(r, 3, detail::body_run_fit_two_starts(m, data, x_mu, true, mu, st, local, fixed, fwork,
                                                          iwork, x_tmp));
  detail::store_fit(r, 4, detail::body_run_fit_two_starts(m, asimov, x_amu, true, mu, st, local, fixed, fwork,
                                                          iwork, x_tmp));
  r.q_obs = test_stat_value(st.stat, mu, r.muhat, r.twice_nll[3], r.twice_nll[0]);
  r.q_asimov = test_stat_value(st.stat, mu, r.muhat_asimov, r.twice_nll[4], r.twice_nll[2]);
  r.q_obs = snap_test_stat(r.q_obs);
  r.q_asimov = snap_test_stat(r.q_asimov);
  r.cls = asymptotic_cls(st.stat, r.q_obs, r.q_asimov);
  return r;
}

}  // namespace hfx
