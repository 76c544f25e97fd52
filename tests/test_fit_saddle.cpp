// Fits that start exactly at a saddle point: a histosys whose up and down histograms are both
// empty (hi_data = lo_data = 0, a broken variation as in ATLAS-SUSY-2018-05 rjr_sr2l_low,
// tests/test_validation_discovery.cpp). Under code4p, S = (D+ + D-)/2 = 0, so the rate is
// nom * (1 - alpha^2 (15 - 10 alpha^2 + 3 alpha^4) / 8) for |alpha| <= 1: the gradient in
// alpha is exactly 0 at the start alpha = 0, and with data below the expectation the
// curvature there is negative (2 (1 - n/nu) nu'' + 2 with nu'' = -15/4 nom < 0). Damped Newton
// alone never leaves alpha = 0; fit_one (math/newton.hpp) must escape along the direction
// of negative curvature and reach the true minimum, which is found here independently by
// scanning the broken alphas with every other parameter fitted (the fits with the alphas
// fixed are ordinary, positive-definite problems).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

using hfx::json;

namespace {

// The fit's minimum may lie below the scan's (the grid misses the exact minimum) but not
// above it by more than Newton's stopping rule leaves (decrement < 1e-10, ~5e-11 in twice_nll).
constexpr double nll_above_tol = 1e-8;
// The saddle lies well above the minimum on these models (by ~10 units of twice_nll): a fit
// stuck at the saddle fails this by far.
constexpr double min_drop_below_saddle = 1.0;

// One channel, one bin: signal (normfactor mu) and background 100 with a normsys and
// `n_broken` histosys with empty variations; 80 observed events (a deficit the broken
// histosys can absorb by lowering the rate).
json saddle_ws(int n_broken) {
  json mods = json::array();
  mods.push_back({{"name", "syst"}, {"type", "normsys"}, {"data", {{"hi", 1.05}, {"lo", 0.95}}}});
  for (int k = 0; k < n_broken; ++k)
    mods.push_back({{"name", "broken" + std::to_string(k)},
                    {"type", "histosys"},
                    {"data", {{"hi_data", {0.0}}, {"lo_data", {0.0}}}}});
  return {{"version", "1.0.0"},
          {"channels",
           {{{"name", "SR"},
             {"samples",
              {{{"name", "sig"}, {"data", {5.0}}, {"modifiers", {{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}}}}},
               {{"name", "bkg"}, {"data", {100.0}}, {"modifiers", mods}}}}}}},
          {"observations", {{{"name", "SR"}, {"data", {80.0}}}}},
          {"measurements", {{{"name", "meas"}, {"config", {{"poi", "mu"}, {"parameters", json::array()}}}}}}};
}

int par(const hfx::compiled_model& m, const std::string& name) {
  const hfx::param_set* p = m.find_param(name);
  if (!p) ADD_FAILURE() << "no parameter " << name;
  return p ? p->offset : 0;
}

// Minimum of twice_nll over a grid of the broken alphas (the others fitted at each point).
double scan_minimum(const hfx::compiled_model& m, const std::vector<int>& alphas, double* at_saddle) {
  // Step 0.01 on [-0.45, 0.45]: covers the minimum (|alpha| ~ 0.33 for one broken histosys,
  // ~0.23 each for two) while keeping the rate positive.
  const int n = 91;
  double best = INFINITY;
  std::vector<int> idx(alphas.size(), 0);
  for (;;) {
    hfx::fit_options o;
    bool saddle = true;
    for (std::size_t k = 0; k < alphas.size(); ++k) {
      const double a = -0.45 + 0.01 * idx[k];
      saddle = saddle && idx[k] == n / 2;
      o.fix.push_back({alphas[k], a});
    }
    const hfx::fit_result f = hfx::fit_model(m, m.data(), o);
    EXPECT_EQ(f.status, hfx::fit_status::converged);
    best = std::fmin(best, f.twice_nll);
    if (saddle) *at_saddle = f.twice_nll;
    std::size_t k = 0;
    while (k < idx.size() && ++idx[k] == n) idx[k++] = 0;
    if (k == idx.size()) break;
  }
  return best;
}

class FitSaddle : public ::testing::TestWithParam<int> {};

TEST_P(FitSaddle, FreeFitLeavesTheSaddleAndReachesTheMinimum) {
  const int n_broken = GetParam();
  const hfx::compiled_model m = hfx::compile_model(saddle_ws(n_broken), {}, "saddle.json");
  std::vector<int> alphas;
  for (int k = 0; k < n_broken; ++k) alphas.push_back(par(m, "broken" + std::to_string(k)));
  for (int a : alphas) ASSERT_EQ(m.init[a], 0.0);  // the start point is the saddle

  double saddle = NAN;
  const double scan = scan_minimum(m, alphas, &saddle);
  ASSERT_LT(scan, saddle - min_drop_below_saddle) << "the model no longer has a saddle at alpha = 0";

  const hfx::fit_result f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_LE(f.twice_nll, scan + nll_above_tol) << "saddle " << saddle << ", scan minimum " << scan;
  double r2 = 0.0;
  for (int a : alphas) r2 += f.x[a] * f.x[a];
  EXPECT_GT(std::sqrt(r2), 0.1) << "the broken alphas stayed at the saddle";

  // The hypothesis test's fits (free, mu fixed, Asimov) all start at the saddle too.
  hfx::hypotest_engine eng(m.view(), hfx::hypotest_options{});
  const hfx::hypotest_outcome h = eng.at(1.0);
  for (int k = 0; k < hfx::n_hypotest_fits; ++k)
    EXPECT_EQ(h.fits[k].status, hfx::fit_status::converged) << hfx::hypotest_fit_names[k];
  EXPECT_LE(h.fits[hfx::fit_free].twice_nll, scan + nll_above_tol);
}

// One broken histosys (the negative curvature lies on a coordinate axis) and two (as in
// rjr_sr2l_low: after escaping along one alpha, the other is still at its saddle).
INSTANTIATE_TEST_SUITE_P(BrokenHistosys, FitSaddle, ::testing::Values(1, 2));

}  // namespace
