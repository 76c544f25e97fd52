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
#include "hfx/math/strided.hpp"
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
constexpr double q_resolution = 1e-10;
HFX_HDI double snap_test_stat(double q) { return q < q_resolution ? 0.0 : q; }

namespace detail {

struct body_fit {
  double twice_nll;
  std::int32_t iterations;
  fit_status status;
  std::uint8_t at_bound;
};

// One fit of the hypothesis test: the model's fixed mask, plus the POI when fix_poi.
// W: the scratch pointer type, double* or strided_ptr<double> (math/strided.hpp; fit_one).
template <class W>
HFX_HDI body_fit body_run_fit(const model_view& m, const_doubles<W> data, W x, bool fix_poi, double poi_value,
                              const hypotest_settings& st, const std::uint8_t* local,
                              rebind_pointer_t<W, std::uint8_t> fixed, W fwork, rebind_pointer_t<W, int> iwork) {
  const int P = m.s.n_pars;
  for (int i = 0; i < P; ++i) fixed[i] = m.fixed[i];
  if (fix_poi) {
    fixed[m.s.poi] = 1;
    x[m.s.poi] = poi_value;
  }
  const fit_outcome o = fit_one(m, data, fixed, local, x, st.fit, fwork, iwork);
  return body_fit{o.twice_nll, o.iterations, o.status, std::uint8_t(o.at_bound != 0)};
}

// code0/code1 interpolation has a kink at alpha = 0, where every alpha starts.
HFX_HDI bool has_kinks(const model_structure& s) {
  return s.normsys_code == interp_code::code1 || s.histosys_code == interp_code::code0;
}

// The second start point: the inits, with the alphas of kinked models moved just right of
// the kink, so that the one-sided derivatives point the other way than from the inits.
template <class W>
HFX_HDI void second_start(const model_view& m, W x) {
  const int P = m.s.n_pars;
  for (int i = 0; i < P; ++i) x[i] = m.init[i];
  if (!has_kinks(m.s)) return;
  constexpr double nudge = 0.01;
  for (int i = 0; i < P; ++i) {
    const auto k = modifier_kind(m.s.comp_kind[i]);
    if ((k == modifier_kind::histosys || k == modifier_kind::normsys) && !m.fixed[i] && x[i] == 0.0)
      x[i] = nudge < m.hi[i] ? nudge : m.hi[i];
  }
}

// Keeps the better of two fits (converged first, then the lower twice_nll) in x.
template <class W>
HFX_HDI body_fit keep_better(body_fit a, body_fit b, W x, const_doubles<W> xb, int P) {
  const bool a_ok = a.status == fit_status::converged, b_ok = b.status == fit_status::converged;
  if ((b_ok && !a_ok) || (b_ok == a_ok && b.twice_nll < a.twice_nll)) {
    for (int i = 0; i < P; ++i) x[i] = xb[i];
    b.iterations += a.iterations;
    return b;
  }
  a.iterations += b.iterations;
  return a;
}

// Published likelihoods have several local minima at fixed POI (seen on sbottom: a warm
// start from mu = 0 and pyhf's start at the inits reach different minima), so fixed-POI fits
// run from the warm start in x and from second_start(), keeping the better; x_tmp: n_pars.
template <class W>
HFX_HDI body_fit body_run_fit_two_starts(const model_view& m, const_doubles<W> data, W x, bool fix_poi,
                                         double poi_value, const hypotest_settings& st,
                                         const std::uint8_t* local, rebind_pointer_t<W, std::uint8_t> fixed,
                                         W fwork, rebind_pointer_t<W, int> iwork, W x_tmp) {
  body_fit a = body_run_fit(m, data, x, fix_poi, poi_value, st, local, fixed, fwork, iwork);
  if (!st.two_starts) return a;
  second_start(m, x_tmp);
  body_fit b = body_run_fit(m, data, x_tmp, fix_poi, poi_value, st, local, fixed, fwork, iwork);
  return keep_better(a, b, x, x_tmp, m.s.n_pars);
}

HFX_HDI void store_fit(hypotest_record& r, int k, const body_fit& f) {
  r.twice_nll[k] = f.twice_nll;
  r.iterations[k] = f.iterations;
  r.status[k] = f.status;
  r.at_bound[k] = f.at_bound;
}

}  // namespace detail

// The state of one hypothesis' tests, carved out of hypotest_work_size() doubles: the fit
// scratch, the observed and Asimov data, and the parameter points kept between POI values.
// W: double* (hypotest_state) or strided_ptr<double> for scratch interleaved across threads
// (math/strided.hpp, interleaved_ops.hpp); iwork and fixed are the same kind of pointer.
template <class W>
struct basic_hypotest_state {
  W fwork;
  W data;
  W asimov;
  W x_free;
  W x_adef;
  W x_afree;
  W x_mu;     // last fixed-POI fit to data (warm start for the next POI value)
  W x_amu;    // last fixed-POI fit to Asimov data
  W x_tmp;
  rebind_pointer_t<W, int> iwork;
  rebind_pointer_t<W, std::uint8_t> fixed;
};
using hypotest_state = basic_hypotest_state<double*>;

template <class W>
HFX_HDI basic_hypotest_state<W> make_hypotest_state(const model_structure& s, W work, rebind_pointer_t<W, int> iwork,
                                                    rebind_pointer_t<W, std::uint8_t> bwork) {
  const std::size_t P = std::size_t(s.n_pars), D = std::size_t(s.n_bins) + std::size_t(s.n_aux);
  basic_hypotest_state<W> h;
  h.fwork = work;
  h.data = work + fit_work_size(s);
  h.asimov = h.data + D;
  h.x_free = h.asimov + D;
  h.x_adef = h.x_free + P;
  h.x_afree = h.x_adef + P;
  h.x_mu = h.x_afree + P;
  h.x_amu = h.x_mu + P;
  h.x_tmp = h.x_amu + P;
  h.iwork = iwork;
  h.fixed = bwork;
  return h;
}

// The mu-independent fits (pyhf's AsymptoticCalculator): free fit to data from the inits
// (for kinked models also from second_start()), the fit with the POI fixed at 0 (1 for q0)
// that defines the Asimov data, and the free fit to the Asimov data from its generating
// point. Fills fits 0..2, muhat, muhat_asimov, and seeds the warm starts x_mu, x_amu.
template <class W>
HFX_HDI void hypotest_prepare(const model_view& m, const hypotest_settings& st, const std::uint8_t* local,
                              basic_hypotest_state<W>& h, hypotest_record& r) {
  const int B = m.s.n_bins, A = m.s.n_aux, P = m.s.n_pars, poi = m.s.poi;
  for (int b = 0; b < B; ++b) h.data[b] = m.obs[b];
  for (int a = 0; a < A; ++a) h.data[B + a] = m.aux_obs[a];
  for (int i = 0; i < P; ++i) h.x_free[i] = m.init[i];
  detail::body_fit f0 = detail::body_run_fit(m, h.data, h.x_free, false, 0.0, st, local, h.fixed, h.fwork, h.iwork);
  if (st.two_starts && detail::has_kinks(m.s)) {
    // A code0/code1 fit leaves the kink on the side of the one-sided derivative and can stop
    // in that side's local minimum (pyhf's validation model 2bin_2channel_coupledhistosys:
    // twice_nll 30.285 at alpha = -0.19 against 29.287 at +0.31).
    detail::second_start(m, h.x_tmp);
    detail::body_fit f1 = detail::body_run_fit(m, h.data, h.x_tmp, false, 0.0, st, local, h.fixed, h.fwork, h.iwork);
    f0 = detail::keep_better(f0, f1, h.x_free, h.x_tmp, P);
  }
  detail::store_fit(r, 0, f0);
  const double asimov_mu = st.stat == test_stat::q0 ? 1.0 : 0.0;
  for (int i = 0; i < P; ++i) h.x_adef[i] = h.x_free[i];
  detail::store_fit(r, 1, detail::body_run_fit_two_starts(m, h.data, h.x_adef, true, asimov_mu, st, local, h.fixed,
                                                          h.fwork, h.iwork, h.x_tmp));
  expected_data(m, h.x_adef, h.asimov, h.fwork);
  for (int i = 0; i < P; ++i) h.x_afree[i] = h.x_adef[i];
  detail::store_fit(r, 2, detail::body_run_fit(m, h.asimov, h.x_afree, false, 0.0, st, local, h.fixed, h.fwork, h.iwork));
  r.muhat = h.x_free[poi];
  r.muhat_asimov = h.x_afree[poi];
  for (int i = 0; i < P; ++i) h.x_mu[i] = h.x_free[i];
  for (int i = 0; i < P; ++i) h.x_amu[i] = h.x_afree[i];
}

// The test at POI value mu after hypotest_prepare(): the two fixed-POI fits (warm-started
// from the previous mu, or from the free fits the first time), the test statistics and CLs.
template <class W>
HFX_HDI void hypotest_at(const model_view& m, double mu, const hypotest_settings& st, const std::uint8_t* local,
                         basic_hypotest_state<W>& h, hypotest_record& r) {
  r.mu_test = mu;
  detail::store_fit(r, 3, detail::body_run_fit_two_starts(m, h.data, h.x_mu, true, mu, st, local, h.fixed, h.fwork,
                                                          h.iwork, h.x_tmp));
  detail::store_fit(r, 4, detail::body_run_fit_two_starts(m, h.asimov, h.x_amu, true, mu, st, local, h.fixed,
                                                          h.fwork, h.iwork, h.x_tmp));
  r.q_obs = snap_test_stat(test_stat_value(st.stat, mu, r.muhat, r.twice_nll[3], r.twice_nll[0]));
  r.q_asimov = snap_test_stat(test_stat_value(st.stat, mu, r.muhat_asimov, r.twice_nll[4], r.twice_nll[2]));
  r.cls = asymptotic_cls(st.stat, r.q_obs, r.q_asimov);
}

// One hypothesis test of m at POI value mu: hypotest_prepare() then hypotest_at(). `local` is
// mark_local_components(m.s) (shared by all hypotheses of a structure); work
// (hypotest_work_size doubles), iwork (hypotest_iwork_size ints) and bwork
// (hypotest_bwork_size bytes) are this call's scratch: plain pointers (one contiguous block
// per call) or, with W = strided_ptr<double>, strided_ptr<int> and strided_ptr<std::uint8_t>
// (scratch interleaved across threads: interleaved_ops.hpp). Never throws; a model without
// POI gives valid = 0.
template <class W>
HFX_HDI hypotest_record hypotest_one(const model_view& m, double mu, const hypotest_settings& st,
                                     const std::uint8_t* local, W work, rebind_pointer_t<W, int> iwork,
                                     rebind_pointer_t<W, std::uint8_t> bwork) {
  hypotest_record r{};
  r.mu_test = mu;
  if (m.s.poi < 0) {
    r.valid = 0;
    return r;
  }
  r.valid = 1;
  basic_hypotest_state<W> h = make_hypotest_state(m.s, work, iwork, bwork);
  hypotest_prepare(m, st, local, h, r);
  hypotest_at(m, mu, st, local, h, r);
  return r;
}

}  // namespace hfx
