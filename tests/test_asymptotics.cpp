// Tests of include/hfx/math/asymptotics.hpp against pyhf 0.7.6 (fixture made by
// tests/pyhf/gen_asymptotics_fixtures.py, which calls pyhf's own test-statistic,
// calculator and hypotest code with injected fit results).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cmath>
#include <string>

#include "hfx/json_io.hpp"
#include "hfx/math/asymptotics.hpp"
#include "test_paths.hpp"

namespace {

// Relative agreement with pyhf. Both sides evaluate Phi with erf/erfc in the same branch
// structure (cephes ndtr); glibc's and cephes' erfc differ by a few ulp, and a CLs ratio
// or the qtilde transformation adds a few more: ~1e-15 observed, 1e-12 leaves margin while
// still catching any formula or branch difference (those show up at >= 1e-6).
constexpr double rel_tol = 1e-12;
// Results below DBL_MIN are subnormal: they carry fewer than 53 significant bits (down to
// one bit near 5e-324), so relative agreement is meaningless there; such values (p-values
// of ~38 sigma) must agree in absolute terms to well within that range.
constexpr double tiny_abs_tol = 1e-310;

double num(const hfx::json& j) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    ADD_FAILURE() << "bad number string " << s;
  }
  return j.get<double>();
}

hfx::test_stat parse_stat(const std::string& s) {
  if (s == "q") return hfx::test_stat::q;
  if (s == "qtilde") return hfx::test_stat::qtilde;
  if (s == "q0") return hfx::test_stat::q0;
  if (s == "tmu") return hfx::test_stat::tmu;
  if (s == "ttilde") return hfx::test_stat::ttilde;
  ADD_FAILURE() << "unknown test stat " << s;
  return hfx::test_stat::qtilde;
}

double g_max_rel = 0.0;  // largest relative difference seen among normal (>= DBL_MIN) values

// Agreement of got with pyhf's want: same non-finite class, else within the tolerances.
::testing::AssertionResult agrees(double got, double want) {
  if (std::isnan(want) || std::isnan(got)) {
    if (std::isnan(want) && std::isnan(got)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << got << ", pyhf " << want;
  }
  if (std::isinf(want) || std::isinf(got)) {
    if (got == want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << got << ", pyhf " << want;
  }
  const double diff = std::fabs(got - want);
  if (std::fabs(want) >= DBL_MIN) g_max_rel = std::max(g_max_rel, diff / std::fabs(want));
  if (diff <= rel_tol * std::fabs(want) || (std::fabs(want) < DBL_MIN && diff <= tiny_abs_tol))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << std::scientific << "got " << got << ", pyhf " << want
                                       << " (rel diff " << diff / std::fabs(want) << ")";
}

const hfx::json& fixture() {
  static const hfx::json doc = hfx::load_json_file(hfx::test::data("pyhf/asymptotics/asymptotics.json.gz"));
  return doc;
}

}  // namespace

TEST(Asymptotics, NormalCdfTailsAndSymmetry) {
  EXPECT_EQ(hfx::normal_cdf(0.0), 0.5);
  EXPECT_EQ(hfx::normal_cdf(INFINITY), 1.0);
  EXPECT_EQ(hfx::normal_cdf(-INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(hfx::normal_cdf(std::nan(""))));
  // Far tail: 1 - Phi(x) would be 0 here; Phi(-x) = erfc(x/sqrt2)/2 keeps relative accuracy.
  // References from mpmath.ncdf at 30 digits. scipy's cephes erfc is itself off by 3e-14
  // at -20, so 1e-12 is the bound both implementations satisfy.
  EXPECT_NEAR(hfx::normal_cdf(-37.5) / 4.60535300958195484e-308, 1.0, 1e-12);
  EXPECT_GT(hfx::normal_sf(20.0), 0.0);
  EXPECT_NEAR(hfx::normal_sf(20.0) / 2.75362411860623370e-89, 1.0, 1e-12);
  // The erf/erfc branch switch at |x| = 1 must be continuous.
  EXPECT_NEAR(hfx::normal_cdf(1.0 - 1e-15), hfx::normal_cdf(1.0 + 1e-15), 1e-15);
  EXPECT_NEAR(hfx::normal_cdf(-1.0 - 1e-15), hfx::normal_cdf(-1.0 + 1e-15), 1e-15);
}

TEST(Asymptotics, TestStatValueMatchesPyhf) {
  const auto& cases = fixture().at("test_stat_value");
  ASSERT_GT(cases.size(), 1000u);
  int n_clipped = 0;
  for (const auto& c : cases) {
    const double got = hfx::test_stat_value(parse_stat(c.at("test_stat")), num(c.at("mu")), num(c.at("muhat")),
                                            num(c.at("twice_nll_fixed")), num(c.at("twice_nll_free")));
    const double want = num(c.at("value"));
    // Exact: pyhf does one subtraction, a clip and a select; so does hfx.
    EXPECT_EQ(got, want) << c.dump();
    if (want == 0.0 && num(c.at("twice_nll_fixed")) > num(c.at("twice_nll_free"))) ++n_clipped;
  }
  EXPECT_GT(n_clipped, 0) << "fixture exercises the muhat clipping";
}

TEST(Asymptotics, TestStatValueClipsRoundOffAndKeepsNaN) {
  EXPECT_EQ(hfx::test_stat_value(hfx::test_stat::qtilde, 1.0, 0.2, 10.0, 10.0 + 1e-9), 0.0);
  EXPECT_EQ(hfx::test_stat_value(hfx::test_stat::q0, 0.0, -0.1, 12.0, 10.0), 0.0);
  EXPECT_EQ(hfx::test_stat_value(hfx::test_stat::q0, 0.0, 0.1, 12.0, 10.0), 2.0);
  EXPECT_EQ(hfx::test_stat_value(hfx::test_stat::tmu, 1.0, 3.0, 12.0, 10.0), 2.0);
  EXPECT_EQ(hfx::test_stat_value(hfx::test_stat::q, 1.0, 3.0, 12.0, 10.0), 0.0);
  EXPECT_TRUE(std::isnan(hfx::test_stat_value(hfx::test_stat::qtilde, 1.0, 0.2, std::nan(""), 10.0)));
}

TEST(Asymptotics, ClsMatchesPyhfCalculatorAndHypotest) {
  const auto& cases = fixture().at("cls");
  ASSERT_GT(cases.size(), 1000u);
  int n_tiny = 0, n_nan = 0;
  for (const auto& c : cases) {
    const auto t = parse_stat(c.at("test_stat"));
    const auto dist = c.at("base_dist") == "normal" ? hfx::base_dist::normal : hfx::base_dist::clipped_normal;
    const double q = num(c.at("q")), qA = num(c.at("q_A"));
    const hfx::cls_values v = hfx::asymptotic_cls(t, q, qA, dist);
    const std::string where = c.dump();
    EXPECT_TRUE(agrees(v.teststat, num(c.at("teststat")))) << where;
    EXPECT_TRUE(agrees(v.sqrt_qA, num(c.at("sqrt_qA")))) << where;
    EXPECT_TRUE(agrees(v.clsb, num(c.at("clsb")))) << where;
    EXPECT_TRUE(agrees(v.clb, num(c.at("clb")))) << where;
    EXPECT_TRUE(agrees(v.cls, num(c.at("cls")))) << where;
    const hfx::hypotest_values h = hfx::hypotest_result(t, v);
    EXPECT_TRUE(agrees(h.obs, num(c.at("hypotest_obs")))) << where;
    for (int i = 0; i < hfx::n_expected; ++i) {
      EXPECT_TRUE(agrees(v.clsb_exp[i], num(c.at("clsb_exp")[i]))) << where << " i=" << i;
      EXPECT_TRUE(agrees(v.clb_exp[i], num(c.at("clb_exp")[i]))) << where << " i=" << i;
      EXPECT_TRUE(agrees(v.cls_exp[i], num(c.at("cls_exp")[i]))) << where << " i=" << i;
      EXPECT_TRUE(agrees(h.exp[i], num(c.at("hypotest_exp")[i]))) << where << " i=" << i;
    }
    const double clsb = num(c.at("clsb"));
    if (clsb > 0 && clsb < 1e-100) ++n_tiny;
    if (std::isnan(num(c.at("cls")))) ++n_nan;
  }
  // The grid must reach the far tails and pyhf's 0/0 and inf cases, or the test is weak.
  std::printf("max relative difference to pyhf: %.3g\n", g_max_rel);
  EXPECT_GT(n_tiny, 10);
  EXPECT_GT(n_nan, 0);
}

TEST(Asymptotics, BandIsAscendingAndQ0ReturnsP0) {
  const auto v = hfx::asymptotic_cls(hfx::test_stat::qtilde, 2.0, 5.0);
  for (int i = 0; i + 1 < hfx::n_expected; ++i) EXPECT_LT(v.cls_exp[i], v.cls_exp[i + 1]);
  EXPECT_EQ(hfx::expected_n_sigma(0), 2.0);
  EXPECT_EQ(hfx::expected_n_sigma(4), -2.0);
  const auto v0 = hfx::asymptotic_cls(hfx::test_stat::q0, 9.0, 4.0);
  const auto h0 = hfx::hypotest_result(hfx::test_stat::q0, v0);
  EXPECT_EQ(h0.obs, v0.clsb);
  EXPECT_NEAR(h0.obs, hfx::normal_sf(3.0), 1e-15);  // p0 = 1 - Phi(sqrt(q0))
  EXPECT_EQ(h0.exp[2], v0.clsb_exp[2]);
}

TEST(Asymptotics, TmuHasNoAsymptoticCls) {
  // pyhf's AsymptoticCalculator only accepts q, qtilde and q0.
  const auto v = hfx::asymptotic_cls(hfx::test_stat::tmu, 1.0, 2.0);
  EXPECT_TRUE(std::isnan(v.cls));
  EXPECT_TRUE(std::isnan(v.cls_exp[2]));
}
