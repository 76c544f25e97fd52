// Numerical robustness of compile_model + fit_model + hypotest_engine on small workspaces
// built in code: yields from 1e-8 to 1e8, bins without background, the POI on its bounds,
// flat directions, a model with thousands of bin-wise parameters, a POI fixed by the
// measurement. What is asserted everywhere: no crash, fit statuses are converged or a
// named non-converged status, twice_nll is never NaN, CLs values are finite and in [0, 1]
// whenever all fits converged (and NaN only next to a non-converged status).
// Also: the minimised fuzzer inputs under tests/data/fuzz/ (tests/fuzz/RESULTS.md) give
// an hfx::error or a model, never a crash.
#include <gtest/gtest.h>

#include <time.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/json_io.hpp"
#include "hfx/json_patch.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace fs = std::filesystem;
using hfx::json;

namespace {

// Relative agreement of muhat with its exact value where the data equal the expected rates
// at mu = 1: the minimum is exactly there, Newton's stopping rule (decrement < 1e-10 in
// twice_nll units) leaves a relative error far below this.
constexpr double muhat_rel_tol = 1e-4;

// One channel "SR": sample "sig" (normfactor mu) and sample "bkg" (staterror, normsys "syst").
json one_channel_ws(const std::vector<double>& sig, const std::vector<double>& bkg, const std::vector<double>& obs,
                    json extra_params = json::array()) {
  std::vector<double> stat(bkg.size());
  for (std::size_t i = 0; i < bkg.size(); ++i) stat[i] = 0.1 * bkg[i];
  json ws = {
      {"version", "1.0.0"},
      {"channels",
       {{{"name", "SR"},
         {"samples",
          {{{"name", "sig"}, {"data", sig}, {"modifiers", {{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}}}}},
           {{"name", "bkg"},
            {"data", bkg},
            {"modifiers",
             {{{"name", "stat"}, {"type", "staterror"}, {"data", stat}},
              {{"name", "syst"}, {"type", "normsys"}, {"data", {{"hi", 1.05}, {"lo", 0.95}}}}}}}}}}}},
      {"observations", {{{"name", "SR"}, {"data", obs}}}},
      {"measurements", {{{"name", "meas"}, {"config", {{"poi", "mu"}, {"parameters", extra_params}}}}}}};
  return ws;
}

bool named_status(hfx::fit_status s) {
  switch (s) {
    case hfx::fit_status::converged:
    case hfx::fit_status::max_iterations:
    case hfx::fit_status::non_finite:
    case hfx::fit_status::singular:
      return true;
  }
  return false;
}

// The invariants of one hypothesis-test outcome.
void check_outcome(const hfx::hypotest_outcome& r, const std::string& what) {
  for (int k = 0; k < hfx::n_hypotest_fits; ++k) {
    EXPECT_TRUE(named_status(r.fits[k].status)) << what << ": fit " << hfx::hypotest_fit_names[k];
    EXPECT_FALSE(std::isnan(r.fits[k].twice_nll)) << what << ": fit " << hfx::hypotest_fit_names[k];
  }
  std::vector<double> cls = {r.cls.cls};
  for (double v : r.cls.cls_exp) cls.push_back(v);
  for (double v : cls) {
    if (r.all_converged()) {
      EXPECT_TRUE(std::isfinite(v)) << what << ": CLs " << v << " with all fits converged";
      EXPECT_GE(v, 0.0) << what;
      EXPECT_LE(v, 1.0) << what;
    } else if (std::isnan(v)) {
      SUCCEED() << what << ": NaN CLs explained by a non-converged fit";
    }
  }
}

hfx::hypotest_outcome hypotest(const hfx::compiled_model& m, double mu) {
  hfx::hypotest_engine eng(m.view(), hfx::hypotest_options{});
  return eng.at(mu);
}

// ---- yields across 16 orders of magnitude ----------------------------------------------

class YieldScale : public ::testing::TestWithParam<double> {};

TEST_P(YieldScale, FitFindsMuOneAndHypotestIsFinite) {
  const double s = GetParam();
  // Data equal to the expected rates at mu = 1, alpha = 0, gamma = 1: the exact minimum.
  const std::vector<double> sig = {1 * s, 2 * s, 0.5 * s}, bkg = {5 * s, 10 * s, 20 * s};
  std::vector<double> obs(3);
  for (int i = 0; i < 3; ++i) obs[i] = sig[i] + bkg[i];
  const auto m = hfx::compile_model(one_channel_ws(sig, bkg, obs), {}, "scale.json");
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << "scale " << s << ": " << hfx::fit_status_name(f.status);
  EXPECT_TRUE(std::isfinite(f.twice_nll)) << "scale " << s;
  EXPECT_NEAR(f.x[m.poi], 1.0, muhat_rel_tol) << "scale " << s;
  const auto r = hypotest(m, 1.0);
  check_outcome(r, "scale " + std::to_string(s));
  EXPECT_NEAR(r.muhat, 1.0, muhat_rel_tol) << "scale " << s;
}

INSTANTIATE_TEST_SUITE_P(Robustness, YieldScale, ::testing::Values(1e-8, 1e-4, 1e-2, 1.0, 1e2, 1e4, 1e8));

// ---- bins without background ------------------------------------------------------------

TEST(Robustness, ZeroBackgroundBinWithoutData) {
  // bin 0 has no background and no data: at mu = 0 its rate is 0 with n = 0 (xlogy: valid).
  const auto m = hfx::compile_model(one_channel_ws({2, 1}, {0, 5}, {0, 5}), {}, "zero_bkg.json");
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_TRUE(std::isfinite(f.twice_nll));
  EXPECT_NEAR(f.x[m.poi], 0.0, 1e-6);  // no excess anywhere: muhat on the lower bound
  const auto r = hypotest(m, 1.0);
  check_outcome(r, "zero background, no data");
  EXPECT_TRUE(r.all_converged());
}

TEST(Robustness, ZeroBackgroundBinWithData) {
  // bin 0 has data but no background: mu = 0 is infeasible (rate 0 with n = 3). The fits at
  // mu = 0 (Asimov definition) cannot be evaluated; they must say so with a status, and the
  // free fit and the fits at mu = 1 stay fine.
  const auto m = hfx::compile_model(one_channel_ws({2, 1}, {0, 5}, {3, 6}), {}, "zero_bkg_data.json");
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  // bin 0 alone would give mu = 1.5, bin 1 alone mu = 1: the minimum lies between.
  EXPECT_GT(f.x[m.poi], 1.0);
  EXPECT_LT(f.x[m.poi], 1.5);
  const auto r = hypotest(m, 1.0);
  check_outcome(r, "zero background with data");
  EXPECT_EQ(r.fits[hfx::fit_free].status, hfx::fit_status::converged);
  EXPECT_EQ(r.fits[hfx::fit_fixed_mu].status, hfx::fit_status::converged);
  // The fit at mu = 0 to the observed data has twice_nll = +inf everywhere.
  EXPECT_NE(r.fits[hfx::fit_asimov_def].status, hfx::fit_status::converged);
  EXPECT_EQ(r.fits[hfx::fit_asimov_def].twice_nll, INFINITY);
}

// ---- POI on its bounds ------------------------------------------------------------------

TEST(Robustness, MuhatOnTheLowerBound) {
  // A deficit: the unconstrained minimum is at mu < 0, the fit stops at the bound 0.
  const auto m = hfx::compile_model(one_channel_ws({5, 5}, {50, 50}, {30, 30}), {}, "deficit.json");
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_EQ(f.x[m.poi], m.lo[m.poi]);
  EXPECT_TRUE(f.at_bound);
  const auto r = hypotest(m, 1.0);
  check_outcome(r, "muhat at 0");
  EXPECT_TRUE(r.all_converged());
  EXPECT_EQ(r.muhat, 0.0);
}

TEST(Robustness, MuhatOnTheUpperBound) {
  // A huge excess: the unconstrained minimum is at mu ~ 100, beyond the bound 10.
  const auto m = hfx::compile_model(one_channel_ws({1, 1}, {10, 10}, {110, 110}), {}, "excess.json");
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_EQ(f.x[m.poi], m.hi[m.poi]);
  EXPECT_TRUE(f.at_bound);
  for (double mu : {1.0, 10.0}) {
    const auto r = hypotest(m, mu);
    check_outcome(r, "muhat at 10, mu " + std::to_string(mu));
    EXPECT_EQ(r.muhat, m.hi[m.poi]);
  }
}

TEST(Robustness, TestValueOnTheBounds) {
  const auto m = hfx::compile_model(one_channel_ws({5, 5}, {50, 50}, {55, 52}), {}, "bounds.json");
  for (double mu : {0.0, 10.0}) check_outcome(hypotest(m, mu), "mu_test " + std::to_string(mu));
}

// ---- flat directions ----------------------------------------------------------------------

TEST(Robustness, NormfactorOfAnAllZeroSampleIsAFlatDirection) {
  // "ghost" has nominal 0 in every bin: its normfactor k changes no rate (pyhf builds the
  // model all the same). The Hessian is singular along k; fits must still end with a
  // named status and finite values, and mu must be fitted as without the ghost.
  json ws = one_channel_ws({2, 2}, {10, 10}, {12, 12});
  ws["channels"][0]["samples"].push_back(
      {{"name", "ghost"}, {"data", {0.0, 0.0}}, {"modifiers", {{{"name", "k"}, {"type", "normfactor"}, {"data", nullptr}}}}});
  const auto m = hfx::compile_model(ws, {}, "ghost.json");
  ASSERT_NE(m.find_param("k"), nullptr);
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_TRUE(named_status(f.status));
  EXPECT_TRUE(std::isfinite(f.twice_nll));
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_NEAR(f.x[m.poi], 1.0, muhat_rel_tol);
  const auto r = hypotest(m, 1.0);
  check_outcome(r, "flat normfactor");
  // The same test without the ghost sample gives the same CLs.
  const auto m0 = hfx::compile_model(one_channel_ws({2, 2}, {10, 10}, {12, 12}), {}, "noghost.json");
  const auto r0 = hypotest(m0, 1.0);
  constexpr double same_cls_tol = 1e-6;  // the ghost adds no term: only fit round-off differs
  EXPECT_NEAR(r.cls.cls, r0.cls.cls, same_cls_tol);
}

TEST(Robustness, ShapesysOnZeroNominalBinsIsFixed) {
  // shapesys with nominal 0 or delta 0 in a bin: tau undefined, pyhf fixes gamma there.
  json ws = one_channel_ws({2, 2, 2}, {10, 0, 10}, {12, 2, 12});
  ws["channels"][0]["samples"][1]["modifiers"].push_back({{"name", "shp"}, {"type", "shapesys"}, {"data", {1.0, 1.0, 0.0}}});
  const auto m = hfx::compile_model(ws, {}, "shapesys_zero.json");
  const auto* p = m.find_param("shp");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(m.fixed[p->offset]);
  EXPECT_TRUE(m.fixed[p->offset + 1]);
  EXPECT_TRUE(m.fixed[p->offset + 2]);
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  check_outcome(hypotest(m, 1.0), "shapesys on zero bins");
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// ---- thousands of bin-wise parameters (Schur complement path) ---------------------------

TEST(Robustness, TwoThousandStaterrorBinsFitQuickly) {
  constexpr int n = 2000;
  std::vector<double> sig(n), bkg(n), obs(n);
  for (int i = 0; i < n; ++i) {
    bkg[i] = 20.0 + 10.0 * std::sin(0.01 * i) + (i % 7);
    sig[i] = 0.5 + (i % 13) * 0.1;
    // Deterministic fluctuations around the mu = 0.5 expectation.
    obs[i] = std::round(bkg[i] + 0.5 * sig[i] + 3.0 * std::cos(1.3 * i));
  }
  const auto m = hfx::compile_model(one_channel_ws(sig, bkg, obs), {}, "big.json");
  ASSERT_EQ(m.n_pars, n + 2);  // mu, syst, stat[2000]
  // CPU time of this process (the fits are single-threaded), so that a loaded machine does
  // not fail the test: ~0.4 s in a Release build. The bound leaves room for sanitizer
  // builds (~10x); dense Newton steps on 2002 parameters (~5e9 flops per factorisation,
  // tens of them over the 6+ fits) would exceed it.
  constexpr double max_cpu_seconds = 20.0;
  const double t0 = cpu_seconds();
  const auto f = hfx::fit_model(m, m.data());
  const auto r = hypotest(m, 1.0);
  const double secs = cpu_seconds() - t0;
  EXPECT_EQ(f.status, hfx::fit_status::converged) << hfx::fit_status_name(f.status);
  EXPECT_TRUE(std::isfinite(f.twice_nll));
  EXPECT_GT(f.x[m.poi], 0.0);
  EXPECT_LT(f.x[m.poi], 2.0);
  check_outcome(r, "2000 staterror bins");
  EXPECT_TRUE(r.all_converged());
  EXPECT_LT(secs, max_cpu_seconds);
  RecordProperty("seconds_fit_and_hypotest", std::to_string(secs));
}

// ---- a POI fixed by the measurement -------------------------------------------------------

json fixed_poi_ws() {
  return one_channel_ws({2, 2}, {10, 10}, {12, 12}, json::array({{{"name", "mu"}, {"fixed", true}}}));
}

TEST(Robustness, FixedPoiModelCompilesAndFitsWithPoiAtItsInit) {
  const auto m = hfx::compile_model(fixed_poi_ws(), {}, "fixed_poi.json");
  ASSERT_GE(m.poi, 0);
  EXPECT_TRUE(m.fixed[m.poi]);
  const auto f = hfx::fit_model(m, m.data());
  EXPECT_EQ(f.status, hfx::fit_status::converged);
  EXPECT_EQ(f.x[m.poi], m.init[m.poi]);
}

// pyhf 0.7.6 (infer/__init__.py, _check_hypotest_prerequisites) refuses hypothesis tests
// on a model whose POI is fixed: "POI at index [i] is set as fixed, which makes profile
// likelihood ratio based inference impossible". So does hypotest_engine (a model_error that
// says why); before it did, the "free" fits kept the POI at its init (muhat = 1) and
// returned finite but meaningless CLs values.
TEST(Robustness, HypotestRefusesAFixedPoiLikePyhf) {
  const auto m = hfx::compile_model(fixed_poi_ws(), {}, "fixed_poi.json");
  try {
    hfx::hypotest_engine eng(m.view(), hfx::hypotest_options{});
    ADD_FAILURE() << "hypotest_engine accepted a fixed POI";
  } catch (const hfx::model_error& e) {
    EXPECT_NE(std::string(e.what()).find("fixed"), std::string::npos) << e.what();
  }
}

// ---- minimised fuzzer findings --------------------------------------------------------------

// Every .json under tests/data/fuzz/ is a kept fuzzer input (tests/data/fuzz/README.md:
// unusual corpus entries, and minimised crashes should any be found); the name starts with
// its family (workspace_*, patch_*). Each must be rejected with an hfx::error (an
// input_error naming the file) or accepted, and a compiled model's twice_nll at its inits
// must be finite or +inf.
TEST(Robustness, FuzzerFindingsGiveAnInputErrorOrAModel) {
  const fs::path dir = hfx::test::data("fuzz");
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;  // README.md
    const std::string file = e.path().string(), name = e.path().filename().string();
    ++n;
    const std::string text = hfx::read_file_maybe_gz(file);
    try {
      json doc = hfx::parse_json_text(text, name);
      if (name.rfind("patch", 0) == 0) {
        if (doc.is_object() && doc.contains("doc") && doc.contains("ops")) {
          (void)hfx::apply_json_patch_copy(doc["doc"], doc["ops"], name, "/ops");
        } else {
          const auto ps = hfx::parse_patchset(std::move(doc), name);
          (void)ps;
        }
      } else {
        const auto m = hfx::compile_model(doc, {}, name);
        const auto v = m.view();
        std::vector<double> work(hfx::nll_work_size(v.s) + 1);
        const auto d = m.data();
        const double t = hfx::twice_nll(v, m.init.data(), d.data(), work.data());
        EXPECT_FALSE(std::isnan(t)) << name;
        EXPECT_NE(t, -INFINITY) << name;
      }
    } catch (const hfx::input_error& err) {
      EXPECT_NE(std::string(err.what()).find(name), std::string::npos) << err.what();
    } catch (const hfx::error&) {
      // model_error (e.g. a POI the model cannot use): a clean refusal too
    }
  }
  EXPECT_GT(n, 0);
}

}  // namespace
