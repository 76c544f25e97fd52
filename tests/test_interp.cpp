// Interpolation codes (include/hfx/math/interp.hpp) against
//  * slow scalar references transliterated here from pyhf 0.7.6 (pyhf/interpolators/),
//  * pyhf's own tensorised interpolators on a grid (tests/data/pyhf/nll/interp_grid.json.gz,
//    made by tests/pyhf/gen_nll_fixtures.py),
//  * central finite differences for the first and second derivatives,
//  * continuity at +-1 where pyhf's formulas guarantee it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/math/interp.hpp"
#include "test_paths.hpp"

namespace {

using hfx::interp_code;

// Agreement with a transliteration of the same formula: the two evaluate the same
// expression with a different association of the terms, so they differ by a few ulps of
// the largest term summed (`scale` below), not necessarily of the result.
constexpr double k_ref_rtol = 1e-14;
// Central differences with step h = 1e-5: truncation h^2/6 |f'''| (|f''''| for d2; the
// code4/code4p polynomials have coefficients up to ~90x the template differences) ~ 1e-8,
// rounding eps |f| / h ~ 2e-11, relative to the size of the function, its derivatives and
// its templates (`scale`).
constexpr double k_fd_step = 1e-5;
constexpr double k_fd_rtol = 1e-7;
// Continuity of the code4 polynomial with the exponentials at +-1: its coefficients come
// from a 6x6 solve with cancellation, good to ~1e-15 of the log-terms.
constexpr double k_cont_rtol = 1e-12;

// ---- slow references, transliterated from pyhf 0.7.6 ---------------------------------
double slow_code0(double lo, double nom, double hi, double alpha) {  // _slow_code0.summand
  const double delta_up = hi - nom, delta_down = nom - lo;
  return alpha > 0 ? delta_up * alpha : delta_down * alpha;
}
double slow_code1(double lo, double hi, double alpha) {  // _slow_code1.product, nom = 1
  return alpha > 0 ? std::pow(hi / 1.0, alpha) : std::pow(lo / 1.0, -alpha);
}
// pyhf's Model uses the tensorised code2 (class code2.__call__), whose alpha < -1 branch is
// (alpha + mask_off) * (b - 2a) = alpha * (b - 2a); _slow_code2 has (alpha + 1) there.
// hfx reproduces the Model; this reference transliterates code2.__call__.
double model_code2(double lo, double nom, double hi, double alpha) {
  const double a = 0.5 * (hi + lo) - nom, b = 0.5 * (hi - lo);
  if (alpha > 1) return (alpha - 1.0) * (b + 2 * a);
  if (alpha >= -1) return alpha * alpha * a + alpha * b;
  return (alpha + 0.0) * (b - 2 * a);
}
double slow_code2(double lo, double nom, double hi, double alpha) {  // _slow_code2.summand
  const double a = 0.5 * (hi + lo) - nom, b = 0.5 * (hi - lo);
  if (alpha > 1) return (b + 2 * a) * (alpha - 1);
  if (-1 <= alpha && alpha <= 1) return a * alpha * alpha + b * alpha;
  return (b - 2 * a) * (alpha + 1);
}
double slow_code4(double lo, double hi, double alpha) {  // _slow_code4.product, alpha0 = 1
  const double alpha0 = 1.0, delta_up = hi, delta_down = lo;
  if (alpha >= alpha0) return std::pow(delta_up, alpha);
  if (-alpha0 < alpha && alpha < alpha0) {
    const double up0 = std::pow(delta_up, alpha0), dn0 = std::pow(delta_down, alpha0);
    const double b[6] = {up0 - 1, dn0 - 1, std::log(delta_up) * up0, -std::log(delta_down) * dn0,
                         std::pow(std::log(delta_up), 2) * up0, std::pow(std::log(delta_down), 2) * dn0};
    const double A[6][6] = {
        {15.0 / (16 * alpha0), -15.0 / (16 * alpha0), -7.0 / 16.0, -7.0 / 16.0, 1.0 / 16 * alpha0, -1.0 / 16.0 * alpha0},
        {3.0 / (2 * std::pow(alpha0, 2)), 3.0 / (2 * std::pow(alpha0, 2)), -9.0 / (16 * alpha0), 9.0 / (16 * alpha0), 1.0 / 16, 1.0 / 16},
        {-5.0 / (8 * std::pow(alpha0, 3)), 5.0 / (8 * std::pow(alpha0, 3)), 5.0 / (8 * std::pow(alpha0, 2)), 5.0 / (8 * std::pow(alpha0, 2)), -1.0 / (8 * alpha0), 1.0 / (8 * alpha0)},
        {3.0 / (-2 * std::pow(alpha0, 4)), 3.0 / (-2 * std::pow(alpha0, 4)), -7.0 / (-8 * std::pow(alpha0, 3)), 7.0 / (-8 * std::pow(alpha0, 3)), -1.0 / (8 * std::pow(alpha0, 2)), -1.0 / (8 * std::pow(alpha0, 2))},
        {3.0 / (16 * std::pow(alpha0, 5)), -3.0 / (16 * std::pow(alpha0, 5)), -3.0 / (16 * std::pow(alpha0, 4)), -3.0 / (16 * std::pow(alpha0, 4)), 1.0 / (16 * std::pow(alpha0, 3)), -1.0 / (16 * std::pow(alpha0, 3))},
        {1.0 / (2 * std::pow(alpha0, 6)), 1.0 / (2 * std::pow(alpha0, 6)), -5.0 / (16 * std::pow(alpha0, 5)), 5.0 / (16 * std::pow(alpha0, 5)), 1.0 / (16 * std::pow(alpha0, 4)), 1.0 / (16 * std::pow(alpha0, 4))},
    };
    double delta = 1;
    for (int i = 1; i <= 6; ++i) {
      double coef = 0;
      for (int j = 0; j < 6; ++j) coef += A[i - 1][j] * b[j];
      delta += coef * std::pow(alpha, i);
    }
    return delta;
  }
  return std::pow(delta_down, -alpha);
}
double slow_code4p(double lo, double nom, double hi, double alpha) {  // _slow_code4p.summand
  const double delta_up = hi - nom, delta_down = nom - lo;
  const double S = 0.5 * (delta_up + delta_down), A = 0.0625 * (delta_up - delta_down);
  if (alpha > 1) return delta_up * alpha;
  if (alpha < -1) return delta_down * alpha;
  return alpha * (S + alpha * A * (15 + alpha * alpha * (-10 + alpha * alpha * 3)));
}

// ---- test data --------------------------------------------------------------------------
struct norm_case { double lo, hi; };
struct histo_case { double lo, nom, hi; };
const std::vector<norm_case> k_norm = {{0.8, 1.2}, {0.9, 1.3}, {1.1, 1.25}, {0.5, 0.7}, {0.97, 1.01}, {0.2, 3.0}};
const std::vector<histo_case> k_histo = {{8, 10, 13}, {12, 10, 11}, {0, 1.5, 2.5}, {3, 4, 4.5}, {5, 5, 7}, {-1, 2, 9}};

std::vector<double> alpha_grid() {
  std::vector<double> g;
  for (int i = -500; i <= 500; ++i) g.push_back(i / 100.0);  // includes +-1, +-5, 0 exactly
  for (double e : {1e-15, 1e-12, 1e-9, 1e-6}) {
    for (double s : {-1.0, 1.0}) {
      g.push_back(s * (1.0 - e));
      g.push_back(s * (1.0 + e));
      g.push_back(s * e);
    }
  }
  g.push_back(std::nextafter(1.0, 0.0));
  g.push_back(std::nextafter(1.0, 2.0));
  g.push_back(std::nextafter(-1.0, 0.0));
  g.push_back(std::nextafter(-1.0, -2.0));
  return g;
}

bool near(double got, double want, double scale, double rtol) {
  return std::fabs(got - want) <= rtol * std::max(std::fabs(want), scale);
}

hfx::interp_d norm_at(interp_code c, double a, const norm_case& n) { return hfx::normsys_interp(c, a, n.lo, n.hi); }
hfx::interp_d histo_at(interp_code c, double a, const histo_case& h) {
  return hfx::histosys_interp(c, a, h.lo, h.nom, h.hi);
}

TEST(Interp, NormsysMatchesSlowReference) {
  for (const auto& n : k_norm)
    for (double a : alpha_grid()) {
      EXPECT_PRED4(near, norm_at(interp_code::code1, a, n).v, slow_code1(n.lo, n.hi, a), 0.0, k_ref_rtol)
          << "code1 alpha=" << a << " lo=" << n.lo << " hi=" << n.hi;
      EXPECT_PRED4(near, norm_at(interp_code::code4, a, n).v, slow_code4(n.lo, n.hi, a), 0.0, k_ref_rtol)
          << "code4 alpha=" << a << " lo=" << n.lo << " hi=" << n.hi;
    }
}

TEST(Interp, HistosysMatchesSlowReference) {
  for (const auto& h : k_histo) {
    // scale: size of the terms summed, |alpha| * (|D+| + |D-|) plus the quadratic part
    const double dscale = std::fabs(h.hi - h.nom) + std::fabs(h.nom - h.lo);
    for (double a : alpha_grid()) {
      const double scale = (std::fabs(a) + a * a * a * a * a * a) * dscale * 16;
      EXPECT_PRED4(near, histo_at(interp_code::code0, a, h).v, slow_code0(h.lo, h.nom, h.hi, a), scale, k_ref_rtol)
          << "code0 alpha=" << a;
      EXPECT_PRED4(near, histo_at(interp_code::code2, a, h).v, model_code2(h.lo, h.nom, h.hi, a), scale, k_ref_rtol)
          << "code2 alpha=" << a;
      EXPECT_PRED4(near, histo_at(interp_code::code4p, a, h).v, slow_code4p(h.lo, h.nom, h.hi, a), scale, k_ref_rtol)
          << "code4p alpha=" << a;
      // pyhf's _slow_code2 agrees with its Model's code2 except below -1.
      if (a >= -1) {
        EXPECT_PRED4(near, slow_code2(h.lo, h.nom, h.hi, a), model_code2(h.lo, h.nom, h.hi, a), scale, k_ref_rtol);
      }
    }
  }
}

TEST(Interp, MatchesPyhfTensorisedInterpolators) {
  const hfx::json g = hfx::load_json_file(hfx::test::data("pyhf/nll/interp_grid.json.gz"));
  const std::vector<double> alphas = g.at("alpha").get<std::vector<double>>();
  std::size_t checked = 0;
  for (const auto& c : g.at("normsys")) {
    const interp_code code = c.at("code") == "code1" ? interp_code::code1 : interp_code::code4;
    const auto want = c.at("value").get<std::vector<double>>();
    for (std::size_t i = 0; i < alphas.size(); ++i, ++checked)
      EXPECT_PRED4(near, hfx::normsys_interp(code, alphas[i], c.at("lo"), c.at("hi")).v, want[i], 0.0, k_ref_rtol)
          << c.at("code") << " alpha=" << alphas[i];
  }
  for (const auto& c : g.at("histosys")) {
    const std::string name = c.at("code");
    const interp_code code = name == "code0" ? interp_code::code0 : name == "code2" ? interp_code::code2 : interp_code::code4p;
    const double lo = c.at("lo"), nom = c.at("nom"), hi = c.at("hi");
    const auto want = c.at("value").get<std::vector<double>>();
    for (std::size_t i = 0; i < alphas.size(); ++i, ++checked) {
      const double scale = (std::fabs(alphas[i]) + std::pow(alphas[i], 6)) * (std::fabs(hi - nom) + std::fabs(nom - lo)) * 16;
      EXPECT_PRED4(near, hfx::histosys_interp(code, alphas[i], lo, nom, hi).v, want[i], scale, k_ref_rtol)
          << name << " alpha=" << alphas[i] << " lo=" << lo << " nom=" << nom << " hi=" << hi;
    }
  }
  EXPECT_EQ(checked, alphas.size() * (g.at("normsys").size() + g.at("histosys").size()));
  EXPECT_GT(checked, 400u);
}

// Central differences of value -> d1 and of d1 -> d2, away from the kinks.
// `templ` is the size of the templates (1 for a normsys, |D+| + |D-| for a histosys). d2 is
// not checked within 2h of +-1 for code4/code4p: there f''' jumps, so the difference of d1
// across the edge is only O(h) accurate; ContinuousAtPlusMinusOne covers d2 at the edge.
template <class F>
void check_derivatives(F f, double a, double templ, bool check_d2, const char* what) {
  const double h = k_fd_step;
  const hfx::interp_d x = f(a), p = f(a + h), m = f(a - h);
  const double scale = std::fabs(x.v) + std::fabs(x.d1) + std::fabs(x.d2) + templ;
  EXPECT_NEAR(x.d1, (p.v - m.v) / (2 * h), k_fd_rtol * scale) << what << " d1 alpha=" << a;
  if (check_d2) EXPECT_NEAR(x.d2, (p.d1 - m.d1) / (2 * h), k_fd_rtol * scale) << what << " d2 alpha=" << a;
}

bool near_kink(double a, interp_code c) {
  const double h = 2 * k_fd_step;
  if (c == interp_code::code0 || c == interp_code::code1) return std::fabs(a) < h;
  if (c == interp_code::code2) return std::fabs(std::fabs(a) - 1.0) < h;
  return false;  // code4, code4p: C2 at +-1; the central difference is exact to O(h^2)
}

TEST(Interp, DerivativesMatchFiniteDifferences) {
  for (double a : alpha_grid()) {
    const bool d2 = std::fabs(std::fabs(a) - 1.0) >= 2 * k_fd_step;
    for (interp_code c : {interp_code::code1, interp_code::code4}) {
      if (near_kink(a, c)) continue;
      for (const auto& n : k_norm)
        check_derivatives([&](double x) { return norm_at(c, x, n); }, a, 1.0, d2 || c != interp_code::code4, "normsys");
    }
    for (interp_code c : {interp_code::code0, interp_code::code2, interp_code::code4p}) {
      if (near_kink(a, c)) continue;
      for (const auto& h : k_histo)
        check_derivatives([&](double x) { return histo_at(c, x, h); }, a,
                          std::fabs(h.hi - h.nom) + std::fabs(h.nom - h.lo), d2 || c != interp_code::code4p, "histosys");
    }
  }
}

// At alpha = 0 code0 and code1 have one-sided derivatives; pyhf's branch test is
// `alpha > 0`, so alpha = 0 takes the alpha <= 0 branch and hfx returns its (left) slope.
TEST(Interp, KinkAtZeroReturnsLeftDerivative) {
  const double h = k_fd_step;
  for (const auto& n : k_norm) {
    const auto x = norm_at(interp_code::code1, 0.0, n);
    EXPECT_EQ(x.v, 1.0);
    EXPECT_NEAR(x.d1, -std::log(n.lo), 1e-15);
    EXPECT_NEAR(x.d1, (x.v - norm_at(interp_code::code1, -h, n).v) / h, 1e-4);  // backward difference, O(h)
    EXPECT_NEAR(norm_at(interp_code::code1, 1e-300, n).d1, std::log(n.hi), 1e-15);
  }
  for (const auto& hc : k_histo) {
    const auto x = histo_at(interp_code::code0, 0.0, hc);
    EXPECT_EQ(x.v, 0.0);
    EXPECT_EQ(x.d1, hc.nom - hc.lo);
    EXPECT_EQ(histo_at(interp_code::code0, 1e-300, hc).d1, hc.hi - hc.nom);
  }
}

TEST(Interp, ValuesAtZeroAndAtPlusMinusOne) {
  for (const auto& n : k_norm)
    for (interp_code c : {interp_code::code1, interp_code::code4}) {
      EXPECT_NEAR(norm_at(c, 0.0, n).v, 1.0, 1e-15);
      EXPECT_NEAR(norm_at(c, 1.0, n).v, n.hi, 1e-15);
      EXPECT_NEAR(norm_at(c, -1.0, n).v, n.lo, 1e-15);
    }
  for (const auto& h : k_histo)
    for (interp_code c : {interp_code::code0, interp_code::code2, interp_code::code4p}) {
      EXPECT_NEAR(histo_at(c, 0.0, h).v, 0.0, 1e-15);
      EXPECT_NEAR(histo_at(c, 1.0, h).v, h.hi - h.nom, 1e-14);
      EXPECT_NEAR(histo_at(c, -1.0, h).v, h.lo - h.nom, 1e-14);
    }
}

// code4 (value, d1, d2) and code4p (value, d1, d2) are continuous at +-1; code0/code1 are
// smooth there. Evaluate one ulp inside and exactly at the switch point.
TEST(Interp, ContinuousAtPlusMinusOne) {
  for (double edge : {1.0, -1.0}) {
    const double inside = std::nextafter(edge, 0.0);
    for (const auto& n : k_norm) {
      const auto o = norm_at(interp_code::code4, edge, n), i = norm_at(interp_code::code4, inside, n);
      const double scale = std::fabs(o.v) + std::fabs(o.d1) + std::fabs(o.d2);
      EXPECT_NEAR(i.v, o.v, k_cont_rtol * scale) << "code4 value at " << edge;
      EXPECT_NEAR(i.d1, o.d1, k_cont_rtol * scale) << "code4 d1 at " << edge;
      EXPECT_NEAR(i.d2, o.d2, k_cont_rtol * scale) << "code4 d2 at " << edge;
    }
    for (const auto& h : k_histo) {
      const double outside = std::nextafter(edge, 2 * edge);
      const auto o = histo_at(interp_code::code4p, outside, h), i = histo_at(interp_code::code4p, edge, h);
      const double scale = std::fabs(h.hi - h.nom) + std::fabs(h.nom - h.lo);
      EXPECT_NEAR(i.v, o.v, k_cont_rtol * scale) << "code4p value at " << edge;
      EXPECT_NEAR(i.d1, o.d1, k_cont_rtol * scale) << "code4p d1 at " << edge;
      EXPECT_NEAR(i.d2, o.d2, k_cont_rtol * scale) << "code4p d2 at " << edge;
    }
  }
}

// pyhf's Model code2 is not continuous at +-1 (its outer lines are not anchored at the
// inner parabola's end points); its slope is. hfx reproduces both facts.
TEST(Interp, Code2JumpsAtPlusMinusOneLikePyhf) {
  for (const auto& h : k_histo) {
    const double a = 0.5 * (h.hi + h.lo) - h.nom, b = 0.5 * (h.hi - h.lo);
    const auto at_p1 = histo_at(interp_code::code2, 1.0, h), out_p1 = histo_at(interp_code::code2, std::nextafter(1.0, 2.0), h);
    const auto at_m1 = histo_at(interp_code::code2, -1.0, h), out_m1 = histo_at(interp_code::code2, std::nextafter(-1.0, -2.0), h);
    EXPECT_NEAR(out_p1.v - at_p1.v, -(a + b), 1e-12);
    EXPECT_NEAR(out_m1.v - at_m1.v, a, 1e-12);
    EXPECT_NEAR(out_p1.d1, at_p1.d1, 1e-12);
    EXPECT_NEAR(out_m1.d1, at_m1.d1, 1e-12);
  }
}

TEST(Interp, UnknownCodeGivesNaN) {
  EXPECT_TRUE(std::isnan(hfx::normsys_interp(interp_code::code0, 0.5, 0.9, 1.1).v));
  EXPECT_TRUE(std::isnan(hfx::histosys_interp(interp_code::code4, 0.5, 1, 2, 3).v));
}

}  // namespace
