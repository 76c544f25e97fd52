// Hypothesis tests and upper limits against published pyhf numbers:
//  * pyhf's regression tests on the ATLAS sbottom likelihoods (REFERENCE.txt, pyhf default tolerance);
//  * pyhf's validation cases (tests/test_validation.py: `q`, normsys code1, histosys code0);
//  * pyhf's hello-world CLs and upper limits (README, tests/test_infer.py);
//  * pyhf's upper_limit (TOMS748) on sbottom region A and staus patches (tests/data/reference/limits_*).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "hfx/infer.hpp"
#include "hfx/json_io.hpp"
#include "hfx/limits.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

// The sbottom regression numbers were made with pyhf's default SLSQP tolerance, whose fits
// stop early at the 1e-6 level; issue 4 asks for 1e-4 relative there.
constexpr double regression_rel_tol = 1e-4;
// Upper limits: issue 4 asks for 1e-3 relative against pyhf's TOMS748 (root tolerance 1e-4 on
// both sides plus fit differences).
constexpr double limit_rel_tol = 1e-3;

void expect_rel(double got, double want, double rel, const std::string& what) {
  EXPECT_NEAR(got, want, rel * std::fabs(want)) << what;
}

hfx::compiled_model load(const std::string& ws_path, const std::string& ps_path, const std::string& patch,
                         hfx::model_options opt = {}) {
  hfx::json ws = hfx::load_json_file(ws_path);
  if (!patch.empty()) {
    hfx::patchset ps = hfx::load_patchset(ps_path);
    ws = hfx::apply_patch(ws, ps, ps.at(patch));
  }
  return hfx::compile_model(ws, opt, ws_path);
}

TEST(PyhfRegression, SbottomPointsFromPyhfTests) {
  struct point { const char* region; const char* patch; double obs; double exp[5]; };
  const point pts[] = {
      {"A", "sbottom_1300_205_60", 0.2444362776, {0.0902250905, 0.1937839195, 0.3843234493, 0.6557757334, 0.8910420972}},
      {"A", "sbottom_1400_950_60", 0.02137328391, {0.0026445531, 0.0139761265, 0.0649710582, 0.2364403048, 0.5744785777}},
      {"A", "sbottom_1500_850_60", 0.04536720567, {0.0059843179, 0.0261022401, 0.1009364149, 0.3101924595, 0.6553623338}},
      {"B", "sbottom_1400_550_60", 0.9744675267, {0.9338879895, 0.9569045303, 0.9771296335, 0.9916370124, 0.9983701134}},
      {"C", "sbottom_1600_850_60", 0.7110237074, {0.295549291, 0.4446885457, 0.6371473864, 0.8336149624, 0.9585901382}},
  };
  for (const auto& p : pts) {
    const std::string dir = std::string("ATLAS-SUSY-2018-31_sbottom/Region") + p.region + "/";
    hfx::compiled_model m = load(hfx::test::published(dir + "BkgOnly.json.gz"),
                                 hfx::test::published(dir + "patchset.DERIVED.json.gz"), p.patch);
    hfx::hypotest_engine eng(m.view(), {});
    hfx::hypotest_outcome r = eng.at(1.0);
    EXPECT_TRUE(r.all_converged());
    expect_rel(r.cls.cls, p.obs, regression_rel_tol, std::string(p.patch) + " CLs_obs");
    for (int i = 0; i < 5; ++i) expect_rel(r.cls.cls_exp[i], p.exp[i], regression_rel_tol, std::string(p.patch) + " CLs_exp");
  }
}

// pyhf's validation cases. Two references: pyhf's test-suite values (made with pyhf's default
// SLSQP tolerance; its fits stop early by up to 1e-5 relative in CLs, so compared at the
// regression tolerance) and the same computation with converged pyhf fits (tolerance 1e-10,
// tests/pyhf/gen_validation_fixtures.py), compared at validation_rel_tol.
// Tail p-values (1e-10..1e-7) move by ~z*dq/(2 sqrt q) relative for a twice_nll difference dq
// between two converged fits (pyhf's SLSQP at 1e-10 leaves dq ~ 1e-8): an absolute floor
// of 1e-12 covers them.
// pyhf's SLSQP at tolerance 1e-10 still leaves twice_nll ~1e-8..1e-7 above the minimum on
// these models (seen: 2bin_2channel_couplednorm differs by 1.3e-6 relative in CLs_exp[0]
// while hfx's fits are converged to 1e-10), so converged pyhf is matched to 1e-5.
constexpr double validation_rel_tol = 1e-5;
constexpr double validation_abs_floor = 1e-12;

TEST(PyhfRegression, ValidationCasesWithQAndCode1) {
  const hfx::json published = hfx::load_json_file(hfx::test::data("pyhf-validation/EXPECTED_test_validation.json.gz"));
  const hfx::json converged = hfx::load_json_file(hfx::test::data("pyhf/validation/converged.json"));
  int n = 0;
  for (const auto& c : converged) {
    SCOPED_TRACE(c["id"].get<std::string>());
    hfx::model_options opt;
    if (c["normsys_code1"].get<bool>()) {
      opt.normsys_code = hfx::interp_code::code1;
      opt.histosys_code = hfx::interp_code::code0;  // pyhf: modifier_settings replaces both defaults
    }
    hfx::compiled_model m = load(hfx::test::data("pyhf-validation/" + c["workspace_file"].get<std::string>()), "", "", opt);
    hfx::hypotest_options hopt;
    const std::string ts = c["test_stat"];
    hopt.stat = ts == "q" ? hfx::test_stat::q : ts == "q0" ? hfx::test_stat::q0 : hfx::test_stat::qtilde;
    hfx::hypotest_engine eng(m.view(), hopt);
    hfx::hypotest_outcome r = eng.at(c["mu_test"].get<double>());
    EXPECT_TRUE(r.all_converged());
    const hfx::hypotest_values hv = hfx::hypotest_result(hopt.stat, r.cls);
    auto near = [](double got, double want, const char* what) {
      EXPECT_NEAR(got, want, validation_rel_tol * std::fabs(want) + validation_abs_floor) << what;
    };
    near(hv.obs, c["CLs_obs"].get<double>(), "obs vs converged pyhf");
    for (int i = 0; i < 5; ++i) near(hv.exp[i], c["CLs_exp_set"][i].get<double>(), "exp vs converged pyhf");
    for (const auto& p : published) {
      if (p["id"] != c["id"]) continue;
      // These default-tolerance numbers are themselves off from converged pyhf (by up to 3.3e-4
      // relative in the q0 case, which pyhf's own test allows with rtol 3e-4): allow the
      // regression tolerance on top of pyhf's own early-stopping error for each value.
      auto near_pub = [&](double got, double pub, double conv, const char* what) {
        const double tol = regression_rel_tol + std::fabs(conv - pub) / std::fabs(pub);
        expect_rel(got, pub, tol, what);
      };
      near_pub(hv.obs, p["expected"]["CLs_obs"].get<double>(), c["CLs_obs"].get<double>(), "obs vs pyhf's test");
      for (int i = 0; i < 5; ++i)
        near_pub(hv.exp[i], p["expected"]["CLs_exp_set"][i].get<double>(), c["CLs_exp_set"][i].get<double>(),
                 "exp vs pyhf's test");
    }
    ++n;
  }
  EXPECT_EQ(n, 10);
}

TEST(PyhfRegression, HelloWorldClsAndLimits) {
  const hfx::json cases = hfx::load_json_file(hfx::test::data("pyhf-validation/EXPECTED_other.json"));
  hfx::compiled_model m = load(hfx::test::data("pyhf-validation/hello_world.workspace.json"), "", "");
  hfx::hypotest_engine eng(m.view(), {});
  hfx::hypotest_batch_fn f = [&](const std::vector<double>& mus) {
    std::vector<hfx::hypotest_values> out;
    for (double mu : mus) out.push_back(hfx::hypotest_result(hfx::test_stat::qtilde, eng.at(mu).cls));
    return out;
  };
  // The hello-world numbers come from pyhf's README and test suite, made with pyhf's default
  // SLSQP tolerance (fits stop early: CLs moves by ~1e-5 relative), so they are compared at the
  // regression tolerance.
  constexpr double tol = regression_rel_tol;
  for (const auto& c : cases) {
    const std::string id = c["id"];
    SCOPED_TRACE(id);
    const hfx::json& e = c["expected"];
    if (id == "hello_world_hypotest") {
      hfx::hypotest_outcome r = eng.at(1.0);
      expect_rel(r.cls.cls, e["CLs_obs"].get<double>(), tol, "obs");
      for (int i = 0; i < 5; ++i) expect_rel(r.cls.cls_exp[i], e["CLs_exp_set"][i].get<double>(), tol, "exp");
    } else if (id == "hello_world_upper_limit_scan") {
      std::vector<double> grid;
      for (int i = 0; i <= 10; ++i) grid.push_back(0.5 * i);  // np.linspace(0, 5, 11)
      hfx::upper_limit_result ul = hfx::linear_grid_scan(f, grid);
      expect_rel(ul.obs, e["mu_up_obs"].get<double>(), tol, "obs");
      for (int i = 0; i < 5; ++i) expect_rel(ul.exp[i], e["mu_up_exp_set"][i].get<double>(), tol, "exp");
    } else if (id == "hello_world_upper_limit_toms748") {
      hfx::toms748_scan_options so;
      so.rtol = 1e-6;
      hfx::upper_limit_result ul = hfx::toms748_scan(f, m.lo[m.poi], m.hi[m.poi], so);
      // Printed with 8 decimals in pyhf's test.
      expect_rel(ul.obs, e["mu_up_obs"].get<double>(), tol, "obs");
      for (int i = 0; i < 5; ++i) expect_rel(ul.exp[i], e["mu_up_exp_set"][i].get<double>(), tol, "exp");
    }
  }
}

class PyhfLimits : public ::testing::TestWithParam<const char*> {};

TEST_P(PyhfLimits, UpperLimitsAgreeWithPyhfToms748) {
  const std::string which = GetParam();
  const bool sbottom = which == "sbottom";
  const std::string dir = sbottom ? "ATLAS-SUSY-2018-31_sbottom/RegionA/" : "ATLAS-SUSY-2018-04_staus/Region-combined/";
  const std::string ws_path = hfx::test::published(dir + "BkgOnly.json.gz");
  const std::string ps_path = hfx::test::published(dir + (sbottom ? "patchset.DERIVED.json.gz" : "patchset.json.gz"));
  const std::string ref_path =
      hfx::test::data(sbottom ? "reference/limits_sbottom_RegionA.jsonl.gz" : "reference/limits_staus_Region-combined.jsonl.gz");
  const hfx::json ws = hfx::load_json_file(ws_path);
  const hfx::patchset ps = hfx::load_patchset(ps_path);
  std::string text = hfx::read_file_maybe_gz(ref_path);
  int compared = 0, beyond_bound = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const hfx::json ref = hfx::json::parse(text.substr(pos, nl - pos));
    pos = nl + 1;
    const std::string patch = ref["patch"];
    SCOPED_TRACE(patch);
    hfx::compiled_model m = hfx::compile_model(hfx::apply_patch(ws, ps, ps.at(patch)), {}, ws_path);
    hfx::hypotest_engine eng(m.view(), {});
    hfx::hypotest_batch_fn f = [&](const std::vector<double>& mus) {
      std::vector<hfx::hypotest_values> out;
      for (double mu : mus) out.push_back(hfx::hypotest_result(hfx::test_stat::qtilde, eng.at(mu).cls));
      return out;
    };
    hfx::upper_limit_result ul = hfx::toms748_scan(f, m.lo[m.poi], m.hi[m.poi]);
    if (ref.contains("error")) {
      // pyhf raised: its bracket doubled past the POI's upper bound (10) and pyhf 0.7.6 refuses
      // a fixed POI outside its bounds. hfx fixes the POI there (issue 4) and finds the limit.
      EXPECT_TRUE(ul.all_ok());
      EXPECT_GT(std::max(ul.obs, ul.exp[4]), m.hi[m.poi]);
      ++beyond_bound;
      continue;
    }
    ASSERT_TRUE(ul.all_ok());
    expect_rel(ul.obs, ref["ul_obs"].get<double>(), limit_rel_tol, "UL_obs");
    for (int i = 0; i < 5; ++i) expect_rel(ul.exp[i], ref["ul_exp"][i].get<double>(), limit_rel_tol, "UL_exp");
    ++compared;
  }
  std::printf("[ %s ] %d limits compared with pyhf, %d where pyhf raised (bracket beyond the POI bound)\n",
              which.c_str(), compared, beyond_bound);
  // The references hold 10 patches each; pyhf raised on 4 (sbottom) and 2 (staus) of them,
  // so 6 + 4 = 10 limits are compared across the two analyses.
  EXPECT_GE(compared, sbottom ? 6 : 4);
}

INSTANTIATE_TEST_SUITE_P(Published, PyhfLimits, ::testing::Values("sbottom", "staus"));

}  // namespace
