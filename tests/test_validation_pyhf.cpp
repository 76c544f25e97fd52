// End-to-end validation against pyhf 0.7.6: every patch of the sbottom regions A, B, C and
// the staus regions, scanned with hfx (qtilde, mu = 1), compared with the reference outputs
// in tests/data/reference/ (pyhf 0.7.6, SLSQP tolerance 1e-10; see tests/data/reference/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <map>
#include <string>

#include "hfx/fit.hpp"
#include "hfx/json_io.hpp"
#include "hfx/patchset.hpp"
#include "hfx/scan.hpp"
#include "test_paths.hpp"

namespace {

// Issue 4's agreement criterion: 1e-4 relative where the value is >= 1e-4, 1e-8 absolute below.
constexpr double cls_rel_tol = 1e-4;
constexpr double cls_small = 1e-4;
constexpr double cls_abs_tol = 1e-8;
// The free fit's minimum may never be above pyhf's by more than this (issue 3).
constexpr double nll_above_tol = 1e-6;
// Best-fit POI agreement (issue 3: 1e-4 where pyhf's minimum is within 1e-6 of hfx's). A
// minimum that is higher by d in twice_nll can sit sigma_mu * sqrt(d) away in mu (quadratic
// approximation, twice_nll = (mu - muhat)^2 / sigma_mu^2). For weak signals sigma_mu is several
// units and pyhf's SLSQP stops 1e-11..1e-8 above hfx's minimum, so its muhat may be 1e-4..1e-3
// off. Where the 1e-4 check fails the test computes sigma_mu (inverse Hessian) and allows
// 2 * sigma_mu * sqrt(max(d, 1e-10)): pyhf's point must lie where its twice_nll says it lies.
constexpr double muhat_tol = 1e-4;
constexpr double same_minimum_window = 1e-6;
constexpr double nll_resolution = 1e-10;

// Uncertainty of the POI at the free fit to data (inverse Hessian).
double sigma_mu(const hfx::json& ws, const hfx::patchset& ps, const std::string& ws_file, const std::string& patch) {
  hfx::compiled_model m = hfx::compile_model(hfx::apply_patch(ws, ps, ps.at(patch)), {}, ws_file);
  hfx::fit_options o;
  o.uncertainties = true;
  return hfx::fit_model(m, m.data(), o).err[m.poi];
}

bool cls_agree(double a, double b) {
  if (std::fabs(b) >= cls_small) return std::fabs(a - b) <= cls_rel_tol * std::fabs(b);
  return std::fabs(a - b) <= cls_abs_tol;
}

struct region_case {
  std::string name, workspace, patchset, reference;
};

void PrintTo(const region_case& c, std::ostream* os) { *os << c.name; }

class ValidationPyhf : public ::testing::TestWithParam<region_case> {};

TEST_P(ValidationPyhf, ClsAndFitsAgreeWithPyhf) {
  const region_case& rc = GetParam();
  const hfx::json known = hfx::load_json_file(hfx::test::data("reference/known_differences.json"));

  std::map<std::string, hfx::json> ref;
  {
    std::string text = hfx::read_file_maybe_gz(hfx::test::data(rc.reference));
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      if (nl > pos) {
        hfx::json j = hfx::json::parse(text.substr(pos, nl - pos));
        ref[j["patch"].get<std::string>()] = j;
      }
      pos = nl + 1;
    }
  }
  ASSERT_FALSE(ref.empty());

  hfx::scan_options opt;
  opt.workspace = hfx::test::published(rc.workspace);
  opt.patchset = hfx::test::published(rc.patchset);
  std::vector<hfx::scan_record> recs;
  hfx::run_scan(opt, [&](const hfx::scan_record& r) { recs.push_back(r); });
  ASSERT_EQ(recs.size(), ref.size());

  const hfx::json ws = hfx::load_json_file(opt.workspace);
  const hfx::patchset ps = hfx::load_patchset(opt.patchset);
  int agree = 0, compared = 0, listed = 0, muhat_explained = 0;
  for (const auto& r : recs) {
    SCOPED_TRACE(rc.name + " " + r.patch);
    ASSERT_TRUE(ref.count(r.patch));
    const hfx::json& p = ref[r.patch];
    if (p.contains("error")) {
      // pyhf could not build this hypothesis (no POI left): hfx records an error too.
      EXPECT_TRUE(r.failed());
      continue;
    }
    ASSERT_FALSE(r.failed()) << *r.error;
    ++compared;
    const double nll_hfx = r.twice_nll.at("free"), nll_pyhf = p["twice_nll_hat"].get<double>();
    EXPECT_LE(nll_hfx, nll_pyhf + nll_above_tol);
    const double d = std::fabs(nll_hfx - nll_pyhf);
    const double dmu = std::fabs(*r.muhat - p["muhat"].get<double>());
    if (d <= same_minimum_window && dmu > muhat_tol) {
      const double sigma = sigma_mu(ws, ps, opt.workspace, r.patch);
      EXPECT_LE(dmu, 2.0 * sigma * std::sqrt(std::max(d, nll_resolution)))
          << "muhat " << *r.muhat << " vs pyhf " << p["muhat"].get<double>() << ", sigma_mu " << sigma;
      ++muhat_explained;
    }
    for (const auto& [fit, st] : r.status) EXPECT_EQ(st, "converged") << fit;

    bool ok = cls_agree(*r.CLs_obs, p["cls_obs"].get<double>());
    for (int i = 0; i < 5; ++i) ok = ok && cls_agree((*r.CLs_exp)[i], p["cls_exp"][i].get<double>());
    const std::string key = rc.name + "/" + r.patch;
    if (ok) {
      ++agree;
    } else {
      // Every disagreement must be a documented one (with its reason and both minima).
      EXPECT_TRUE(known.contains(key)) << "CLs differs from pyhf: obs " << *r.CLs_obs << " vs "
                                       << p["cls_obs"].get<double>();
      ++listed;
    }
  }
  std::printf("[ %s ] %d of %d patches agree with pyhf; %d documented differences; %d muhat differences "
              "above 1e-4 within 2 sigma_mu sqrt(d)\n", rc.name.c_str(), agree, compared, listed, muhat_explained);
}

INSTANTIATE_TEST_SUITE_P(
    Published, ValidationPyhf,
    ::testing::Values(
        region_case{"sbottom_RegionA", "ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz", "reference/sbottom_RegionA.jsonl.gz"},
        region_case{"sbottom_RegionB", "ATLAS-SUSY-2018-31_sbottom/RegionB/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-31_sbottom/RegionB/patchset.DERIVED.json.gz", "reference/sbottom_RegionB.jsonl.gz"},
        region_case{"sbottom_RegionC", "ATLAS-SUSY-2018-31_sbottom/RegionC/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-31_sbottom/RegionC/patchset.DERIVED.json.gz", "reference/sbottom_RegionC.jsonl.gz"},
        region_case{"staus_combined", "ATLAS-SUSY-2018-04_staus/Region-combined/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-04_staus/Region-combined/patchset.json.gz", "reference/staus_Region-combined.jsonl.gz"},
        region_case{"staus_lowMass", "ATLAS-SUSY-2018-04_staus/Region-lowMass/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-04_staus/Region-lowMass/patchset.json.gz", "reference/staus_Region-lowMass.jsonl.gz"},
        region_case{"staus_highMass", "ATLAS-SUSY-2018-04_staus/Region-highMass/BkgOnly.json.gz",
                    "ATLAS-SUSY-2018-04_staus/Region-highMass/patchset.json.gz", "reference/staus_Region-highMass.jsonl.gz"}),
    [](const ::testing::TestParamInfo<region_case>& i) { return i.param.name; });

}  // namespace
