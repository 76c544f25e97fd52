// End-to-end validation against pyhf 0.7.6 on the discovery (model-independent) models of the
// bundled ATLAS analyses not covered by test_validation_pyhf.cpp: a unit signal in one SR,
// whose 95% CL upper limit on the POI is the ATLAS S95 (visible signal events).
//   SS3L (ATLAS-SUSY-2018-09)   5 SRs, DERIVED discovery patchsets
//   0Ljets (ATLAS-SUSY-2018-22) 18 SRs, DERIVED discovery patchsets
//   DVmuon (ATLAS-SUSY-2018-33) 2 SRs, DERIVED discovery patchsets
//   2Ljets (ATLAS-SUSY-2018-05) 22 published discovery workspaces (signal already inside);
//                               pyhf limits for 10 of them (time budget), CLs and fits for all
//   displaced (ATLAS-SUSY-2018-14) the two bayesian_pyhf workspaces with a signal sample
// References: tests/data/reference/discovery_<analysis>.jsonl.gz (tests/pyhf/gen_discovery_reference.py:
// pyhf 0.7.6, SLSQP tolerance 1e-10; see tests/data/reference/discovery_README.md). Per model:
// the five fits of the asymptotic calculator (twice_nll), CLs at mu = 1 (qtilde, observed and
// expected band) and the upper limits (pyhf's upper_limit, TOMS748).
//
// Where pyhf's upper_limit raised (its bracket doubles past the POI's upper bound, 10 in these
// files, and pyhf 0.7.6 refuses a fixed POI outside its bounds), the reference holds a "wide"
// record: the same model with the POI's bounds widened in the measurement config, and the
// limit from pyhf's toms748_scan with the bracket upper_limit takes. hfx's limit on the model
// as published (hfx fixes the POI beyond its bound, issue 4) is compared with it where the
// free fit is inside the published bounds (then the two models give the same CLs(mu)), and
// hfx on the widened model with the wide record's CLs and limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hfx/infer.hpp"
#include "hfx/json_io.hpp"
#include "hfx/limits.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

// Issue 4's agreement criteria (as test_validation_pyhf.cpp): CLs 1e-4 relative where the value
// is >= 1e-4, 1e-8 absolute below; upper limits 1e-3 relative (TOMS748 rtol 1e-4 on both sides).
constexpr double cls_rel_tol = 1e-4;
constexpr double cls_small = 1e-4;
constexpr double cls_abs_tol = 1e-8;
constexpr double limit_rel_tol = 1e-3;
// hfx's fits to the observed data (free, fixed_mu, asimov_data = POI fixed at 0) may never end
// above pyhf's minimum by more than this (issue 3).
constexpr double nll_above_tol = 1e-6;
// The two Asimov fits are fits to different data: each program's Asimov data come from its own
// asimov_data fit, and where that fit has a flat direction the two parameter points differ
// although their minima agree. The Asimov minima then differ by a data-dependent amount:
//  * 0Ljets BDT-GGd2: pyhf's asimov_data fit ends 5.8e-10 above hfx's with parameters up to
//    1.0e-5 away; both Asimov minima of hfx are 1.3e-6 above pyhf's, yet pyhf itself, given
//    hfx's Asimov data, finds 94.61246226704 (asimov_free) vs hfx's 94.61246226653.
//  * displaced SRee_SRmm_Srem: asimov_data minima 24.210775119491 (hfx) vs 24.210775119498
//    (pyhf), parameters up to 7.9e-6 apart (normsys alphas); hfx's asimov_free is 6.2e-6 and
//    asimov_fixed_mu 4.0e-6 below pyhf's. pyhf's twice_nll on hfx's Asimov data at its generating
//    point is 25.034086658799655, bit for bit hfx's asimov_free; at hfx's asimov_fixed_mu point on
//    pyhf's own Asimov data it is 25.650052181078, pyhf's own minimum: both programs minimise
//    correctly, on data that differ by up to 7.9e-6 (aux) and 3.8e-6 (main bins).
// So the Asimov fits are compared through what the test statistic uses, q_A = asimov_fixed_mu -
// asimov_free (the data constants cancel): 1.3e-9 apart for BDT-GGd2, 1.03e-6 (1.7e-6 relative)
// for SRee_SRmm_Srem, where the data themselves differ at 1e-6. CLs agree to 1e-4 in both.
constexpr double asimov_q_tol = 1e-5;

// Known and explained differences, "analysis/model" -> reason: models where pyhf's fits stop
// early (or, for 2Ljets/rjr_sr2l_low, at a saddle point). CLs (and the q_A check) may differ there; the test still requires that hfx's free fit
// and its fit to the Asimov data end below pyhf's (the reason's claim). Both are the highest-count
// SRs of the 0L analysis (2111 and 971 events) with a one-event signal, where q_mu at mu = 1 is
// 1e-4..1e-2 and the fits' last 1e-6 in twice_nll matter. Checked with pyhf itself
// (numbers: pyhf 0.7.6, tolerance 1e-10; "generating point" = the parameters pyhf's asimov_data fit
// returned, where twice_nll on those Asimov data is minimal by construction):
const std::map<std::string, std::string> known_differences = {
    {"0Ljets/SR2j-1600",
     "pyhf's fits stop early: free fit 98.3021509284 vs 98.3021460136 (pyhf's own twice_nll at hfx's "
     "best fit = hfx's minimum), Asimov free fit 97.9456312752 vs 97.9455744171 at the generating "
     "point of pyhf's own Asimov data (hfx: 97.9455749352 on its Asimov data): pyhf's q_A = 1.28e-6 "
     "instead of >= 5.81e-5, so pyhf's expected CLs (median 0.99910 vs hfx 0.99399) and CLs_obs "
     "(0.99523 vs 0.99088) are off; the limits (mu ~ 200) agree to 1e-5"},
    {"0Ljets/SR2j-2200",
     "pyhf's fits stop early: free fit 99.1213419364 vs 99.1213418001 at hfx's best fit (pyhf's own "
     "twice_nll), Asimov free fit 99.0937884187 vs 99.0937863249 at the generating point of pyhf's "
     "Asimov data: q_A 2.834e-4 instead of >= 2.855e-4; CLs_exp[0] 0.96072 vs hfx 0.96059 "
     "(1.4e-4 relative), CLs_obs 0.984736 vs 0.984691; the limits agree to 1e-5"},
    {"2Ljets/rjr_sr2l_low",
     "pyhf's fit with mu fixed stops at a saddle: the histosys leptonWeight_MUON_EFF_BADMUON_STAT and "
     "_SYS have empty variations (hi_data = lo_data = 0), so under code4p their gradient is 0 at "
     "alpha = 0 where the curvature is negative (the hfx bug fixed with tests/test_fit_saddle.cpp). "
     "pyhf's fixed_mu fit ends at 200.1241308; hfx's reaches 200.1234009 (both alphas 0.155; fixed "
     "at 0.156 each: 200.1234027), and with one alpha held at 0 it ends at 200.1241664, next to "
     "pyhf's: pyhf left one alpha (almost) at its saddle. So pyhf's q_obs is 7.3e-4 too large and "
     "CLs_obs 0.903000 vs hfx 0.903236; the free fits (hfx 200.0480811 vs 200.0480815, alphas 0.156) "
     "and the expected CLs agree"},
};

// Known hfx bugs (reported, not fixed here): the test requires the bug's signature (a fit that
// did not converge and ends above pyhf's minimum) and fails once it is fixed, so that the entry
// is removed.
// Fixed: "2Ljets/rjr_sr2l_low", fits stuck at a saddle point. The histosys
// leptonWeight_MUON_EFF_BADMUON_STAT and _SYS have hi_data = lo_data = 0 in every sample (a broken
// variation), so with code4p S = 0 and the gradient in alpha is exactly 0 at alpha = 0 while the
// curvature there is negative; the damped Newton fit never left alpha = 0 (max_iterations,
// twice_nll 200.0638109 vs pyhf 200.0480815 with both alphas at 0.156; CLs_obs 0.903466 vs pyhf
// 0.903000). fit_one now steps along a direction of negative curvature where the Hessian stays
// indefinite (math/newton.hpp, tests/test_fit_saddle.cpp): its free fit, Asimov fits and
// expected CLs agree with pyhf; its fit with mu fixed ends below pyhf's, whose fit stopped at the
// same saddle (known_differences).
const std::map<std::string, std::string> known_hfx_bugs = {};

bool cls_agree(double a, double b) {
  if (std::fabs(b) >= cls_small) return std::fabs(a - b) <= cls_rel_tol * std::fabs(b);
  return std::fabs(a - b) <= cls_abs_tol;
}

bool limits_agree(const hfx::upper_limit_result& ul, const hfx::json& obs, const hfx::json& exp, std::string* why) {
  bool ok = ul.all_ok();
  std::ostringstream os;
  auto one = [&](double got, double want, const char* what) {
    if (!(std::fabs(got - want) <= limit_rel_tol * std::fabs(want))) {
      ok = false;
      os << what << " " << got << " vs pyhf " << want << "; ";
    }
  };
  one(ul.obs, obs.get<double>(), "UL_obs");
  for (int i = 0; i < 5; ++i) one(ul.exp[i], exp[i].get<double>(), "UL_exp");
  if (why) *why = os.str();
  return ok;
}

std::vector<hfx::json> read_jsonl(const std::string& path) {
  std::vector<hfx::json> out;
  const std::string text = hfx::read_file_maybe_gz(path);
  std::istringstream is(text);
  for (std::string line; std::getline(is, line);)
    if (!line.empty()) out.push_back(hfx::json::parse(line));
  return out;
}

// ATLAS S95 (observed, expected) from the CheckMATE2 transcriptions in the corpus.
std::map<std::string, std::pair<double, double>> s95_table(const std::string& analysis) {
  std::string rel;
  if (analysis == "SS3L") rel = "ATLAS-SUSY-2018-09_SS3L/reference/checkmate2_atlas_1909_08457_ref.dat";
  if (analysis == "0Ljets") rel = "ATLAS-SUSY-2018-22_0Ljets/reference/checkmate2_atlas_2010_14293_ref.dat";
  if (analysis == "DVmuon") rel = "ATLAS-SUSY-2018-33_DVmuon/reference/checkmate2_atlas_2003_11956_ref.dat";
  std::map<std::string, std::pair<double, double>> out;
  if (rel.empty()) return out;
  std::ifstream f(hfx::test::published(rel));
  std::string line;
  std::getline(f, line);
  std::vector<std::string> head;
  {
    std::istringstream is(line);
    for (std::string w; is >> w;) head.push_back(w);
  }
  while (std::getline(f, line)) {
    std::istringstream is(line);
    std::vector<std::string> w;
    for (std::string x; is >> x;) w.push_back(x);
    if (w.size() != head.size()) continue;
    double o = 0, e = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (head[i] == "S95_obs") o = std::stod(w[i]);
      if (head[i] == "S95_exp") e = std::stod(w[i]);
    }
    out[w[0]] = {o, e};
  }
  return out;
}

// The model names of the workspaces -> the SR names of the S95 tables.
std::string s95_name(const std::string& analysis, const std::string& model) {
  if (analysis == "0Ljets" && model.rfind("SR", 0) == 0) return "SR-" + model.substr(2);  // SR2j-1600 -> SR-2j-1600
  if (analysis == "DVmuon") return model == "SRMET" ? "MET" : "Muon";
  return model;
}

hfx::json widened(hfx::json spec, double up) {
  for (auto& m : spec["measurements"]) {
    const std::string poi = m["config"]["poi"];
    bool found = false;
    for (auto& p : m["config"]["parameters"])
      if (p["name"] == poi) {
        p["bounds"] = hfx::json::array({hfx::json::array({0.0, up})});
        found = true;
      }
    if (!found) m["config"]["parameters"].push_back({{"name", poi}, {"bounds", hfx::json::array({hfx::json::array({0.0, up})})}});
  }
  return spec;
}

struct limits_run {
  hfx::upper_limit_result ul;
  bool converged = true;
};

limits_run run_limits(hfx::hypotest_engine& eng, double lo, double hi) {
  limits_run out;
  hfx::hypotest_batch_fn f = [&](const std::vector<double>& mus) {
    std::vector<hfx::hypotest_values> v;
    for (double mu : mus) {
      const hfx::hypotest_outcome r = eng.at(mu);
      out.converged = out.converged && r.all_converged();
      v.push_back(hfx::hypotest_result(hfx::test_stat::qtilde, r.cls));
    }
    return v;
  };
  out.ul = hfx::toms748_scan(f, lo, hi);
  return out;
}

class ValidationDiscovery : public ::testing::TestWithParam<const char*> {};

TEST_P(ValidationDiscovery, FitsClsAndLimitsAgreeWithPyhf) {
  const std::string an = GetParam();
  const std::vector<hfx::json> refs = read_jsonl(hfx::test::data("reference/discovery_" + an + ".jsonl.gz"));
  ASSERT_FALSE(refs.empty());
  const auto s95 = s95_table(an);
  int cls_ok = 0, ul_ok = 0, listed = 0, beyond_bound = 0, no_limits = 0;
  double max_lower = 0.0;  // largest amount by which an hfx fit to the data ends below pyhf's
  std::ostringstream table;
  for (const hfx::json& r : refs) {
    const std::string model = r["model"];
    const std::string key = an + "/" + model;
    SCOPED_TRACE(key);
    const bool hfx_bug = known_hfx_bugs.count(key) > 0;
    const bool known = known_differences.count(key) > 0 || hfx_bug;
    bool differs = false;  // a difference the known_differences entry excuses
    const std::string ws_path = hfx::test::published(r["workspace"].get<std::string>());
    hfx::json spec = hfx::load_json_file(ws_path);
    if (!r["patchset"].is_null()) {
      const hfx::patchset ps = hfx::load_patchset(hfx::test::published(r["patchset"].get<std::string>()));
      spec = hfx::apply_patch(spec, ps, ps.at(r["patch"].get<std::string>()));
    }
    const hfx::compiled_model m = hfx::compile_model(spec, {}, ws_path);
    ASSERT_EQ(m.poi_name, r["poi"].get<std::string>());
    hfx::hypotest_engine eng(m.view(), {});
    const hfx::hypotest_outcome h = eng.at(1.0);
    if (hfx_bug) differs = !h.all_converged();
    else EXPECT_TRUE(h.all_converged());

    // The five fits against pyhf's.
    const hfx::json& nll = r["twice_nll"];
    for (int k : {hfx::fit_free, hfx::fit_fixed_mu, hfx::fit_asimov_def}) {
      const std::string name = hfx::hypotest_fit_names[k];  // the names pyhf's record uses
      const double got = h.fits[k].twice_nll, want = nll[name].get<double>();
      if (hfx_bug) continue;
      EXPECT_LE(got, want + nll_above_tol) << name << ": hfx's minimum above pyhf's";
      max_lower = std::max(max_lower, want - got);
    }
    const double qa_hfx = h.fits[hfx::fit_asimov_mu].twice_nll - h.fits[hfx::fit_asimov_free].twice_nll;
    const double qa_pyhf = nll["asimov_fixed_mu"].get<double>() - nll["asimov_free"].get<double>();
    if (hfx_bug) {
      differs = differs && h.fits[hfx::fit_free].twice_nll > nll["free"].get<double>() + nll_above_tol;
    } else if (known) {
      EXPECT_LT(h.fits[hfx::fit_free].twice_nll, nll["free"].get<double>()) << known_differences.at(key);
      EXPECT_LT(h.fits[hfx::fit_asimov_free].twice_nll, nll["asimov_free"].get<double>()) << known_differences.at(key);
    } else {
      EXPECT_NEAR(qa_hfx, qa_pyhf, asimov_q_tol) << "asimov_fixed_mu - asimov_free";
    }

    // CLs at mu = 1.
    bool ok = cls_agree(h.cls.cls, r["cls_obs"].get<double>());
    for (int i = 0; i < 5; ++i) ok = ok && cls_agree(h.cls.cls_exp[i], r["cls_exp"][i].get<double>());
    if (ok) ++cls_ok;
    else if (known) ++listed, differs = differs || !hfx_bug;
    else ADD_FAILURE() << "CLs differs from pyhf: obs " << h.cls.cls << " vs " << r["cls_obs"].get<double>();

    // Upper limits: pyhf's bracket = the POI's bounds.
    if (r.contains("ul_not_computed")) {  // reference made without limits (time budget)
      ++no_limits;
      char row[256];
      std::snprintf(row, sizeof row, "  %-22s CLs_obs %.6g  (no pyhf limits in the reference)\n", model.c_str(), h.cls.cls);
      table << row;
      if (known) table << "    known " << (hfx_bug ? "hfx bug: " + known_hfx_bugs.at(key) : "difference: " + known_differences.at(key)) << "\n";
      EXPECT_TRUE(!known || differs) << "listed as a known difference but agrees with pyhf now: remove the entry";
      continue;
    }
    limits_run lr = run_limits(eng, m.lo[m.poi], m.hi[m.poi]);
    EXPECT_TRUE(lr.converged);
    std::string why;
    const hfx::json* ref_ul = &r;
    if (r.contains("ul_obs")) {
      if (limits_agree(lr.ul, r["ul_obs"], r["ul_exp"], &why)) ++ul_ok;
      else if (known) ++listed, differs = true;
      else ADD_FAILURE() << why;
    } else {
      ASSERT_TRUE(r.contains("wide")) << r.value("ul_error", "");
      const hfx::json& w = r["wide"];
      ref_ul = &w;
      ++beyond_bound;
      // hfx on the published model (beyond the bound) = pyhf on the widened one, provided the
      // free fit is inside the published bounds (then both models define the same CLs(mu)).
      if (w["muhat"].get<double>() < m.hi[m.poi]) {
        EXPECT_TRUE(limits_agree(lr.ul, w["ul_obs"], w["ul_exp"], &why) || known) << "published model: " << why;
      }
      // hfx on the widened model, as pyhf ran it.
      const hfx::compiled_model mw = hfx::compile_model(widened(spec, w["poi_bounds"][1].get<double>()), {}, ws_path);
      hfx::hypotest_engine ew(mw.view(), {});
      const hfx::hypotest_outcome hw = ew.at(1.0);
      bool okw = cls_agree(hw.cls.cls, w["cls_obs"].get<double>());
      for (int i = 0; i < 5; ++i) okw = okw && cls_agree(hw.cls.cls_exp[i], w["cls_exp"][i].get<double>());
      differs = differs || (known && !okw);
      EXPECT_TRUE(okw || known) << "widened model: CLs obs " << hw.cls.cls << " vs " << w["cls_obs"].get<double>();
      EXPECT_LE(hw.fits[hfx::fit_free].twice_nll, w["twice_nll_hat"].get<double>() + nll_above_tol);
      const limits_run lw = run_limits(ew, w["ul_bracket"][0].get<double>(), w["ul_bracket"][1].get<double>());
      EXPECT_TRUE(lw.converged);
      if (limits_agree(lw.ul, w["ul_obs"], w["ul_exp"], &why)) ++ul_ok;
      else if (known) ++listed, differs = true;
      else ADD_FAILURE() << "widened model: " << why;
      lr = lw;
    }

    // ATLAS S95 (pseudo-experiments for these low-count SRs; asymptotics differ, see below).
    char row[512];
    std::snprintf(row, sizeof row, "  %-22s CLs_obs %.6g  UL obs %8.3f exp %8.3f  (pyhf %8.3f / %8.3f)", model.c_str(),
                  h.cls.cls, lr.ul.obs, lr.ul.exp[2], (*ref_ul)["ul_obs"].get<double>(),
                  (*ref_ul)["ul_exp"][2].get<double>());
    table << row;
    const auto it = s95.find(s95_name(an, model));
    if (it != s95.end()) {
      const auto [so, se] = it->second;
      std::snprintf(row, sizeof row, "  ATLAS S95 %7.2f / %7.2f  ratio %.2f / %.2f", so, se, lr.ul.obs / so, lr.ul.exp[2] / se);
      table << row;
      // Loose sanity band, not a precision check: ATLAS computed S95 with pseudo-experiments
      // (low-count SRs) and rounded to 2-3 digits; the asymptotic formulae underestimate
      // limits at very low counts (n_obs = 0: 2.18 vs 2.99 for DVmuon SRMET). A unit-signal
      // model that gave a limit off by more than a factor 2 would mean the wrong SR, signal
      // normalisation or POI.
      EXPECT_GT(lr.ul.obs / so, 0.5);
      EXPECT_LT(lr.ul.obs / so, 2.0);
      EXPECT_GT(lr.ul.exp[2] / se, 0.5);
      EXPECT_LT(lr.ul.exp[2] / se, 2.0);
    }
    if (known) table << "\n    known " << (hfx_bug ? "hfx bug: " + known_hfx_bugs.at(key) : "difference: " + known_differences.at(key));
    EXPECT_TRUE(!known || differs) << "listed in known_differences but agrees with pyhf now: remove the entry";
    table << "\n";
  }
  std::printf("[ %s ] %zu models: CLs agree %d, limits agree %d (%d without pyhf limits), %d documented differences "
              "(counted per CLs/limit), %d limits beyond the published POI bound (compared with pyhf on widened "
              "bounds); hfx fits at most %.2g below pyhf's\n%s",
              an.c_str(), refs.size(), cls_ok, ul_ok, no_limits, listed, beyond_bound, max_lower, table.str().c_str());
}

INSTANTIATE_TEST_SUITE_P(Published, ValidationDiscovery,
                         ::testing::Values("SS3L", "0Ljets", "DVmuon", "2Ljets", "displaced"));

}  // namespace
