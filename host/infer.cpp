#include "hfx/infer.hpp"

#include <algorithm>
#include <cmath>

#include "hfx/error.hpp"
#include "hfx/math/nll.hpp"

namespace hfx {

const char* const hypotest_fit_names[n_hypotest_fits] = {"free", "asimov_data", "asimov_free", "fixed_mu",
                                                         "asimov_fixed_mu"};

bool hypotest_outcome::all_converged() const {
  for (const auto& f : fits)
    if (f.status != fit_status::converged) return false;
  return true;
}

hypotest_engine::hypotest_engine(const model_view& m, const hypotest_options& opt)
    : m_(m), opt_(opt), ws_(m.s) {
  if (m.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
  if (m.fixed[m.s.poi])
    throw model_error("the POI is fixed by the measurement config; hypothesis tests and limits need it free");
  const int B = m.s.n_bins, A = m.s.n_aux, P = m.s.n_pars;
  data_.assign(m.obs, m.obs + B);
  data_.insert(data_.end(), m.aux_obs, m.aux_obs + A);
  asimov_.resize(B + A);
  kinked_ = m.s.normsys_code == interp_code::code1 || m.s.histosys_code == interp_code::code0;
  x_tmp_.resize(P);
}

fit_summary hypotest_engine::run_fit(const double* data, double* x, bool fix_poi, double poi_value) {
  const int P = m_.s.n_pars;
  for (int i = 0; i < P; ++i) ws_.fixed[i] = m_.fixed[i];
  if (fix_poi) {
    ws_.fixed[m_.s.poi] = 1;
    x[m_.s.poi] = poi_value;
  }
  fit_outcome o = fit_one(m_, data, ws_.fixed.data(), ws_.local.data(), x, opt_.settings, ws_.work.data(),
                          ws_.iwork.data());
  return fit_summary{o.twice_nll, o.status, o.iterations, o.at_bound != 0};
}

// Published likelihoods have several local minima at fixed POI (seen on sbottom: a
// warm start from mu = 0 and pyhf's start at the inits reach different minima). Fixed-POI
// fits therefore run from the warm start and from the inits, and keep the lower minimum.
fit_summary hypotest_engine::run_fit_two_starts(const double* data, double* x, bool fix_poi, double poi_value) {
  fit_summary a = run_fit(data, x, fix_poi, poi_value);
  if (!opt_.two_starts) return a;
  second_start(x_tmp_);
  fit_summary b = run_fit(data, x_tmp_.data(), fix_poi, poi_value);
  const bool a_ok = a.status == fit_status::converged, b_ok = b.status == fit_status::converged;
  if ((b_ok && !a_ok) || (b_ok == a_ok && b.twice_nll < a.twice_nll)) {
    std::copy(x_tmp_.begin(), x_tmp_.end(), x);
    b.iterations += a.iterations;
    return b;
  }
  a.iterations += b.iterations;
  return a;
}

void hypotest_engine::second_start(std::vector<double>& x) const {
  x.assign(m_.init, m_.init + m_.s.n_pars);
  if (!kinked_) return;
  // Just right of the kink, so that the one-sided derivatives point the other way.
  constexpr double nudge = 0.01;
  for (int i = 0; i < m_.s.n_pars; ++i) {
    const auto k = modifier_kind(m_.s.comp_kind[i]);
    if ((k == modifier_kind::histosys || k == modifier_kind::normsys) && !m_.fixed[i] && x[i] == 0.0)
      x[i] = std::min(nudge, m_.hi[i]);
  }
}

void hypotest_engine::prepare() {
  if (prepared_) return;
  const int P = m_.s.n_pars;
  // pyhf starts every fit at suggested_init; the free fit does too.
  x_free_.assign(m_.init, m_.init + P);
  base_[0] = run_fit(data_.data(), x_free_.data(), false, 0.0);
  if (kinked_ && opt_.two_starts) {
    // code0/code1 have a kink at alpha = 0, where every alpha starts: the fit leaves it on
    // the side of the one-sided derivative and can stop in a local minimum of that side
    // (pyhf's validation model 2bin_2channel_coupledhistosys: twice_nll 30.285 at alpha =
    // -0.19 against 29.287 at +0.31). The free fit also runs from the other side.
    std::vector<double> x2;
    second_start(x2);
    fit_summary b = run_fit(data_.data(), x2.data(), false, 0.0);
    const bool a_ok = base_[0].status == fit_status::converged, b_ok = b.status == fit_status::converged;
    if ((b_ok && !a_ok) || (b_ok == a_ok && b.twice_nll < base_[0].twice_nll)) {
      b.iterations += base_[0].iterations;
      base_[0] = b;
      x_free_ = x2;
    } else {
      base_[0].iterations += b.iterations;
    }
  }
  // Asimov data from the fit with the POI fixed at 0 (1 for q0) to the observed data.
  const double asimov_mu = opt_.stat == test_stat::q0 ? 1.0 : 0.0;
  x_asimov_def_ = x_free_;
  base_[1] = run_fit_two_starts(data_.data(), x_asimov_def_.data(), true, asimov_mu);
  expected_data(m_, x_asimov_def_.data(), asimov_.data(), ws_.work.data());
  // The free fit to Asimov data starts at the point that generated it (its minimum up to
  // the POI bound).
  x_asimov_free_ = x_asimov_def_;
  base_[2] = run_fit(asimov_.data(), x_asimov_free_.data(), false, 0.0);
  prepared_ = true;
}

hypotest_outcome hypotest_engine::at(double mu) {
  prepare();
  hypotest_outcome r;
  r.mu_test = mu;
  r.fits[fit_free] = base_[0];
  r.fits[fit_asimov_def] = base_[1];
  r.fits[fit_asimov_free] = base_[2];
  const int poi = m_.s.poi;
  r.muhat = x_free_[poi];
  // Warm start from the previous test value when there is one, else from the free fits.
  if (!have_last_) {
    x_last_mu_ = x_free_;
    x_last_asimov_mu_ = x_asimov_free_;
  }
  r.fits[fit_fixed_mu] = run_fit_two_starts(data_.data(), x_last_mu_.data(), true, mu);
  r.fits[fit_asimov_mu] = run_fit_two_starts(asimov_.data(), x_last_asimov_mu_.data(), true, mu);
  have_last_ = true;
  last_mu_ = mu;
  r.q_obs = test_stat_value(opt_.stat, mu, r.muhat, r.fits[fit_fixed_mu].twice_nll, base_[0].twice_nll);
  r.q_asimov = test_stat_value(opt_.stat, mu, x_asimov_free_[poi], r.fits[fit_asimov_mu].twice_nll,
                               base_[2].twice_nll);
  // q below the fits' resolution is zero: the fits stop when the remaining decrease of
  // twice_nll is < 1e-10, so at mu = muhat the fixed and free fits may differ by round-off
  // (seen: q = 7e-14 with q_A = 0 at mu = 0, which pyhf's qtilde formula turns into
  // (q - q_A) / (2 sqrt(q_A)) = inf and CLs = NaN, breaking the limit bracket at mu = 0).
  // Snapping moves CLs by at most ~1e-5 relative (sqrt(1e-10)).
  constexpr double q_resolution = 1e-10;
  if (r.q_obs < q_resolution) r.q_obs = 0.0;
  if (r.q_asimov < q_resolution) r.q_asimov = 0.0;
  r.cls = asymptotic_cls(opt_.stat, r.q_obs, r.q_asimov);
  return r;
}

}  // namespace hfx
