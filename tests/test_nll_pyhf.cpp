// twice_nll and expected_data against pyhf 0.7.6 on real workspaces:
//  * tests/data/pyhf/nll/cases.json.gz (tests/pyhf/gen_nll_fixtures.py): every bundled
//    published workspace, pyhf's validation workspaces (also with code1/code0 and
//    code1/code2), 18 patched sbottom/staus workspaces; suggested_init + 5 random points.
//  * tests/data/pyhf-validation/nll_goldens (NextStat's pyhf model-zoo goldens, pyhf 0.7.6,
//    code4/code4p): 7 embedded workspaces x 10 points.
// Each workspace is compiled with compile_model (host/compile_model.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

using hfx::json;

// pyhf sums the same terms in another order (numpy pairwise sums, its own product order
// of the modifiers): a few ulp of the largest term. Terms like n log nu and lgamma(n+1)
// of large counts cancel to a small total, so a relative bound alone is too strict for
// totals near 0; hence the absolute alternative.
constexpr double k_rtol = 1e-12;
constexpr double k_atol = 1e-9;

bool agrees(double got, double want) {
  return std::fabs(got - want) <= std::max(k_rtol * std::fabs(want), k_atol);
}

hfx::interp_code code_of(const json& settings, const char* kind) {
  return hfx::parse_interp_code(settings.at(kind).at("interpcode").get<std::string>());
}

struct checked {
  int cases = 0, points = 0, infeasible = 0;
  double worst_rel = 0;  // largest |hfx - pyhf| / |pyhf| of twice_nll seen
};

void check_points(const hfx::compiled_model& m, const std::vector<double>& data, const json& points,
                  const char* pars_key, const char* nll_key, const char* expected_key, checked& n) {
  const hfx::model_view v = m.view();
  std::vector<double> work(hfx::nll_work_size(v.s)), grad(m.n_pars), ed(m.n_bins + m.n_aux());
  for (const auto& pt : points) {
    SCOPED_TRACE(pt.at("label").get<std::string>());
    const auto pars = pt.at(pars_key).get<std::vector<double>>();
    ASSERT_EQ(int(pars.size()), m.n_pars);
    const double got = hfx::twice_nll(v, pars.data(), data.data(), work.data());
    const double got2 = hfx::twice_nll_grad_hess(v, pars.data(), data.data(), grad.data(), nullptr, work.data());
    EXPECT_EQ(got, got2) << "value and derivative paths differ";
    if (pt.at(nll_key).is_null()) {  // pyhf: NaN or -inf log-likelihood (a negative rate)
      EXPECT_EQ(got, INFINITY);
      ++n.infeasible;
    } else {
      const double want = pt.at(nll_key).get<double>();
      EXPECT_PRED2(agrees, got, want) << "twice_nll: hfx " << got << " pyhf " << want;
      if (want != 0) n.worst_rel = std::max(n.worst_rel, std::fabs(got - want) / std::fabs(want));
    }
    hfx::expected_data(v, pars.data(), ed.data(), work.data());
    const auto want_ed = pt.at(expected_key).get<std::vector<double>>();
    ASSERT_EQ(want_ed.size(), ed.size());
    for (std::size_t i = 0; i < ed.size(); ++i) EXPECT_PRED2(agrees, ed[i], want_ed[i]) << "expected_data[" << i << "]";
    ++n.points;
  }
}

TEST(NllPyhf, FixtureCases) {
  const json fx = hfx::load_json_file(hfx::test::data("pyhf/nll/cases.json.gz"));
  checked n;
  for (const auto& c : fx.at("cases")) {
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    const json& src = c.at("source");
    const std::string file = src.contains("published") ? hfx::test::published(src.at("published"))
                                                       : hfx::test::data(src.at("data"));
    hfx::model_options opt;
    opt.measurement = c.at("measurement");
    opt.normsys_code = code_of(c.at("modifier_settings"), "normsys");
    opt.histosys_code = code_of(c.at("modifier_settings"), "histosys");
    const hfx::compiled_model m = hfx::compile_model(hfx::load_json_file(file), opt, file);

    EXPECT_EQ(m.poi_name, c.at("poi").is_null() ? std::string() : c.at("poi").get<std::string>());
    const auto names = c.at("comp_names").get<std::vector<std::string>>();
    ASSERT_EQ(int(names.size()), m.n_pars);
    for (int i = 0; i < m.n_pars; ++i) ASSERT_EQ(m.comp_name(i), names[i]) << "component " << i;
    ASSERT_EQ(m.n_bins, c.at("n_bins").get<int>());
    const auto data = c.at("data").get<std::vector<double>>();
    const auto mine = m.data();
    ASSERT_EQ(mine.size(), data.size());
    for (std::size_t i = 0; i < data.size(); ++i) EXPECT_PRED2(agrees, mine[i], data[i]) << "ws.data[" << i << "]";

    check_points(m, data, c.at("points"), "pars", "twice_nll", "expected_data", n);
    ++n.cases;
  }
  EXPECT_EQ(n.cases, int(fx.at("cases").size()));
  EXPECT_GE(n.cases, 100);
  EXPECT_GE(n.points, 600);
  EXPECT_GT(n.infeasible, 0);  // the fixtures include points where pyhf's rates go negative
  std::printf("%d cases, %d points (%d infeasible), worst relative twice_nll difference %.3g\n", n.cases,
              n.points, n.infeasible, n.worst_rel);
}

// Exact gradient and Hessian on the real models (ATLAS names shared by a histosys and a
// normsys, dozens of normsys on one sample, staterror shared by samples) at the fixture's
// first random point, against 5-point central differences of twice_nll and of the
// gradient along each component, step h = 1e-3. Why that step: these models have bins
// with 1e4..1e5 events, whose terms n log nu ~ 1e6 cancel, so twice_nll carries an
// absolute rounding of ~1e-10 and the gradient ~1e-12 (sums of large w2*J terms); a
// difference over h amplifies that by 1/h. With h = 1e-3 the rounding stays ~1e-7 and the
// truncation h^4/30 |f^(5)| is negligible. A component whose alpha lies within 3h of +-1
// (where code4/code4p switch formulas and the third derivative jumps) is skipped, as is a
// stencil that touches an infeasible point.
constexpr double k_fd_h = 1e-3;
constexpr double k_fd_rtol = 1e-6;

TEST(NllPyhf, DerivativesOnRealModelsMatchFiniteDifferences) {
  const json fx = hfx::load_json_file(hfx::test::data("pyhf/nll/cases.json.gz"));
  int checked_models = 0, checked_comps = 0;
  for (const auto& c : fx.at("cases")) {
    const std::string name = c.at("name");
    const json& st = c.at("modifier_settings");
    if (code_of(st, "histosys") != hfx::interp_code::code4p || code_of(st, "normsys") != hfx::interp_code::code4)
      continue;  // code0/code1 kink at 0 and code2 jumps at +-1: checked on small models (test_nll)
    const json& pt = c.at("points").at(1);
    if (pt.at("twice_nll").is_null()) continue;
    SCOPED_TRACE(name);
    const json& src = c.at("source");
    const std::string file = src.contains("published") ? hfx::test::published(src.at("published"))
                                                       : hfx::test::data(src.at("data"));
    hfx::model_options opt;
    opt.measurement = c.at("measurement");
    const hfx::compiled_model m = hfx::compile_model(hfx::load_json_file(file), opt, file);
    const hfx::model_view v = m.view();
    const auto data = c.at("data").get<std::vector<double>>();
    const auto p = pt.at("pars").get<std::vector<double>>();
    const int n = m.n_pars;
    std::vector<double> work(hfx::nll_work_size(v.s)), g(n), H(std::size_t(n) * n), gs(n);
    ASSERT_TRUE(std::isfinite(hfx::twice_nll_grad_hess(v, p.data(), data.data(), g.data(), H.data(), work.data())));
    const double w[4] = {1.0 / 12, -8.0 / 12, 8.0 / 12, -1.0 / 12};  // f(-2h), f(-h), f(h), f(2h)
    const double off[4] = {-2, -1, 1, 2};
    for (int i = 0; i < n; ++i) {
      const auto kind = hfx::modifier_kind(m.comp_kind[i]);
      const bool alpha = kind == hfx::modifier_kind::histosys || kind == hfx::modifier_kind::normsys;
      if (alpha && std::fabs(std::fabs(p[i]) - 1.0) < 3 * k_fd_h) continue;
      double fd = 0;
      std::vector<double> fdh(n, 0.0);
      bool ok = true;
      for (int s = 0; s < 4 && ok; ++s) {
        std::vector<double> q = p;
        q[i] += off[s] * k_fd_h;
        const double t = hfx::twice_nll_grad_hess(v, q.data(), data.data(), gs.data(), nullptr, work.data());
        ok = std::isfinite(t);
        fd += w[s] * t / k_fd_h;
        for (int j = 0; j < n; ++j) fdh[j] += w[s] * gs[j] / k_fd_h;
      }
      if (!ok) continue;
      EXPECT_NEAR(g[i], fd, k_fd_rtol * (std::fabs(fd) + 1)) << m.comp_name(i);
      for (int j = 0; j < n; ++j)
        EXPECT_NEAR(H[std::size_t(i) * n + j], fdh[j], k_fd_rtol * (std::fabs(fdh[j]) + 1))
            << m.comp_name(i) << ", " << m.comp_name(j);
      ++checked_comps;
    }
    ++checked_models;
  }
  EXPECT_GE(checked_models, 80);
  std::printf("derivatives checked on %d models, %d components\n", checked_models, checked_comps);
}

TEST(NllPyhf, NextStatModelZooGoldens) {
  const json g = hfx::load_json_file(hfx::test::data("pyhf-validation/nll_goldens/nextstat_pyhf_model_zoo_goldens.json.gz"));
  ASSERT_EQ(g.at("meta").at("pyhf_version"), "0.7.6");
  checked n;
  for (const auto& c : g.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    hfx::model_options opt;  // normsys code4 / histosys code4p, as the goldens
    opt.measurement = c.at("measurement");
    const hfx::compiled_model m = hfx::compile_model(c.at("workspace"), opt, "nextstat_goldens");
    const auto names = c.at("par_names").get<std::vector<std::string>>();
    ASSERT_EQ(int(names.size()), m.n_pars);
    for (int i = 0; i < m.n_pars; ++i) ASSERT_EQ(m.comp_name(i), names[i]) << "component " << i;
    check_points(m, m.data(), c.at("points"), "params", "twice_nll", "expected_full", n);
    ++n.cases;
  }
  EXPECT_EQ(n.cases, 7);
  EXPECT_EQ(n.points, 70);
  std::printf("%d cases, %d points, worst relative twice_nll difference %.3g\n", n.cases, n.points, n.worst_rel);
}

}  // namespace
