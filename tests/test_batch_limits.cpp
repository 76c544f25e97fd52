// Upper limits of many hypotheses driven in rounds (batch_limits.hpp) against one
// toms748_scan per hypothesis: identical limits, statuses and evaluation order, and one
// evaluation call per round.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "batch_fixture.hpp"
#include "hfx/batch_limits.hpp"
#include "hfx/infer.hpp"
#include "hfx/error.hpp"
#include "hfx/limits.hpp"

namespace {

// CLs-like curves per hypothesis: observed + 5 expected, decreasing in mu (or pathological).
struct curve_set {
  std::string family;
  double scale[hfx::n_limit_curves];
  double at_curve(int c, double mu) const {
    const double s = scale[c];
    if (family == "exp") return std::exp(-mu / s);
    if (family == "erfc") return 0.5 * std::erfc((mu - s) / (0.4 * s));
    if (family == "flat") return 1.0;  // a signal without yield: never crosses
    if (family == "nan") return mu > 2.0 && mu < 4.0 ? std::numeric_limits<double>::quiet_NaN() : std::exp(-mu / s);
    ADD_FAILURE() << family;
    return 0;
  }
  hfx::hypotest_values at(double mu) const {
    hfx::hypotest_values v{};
    v.obs = at_curve(0, mu);
    for (int i = 0; i < hfx::n_expected; ++i) v.exp[i] = at_curve(1 + i, mu);
    return v;
  }
};

std::vector<curve_set> hypotheses() {
  return {
      {"exp", {1.0, 0.5, 0.7, 1.0, 1.4, 2.0}},
      {"erfc", {2.0, 1.0, 1.5, 2.0, 2.7, 3.5}},
      {"exp", {0.02, 0.01, 0.015, 0.02, 0.03, 0.04}},   // limits far below the initial bracket
      {"erfc", {40.0, 20.0, 30.0, 40.0, 55.0, 70.0}},   // far above: bounds_up doubles
      {"flat", {1, 1, 1, 1, 1, 1}},
      {"nan", {1.0, 0.5, 0.7, 1.0, 1.4, 2.0}},
      {"exp", {3.0, 1.5, 2.0, 3.0, 4.0, 5.0}},
  };
}

void expect_same(const hfx::upper_limit_result& a, const hfx::upper_limit_result& b, const std::string& what) {
  for (int c = 0; c < hfx::n_limit_curves; ++c) {
    EXPECT_EQ(a.status(c), b.status(c)) << what << " curve " << c;
    if (std::isnan(b.limit(c))) EXPECT_TRUE(std::isnan(a.limit(c))) << what << " curve " << c;
    else EXPECT_EQ(a.limit(c), b.limit(c)) << what << " curve " << c;
  }
  EXPECT_EQ(a.mu, b.mu) << what;
}

void run_against_single(bool lockstep) {
  const auto hyps = hypotheses();
  hfx::toms748_scan_options opt;
  opt.lockstep = lockstep;
  opt.max_poi = 1000.0;
  std::vector<double> lo(hyps.size(), 0.0), hi(hyps.size(), 5.0);
  int calls = 0;
  std::int64_t evaluated = 0;
  hfx::limit_items_fn f = [&](const std::vector<hfx::limit_item>& items) {
    ++calls;
    evaluated += std::int64_t(items.size());
    std::vector<hfx::hypotest_values> v;
    for (const auto& it : items) {
      EXPECT_GE(it.hyp, 0);
      EXPECT_LT(it.hyp, std::int32_t(hyps.size()));
      v.push_back(hyps[std::size_t(it.hyp)].at(it.mu));
    }
    return v;
  };
  hfx::batch_limits_stats st;
  const auto res = hfx::batch_upper_limits(f, lo, hi, opt, &st);
  ASSERT_EQ(res.size(), hyps.size());
  EXPECT_EQ(st.rounds, calls);
  EXPECT_EQ(st.items, evaluated);
  int max_batches = 0;
  std::int64_t total = 0;
  for (std::size_t h = 0; h < hyps.size(); ++h) {
    const curve_set& cs = hyps[h];
    const auto ref = hfx::toms748_scan(
        [&](const std::vector<double>& mus) {
          std::vector<hfx::hypotest_values> v;
          for (double m : mus) v.push_back(cs.at(m));
          return v;
        },
        lo[h], hi[h], opt);
    expect_same(res[h], ref, "hypothesis " + std::to_string(h) + " (" + cs.family + ")");
    max_batches = std::max(max_batches, ref.batches);
    total += std::int64_t(ref.mu.size());
  }
  // Rounds = the longest single search; evaluations = the sum of the single searches'
  // distinct points (each search asks for a POI value once).
  EXPECT_EQ(st.rounds, max_batches);
  EXPECT_EQ(st.items, total);
  EXPECT_GT(st.max_items, std::int64_t(hyps.size()));  // the first round: 2 points per hypothesis
  // The pathological hypotheses report their statuses, not numbers.
  EXPECT_EQ(res[4].obs_status, hfx::limit_status::no_crossing_below_max);
  EXPECT_EQ(res[5].obs_status, hfx::limit_status::non_finite);
  EXPECT_EQ(res[0].obs_status, hfx::limit_status::ok);
  EXPECT_NEAR(res[0].obs, -std::log(0.05), 1e-3);  // exp(-mu) = 0.05
}

TEST(BatchLimits, PyhfOrderEqualsOneScanPerHypothesis) { run_against_single(false); }
TEST(BatchLimits, LockstepEqualsOneScanPerHypothesis) { run_against_single(true); }

TEST(BatchLimits, EmptyAndErrors) {
  int calls = 0;
  hfx::limit_items_fn f = [&](const std::vector<hfx::limit_item>& items) {
    ++calls;
    return std::vector<hfx::hypotest_values>(items.size());
  };
  EXPECT_TRUE(hfx::batch_upper_limits(f, {}, {}).empty());
  EXPECT_EQ(calls, 0);
  EXPECT_THROW(hfx::batch_upper_limits(f, {0.0}, {}), hfx::usage_error);
  hfx::limit_items_fn short_fn = [](const std::vector<hfx::limit_item>& items) {
    return std::vector<hfx::hypotest_values>(items.size() - 1);
  };
  EXPECT_THROW(hfx::batch_upper_limits(short_fn, {0.0, 0.0}, {5.0, 5.0}), hfx::error);
}

}  // namespace

// Real models: the batched limits (every point a whole hypothesis test, the GPU's path) on
// the CPU backend against the per-hypothesis engine's toms748_scan (the CPU scan's path,
// whose fixed-POI fits warm-start from the previous POI value). The fits agree to their
// tolerance, not bit for bit, so the root finder can take a different path inside its own
// tolerance: limits agree within 2 * rtol (pyhf's toms748 rtol = 1e-4).
namespace {

TEST(BatchLimits, SbottomBatchOnCpuMatchesEngineLimits) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(4, 50);
  const hfx::batch_view b = mb.view();
  ASSERT_EQ(b.n_hyp, 4);
  hfx::batch_options opt;
  opt.threads = 2;
  hfx::batch_limits_stats st;
  const auto res = hfx::batch_upper_limits(b, opt, hfx::backend_kind::cpu, {}, &st);
  ASSERT_EQ(res.size(), 4u);
  EXPECT_GE(st.rounds, 3);
  for (int h = 0; h < b.n_hyp; ++h) {
    const hfx::model_view m = b.hyp(h);
    hfx::hypotest_engine eng(m, opt.hypotest);
    const auto ref = hfx::toms748_scan(
        [&](const std::vector<double>& mus) {
          std::vector<hfx::hypotest_values> v;
          for (double mu : mus) v.push_back(hfx::hypotest_result(opt.hypotest.stat, eng.at(mu).cls));
          return v;
        },
        m.lo[b.s.poi], m.hi[b.s.poi]);
    for (int c = 0; c < hfx::n_limit_curves; ++c) {
      ASSERT_EQ(res[std::size_t(h)].status(c), ref.status(c)) << "hypothesis " << h << " curve " << c;
      if (ref.status(c) != hfx::limit_status::ok) continue;
      EXPECT_NEAR(res[std::size_t(h)].limit(c), ref.limit(c), 2e-4 * std::fabs(ref.limit(c)))
          << "hypothesis " << h << " curve " << c;
      EXPECT_GT(ref.limit(c), 0.0);
    }
  }
}

}  // namespace
