// Tests of host/limits.cpp against scipy's toms748, numpy's interp and pyhf 0.7.6's
// toms748_scan / linear_grid_scan / upper_limit (fixture made by
// tests/pyhf/gen_limits_fixtures.py; pyhf's hypotest was replaced there by the synthetic
// CLs curves that `synthetic_curves` below evaluates with the same libm calls).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/limits.hpp"
#include "test_paths.hpp"

namespace {

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

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

const hfx::json& fixture() {
  static const hfx::json doc = hfx::load_json_file(hfx::test::data("pyhf/asymptotics/limits.json.gz"));
  return doc;
}

// The analytic functions of gen_limits_fixtures.py FUNCS (same libm calls as Python's math).
double analytic(const std::string& name, double x) {
  if (name == "cubic") return x * x * x - 1.0;
  if (name == "exp") return std::exp(x) - 2.0;
  if (name == "sin") return std::sin(x) - 0.5;
  if (name == "atan_steep") return std::atan(1000.0 * (x - 0.3));
  if (name == "quintic_flat") return std::pow(x - 0.7, 5.0);
  if (name == "log") return std::log(x);
  if (name == "tanh") return std::tanh(50.0 * (x - 0.123));
  if (name == "cls_like") return 0.5 * std::erfc((x - 2.0) / std::sqrt(2.0)) - 0.05;
  if (name == "x9") return std::pow(x, 9.0) - 1e-3;
  if (name == "lin_tiny") return 1e-200 * (x - 0.25);
  if (name == "decreasing") return std::exp(-x) - 0.05;
  ADD_FAILURE() << "unknown function " << name;
  return 0;
}

// gen_limits_fixtures.py curve(): six synthetic CLs curves per family.
struct synthetic_curves {
  std::string family;
  std::vector<double> p, q;
  int evaluations = 0;
  double curve(int i, double mu) const {
    if (family == "exp") return std::exp(-mu / p[i]);
    if (family == "erfc") return 0.5 * std::erfc((mu - p[i]) / q[i]);
    if (family == "rational") return 1.0 / (1.0 + std::pow(mu / p[i], q[i]));
    if (family == "bump") return std::exp(-mu / p[i]) + q[i] * std::exp(-std::pow((mu - 3.0) / 0.5, 2.0));
    ADD_FAILURE() << "unknown family " << family;
    return 0;
  }
  hfx::hypotest_values at(double mu) const {
    hfx::hypotest_values v{};
    v.obs = curve(0, mu);
    for (int i = 0; i < hfx::n_expected; ++i) v.exp[i] = curve(1 + i, mu);
    return v;
  }
  hfx::hypotest_batch_fn fn() {
    return [this](const std::vector<double>& mus) {
      std::vector<hfx::hypotest_values> out;
      for (double m : mus) out.push_back(at(m));
      evaluations += static_cast<int>(mus.size());
      return out;
    };
  }
};

synthetic_curves curves_of(const hfx::json& c) {
  synthetic_curves s;
  s.family = c.at("family").get<std::string>();
  s.p = c.at("p").get<std::vector<double>>();
  if (!c.at("q").is_null()) s.q = c.at("q").get<std::vector<double>>();
  return s;
}

}  // namespace

TEST(Toms748, MatchesScipyBitForBit) {
  const auto& cases = fixture().at("toms748");
  ASSERT_GT(cases.size(), 100u);
  int n_converged = 0;
  for (const auto& c : cases) {
    const std::string name = c.at("func");
    hfx::toms748_options o;
    o.k = c.value("k", 1);
    if (c.contains("xtol")) o.xtol = c.at("xtol");
    if (c.contains("rtol")) o.rtol = c.at("rtol");
    if (c.contains("maxiter")) o.maxiter = c.at("maxiter");
    const auto r = hfx::toms748([&](double x) { return analytic(name, x); }, c.at("a"), c.at("b"), o);
    const std::string where = c.dump();
    if (c.contains("error") && !c.at("error").is_null()) {
      const std::string err = c.at("error"), msg = c.value("message", "");
      if (err == "RuntimeError") EXPECT_EQ(r.status, hfx::root_status::max_iterations) << where;
      else if (msg.find("not an interval") != std::string::npos) EXPECT_EQ(r.status, hfx::root_status::bad_input) << where;
      else EXPECT_EQ(r.status, hfx::root_status::not_bracketed) << where;
      EXPECT_TRUE(std::isnan(r.root)) << where;
      continue;
    }
    ASSERT_EQ(r.status, hfx::root_status::converged) << where;
    // Same algorithm, same arithmetic, same libm: the same iterates, so exact equality
    // (holds at -O0 and -O2 on x86-64; a build that contracts a*b+c into FMA may differ
    // in the last bit of an iterate and then take a different but equally valid path).
    EXPECT_EQ(r.root, num(c.at("root"))) << where;
    EXPECT_EQ(r.function_calls, c.at("function_calls").get<int>()) << where;
    EXPECT_EQ(r.iterations, c.at("iterations").get<int>()) << where;
    ++n_converged;
  }
  EXPECT_GT(n_converged, 100);
}

TEST(Toms748, NonFiniteFunctionValueIsAStatus) {
  const auto r = hfx::toms748([](double x) { return x < 0.5 ? 1.0 : std::nan(""); }, 0.0, 1.0);
  EXPECT_EQ(r.status, hfx::root_status::non_finite);
  EXPECT_TRUE(std::isnan(r.root));
  EXPECT_STREQ(hfx::to_string(r.status), "non_finite");
}

TEST(NpInterp, MatchesNumpy) {
  const auto& cases = fixture().at("interp");
  ASSERT_GT(cases.size(), 100u);
  for (const auto& c : cases) {
    std::vector<double> xp, fp;
    for (const auto& v : c.at("xp")) xp.push_back(num(v));
    for (const auto& v : c.at("fp")) fp.push_back(num(v));
    const double got = hfx::np_interp(num(c.at("x")), xp, fp);
    EXPECT_TRUE(same(got, num(c.at("result")))) << c.dump() << " got " << got;
  }
}

TEST(NpInterp, RejectsEmptyAndMismatched) {
  std::vector<double> none, one{1.0}, two{1.0, 2.0};
  EXPECT_THROW(hfx::np_interp(0.5, none, none), hfx::usage_error);
  EXPECT_THROW(hfx::np_interp(0.5, one, two), hfx::usage_error);
}

TEST(Toms748Scan, MatchesPyhfIncludingCacheOrder) {
  const auto& cases = fixture().at("toms748_scan");
  ASSERT_GE(cases.size(), 10u);
  int n_compared = 0;
  for (const auto& c : cases) {
    synthetic_curves s = curves_of(c);
    hfx::toms748_scan_options o;
    o.level = c.at("level");
    o.rtol = c.at("rtol");
    o.atol = c.at("atol");
    const auto r = hfx::toms748_scan(s.fn(), c.at("bounds_low"), c.at("bounds_up"), o);
    const std::string where = c.dump();
    if (c.contains("error")) {
      // pyhf raised (toms748: "a and b are not an interval" on a non-monotone curve's
      // best_bracket); hfx reports that curve instead.
      bool any_not_bracketed = r.obs_status == hfx::limit_status::not_bracketed;
      for (auto st : r.exp_status) any_not_bracketed |= st == hfx::limit_status::not_bracketed;
      EXPECT_TRUE(any_not_bracketed) << where;
      continue;
    }
    ASSERT_TRUE(r.all_ok()) << where;
    EXPECT_EQ(r.obs, num(c.at("obs"))) << where;
    for (int i = 0; i < hfx::n_expected; ++i) EXPECT_EQ(r.exp[i], num(c.at("exp")[i])) << where << " i=" << i;
    const auto cache = c.at("cache_mu").get<std::vector<double>>();
    EXPECT_EQ(r.mu, cache) << where;
    EXPECT_EQ(s.evaluations, c.at("n_calls").get<int>()) << "each POI evaluated once, like pyhf's cache";
    // Only the first batch carries two points (bounds_low and bounds_up).
    EXPECT_EQ(r.batches, s.evaluations - 1) << where;
    ++n_compared;
  }
  EXPECT_GE(n_compared, 10);
}

TEST(Toms748Scan, LockstepAgreesWithinToleranceInFewerBatches) {
  for (const auto& c : fixture().at("toms748_scan")) {
    // A non-monotone ("bump") curve crosses the level several times; which crossing a
    // root finder lands on depends on the bracket, i.e. on the evaluation history.
    if (c.contains("error") || c.at("family") == "bump") continue;
    synthetic_curves s = curves_of(c);
    hfx::toms748_scan_options o;
    o.level = c.at("level");
    o.rtol = c.at("rtol");
    o.atol = c.at("atol");
    const auto seq = hfx::toms748_scan(s.fn(), c.at("bounds_low"), c.at("bounds_up"), o);
    o.lockstep = true;
    const auto r = hfx::toms748_scan(s.fn(), c.at("bounds_low"), c.at("bounds_up"), o);
    ASSERT_TRUE(r.all_ok()) << c.dump();
    // Both results lie in final brackets of width <= atol + rtol*|b| around the same root.
    auto tol = [&](double x) { return 2 * (o.atol + o.rtol * std::fabs(x)); };
    EXPECT_NEAR(r.obs, num(c.at("obs")), tol(r.obs));
    for (int i = 0; i < hfx::n_expected; ++i) EXPECT_NEAR(r.exp[i], num(c.at("exp")[i]), tol(r.exp[i]));
    // The bracket search is sequential in both modes; the six root finds share batches.
    EXPECT_LT(r.batches, seq.batches - 10) << c.dump();
    std::printf("lockstep %s: %d batches (%zu points) vs sequential %d batches\n",
                c.at("family").get<std::string>().c_str(), r.batches, r.mu.size(), seq.batches);
  }
}

TEST(Toms748Scan, PyhfUpperLimitIgnoresItsLevel) {
  const auto& u = fixture().at("upper_limit");
  synthetic_curves s = curves_of(u);
  // pyhf upper_limit(level=0.1) with POI bounds (0, 10) = toms748_scan at level 0.05.
  const auto r = hfx::toms748_scan(s.fn(), 0.0, 10.0);
  EXPECT_EQ(r.obs, num(u.at("obs")));
  for (int i = 0; i < hfx::n_expected; ++i) EXPECT_EQ(r.exp[i], num(u.at("exp")[i]));
}

TEST(Toms748Scan, NoCrossingBelowMaxIsAStatus) {
  synthetic_curves s{"exp", {1e4, 0.5, 0.7, 1.0, 1.4, 2.0}, {}};
  hfx::toms748_scan_options o;
  o.max_poi = 100.0;
  const auto r = hfx::toms748_scan(s.fn(), 0.0, 10.0, o);
  EXPECT_EQ(r.obs_status, hfx::limit_status::no_crossing_below_max);
  EXPECT_TRUE(std::isnan(r.obs));
  double largest = 0;
  for (double m : r.mu) largest = std::max(largest, m);
  EXPECT_EQ(largest, 80.0);  // 10 -> 20 -> 40 -> 80; 160 > max_poi
  // The expected curves do cross and get pyhf's limits (root of exp(-mu/p) = 0.05).
  for (int i = 0; i < hfx::n_expected; ++i) {
    EXPECT_EQ(r.exp_status[i], hfx::limit_status::ok);
    EXPECT_NEAR(r.exp[i], s.p[1 + i] * std::log(20.0), 2 * 1e-4 * r.exp[i]);
  }
}

TEST(Toms748Scan, NoCrossingAboveMinStopsWhereBoundsLowIsZero) {
  // A curve already below level at mu = 0: pyhf halves 0 forever; hfx stops at once.
  synthetic_curves s{"exp", {1.0, 0.5, 0.7, 1.0, 1.4, 2.0}, {}};
  hfx::hypotest_batch_fn base = s.fn();
  hfx::hypotest_batch_fn low_obs = [&](const std::vector<double>& mus) {
    auto v = base(mus);
    for (auto& x : v) x.obs *= 0.01;  // observed CLs < 0.05 everywhere
    return v;
  };
  const auto r = hfx::toms748_scan(low_obs, 0.0, 10.0);
  EXPECT_EQ(r.obs_status, hfx::limit_status::no_crossing_above_min);
  for (auto st : r.exp_status) EXPECT_EQ(st, hfx::limit_status::ok);
  // From bounds_low = 1 it halves max_halvings times, then gives up.
  hfx::toms748_scan_options o;
  o.max_halvings = 5;
  const auto r1 = hfx::toms748_scan(low_obs, 1.0, 10.0, o);
  EXPECT_EQ(r1.obs_status, hfx::limit_status::no_crossing_above_min);
  EXPECT_EQ(r1.mu[5], 1.0 / 32);
}

TEST(Toms748Scan, NonFiniteCLsIsAStatus) {
  synthetic_curves s{"exp", {1.0, 0.5, 0.7, 1.0, 1.4, 2.0}, {}};
  hfx::hypotest_batch_fn base = s.fn();
  hfx::hypotest_batch_fn with_nan = [&](const std::vector<double>& mus) {
    auto v = base(mus);
    for (std::size_t i = 0; i < mus.size(); ++i)
      if (mus[i] > 2.0 && mus[i] < 4.0) v[i].obs = std::nan("");
    return v;
  };
  const auto r = hfx::toms748_scan(with_nan, 0.0, 10.0);
  EXPECT_EQ(r.obs_status, hfx::limit_status::non_finite);
  EXPECT_STREQ(hfx::to_string(r.obs_status), "non_finite");
}

TEST(Toms748Scan, AskTellEqualsCallbackAndChecksCounts) {
  synthetic_curves s{"erfc", {2.0, 1.0, 1.5, 2.0, 2.7, 3.5}, {0.8, 0.5, 0.6, 0.8, 1.0, 1.3}};
  const auto ref = hfx::toms748_scan(s.fn(), 0.0, 5.0);
  hfx::upper_limit_search search(0.0, 5.0);
  ASSERT_EQ(search.pending().size(), 2u);  // bounds_low and bounds_up in one batch
  while (!search.done()) {
    std::vector<hfx::hypotest_values> v;
    for (double m : search.pending()) v.push_back(s.at(m));
    search.provide(v);
  }
  EXPECT_EQ(search.result().obs, ref.obs);
  EXPECT_EQ(search.result().mu, ref.mu);
  hfx::upper_limit_search bad(0.0, 5.0);
  EXPECT_THROW(bad.provide({}), hfx::error);
}

TEST(LinearGridScan, MatchesPyhfNpInterpIncludingClamping) {
  const auto& cases = fixture().at("linear_grid_scan");
  ASSERT_GE(cases.size(), 50u);
  int n_clamped = 0;
  for (const auto& c : cases) {
    synthetic_curves s = curves_of(c);
    const auto scan = c.at("scan").get<std::vector<double>>();
    const auto r = hfx::linear_grid_scan(s.fn(), scan, c.at("level").get<double>());
    EXPECT_TRUE(same(r.obs, num(c.at("obs")))) << c.dump() << " got " << r.obs;
    for (int i = 0; i < hfx::n_expected; ++i)
      EXPECT_TRUE(same(r.exp[i], num(c.at("exp")[i]))) << c.dump() << " i=" << i << " got " << r.exp[i];
    EXPECT_EQ(r.batches, 1);
    for (int k = 0; k < hfx::n_limit_curves; ++k) {
      const auto st = r.status(k);
      if (st == hfx::limit_status::no_crossing_below_max) {
        EXPECT_EQ(r.limit(k), scan.back());  // numpy clamps to the last grid point
        ++n_clamped;
      } else if (st == hfx::limit_status::no_crossing_above_min) {
        EXPECT_EQ(r.limit(k), scan.front());
        ++n_clamped;
      }
    }
  }
  EXPECT_GT(n_clamped, 0);
  synthetic_curves s{"exp", {1.0, 0.5, 0.7, 1.0, 1.4, 2.0}, {}};
  EXPECT_THROW(hfx::linear_grid_scan(s.fn(), {}), hfx::usage_error);
}

TEST(Toms748Scan, GaussianModelThroughAsymptoticClsGivesTheTextbookLimits) {
  // A Gaussian measurement muhat ~ N(mu, sigma^2) (Cowan et al., arXiv:1007.1727 sec. 3):
  // q(mu) = (mu - muhat)^2 / sigma^2 for muhat <= mu (else 0), q_A(mu) = mu^2 / sigma^2.
  // The median expected CLs limit is sigma * Phi^-1(1 - 0.05/2) = 1.959963984540054 sigma.
  const double sigma = 0.8, muhat = 0.3;
  auto fn = [&](const std::vector<double>& mus) {
    std::vector<hfx::hypotest_values> out;
    for (double mu : mus) {
      const double q = muhat > mu ? 0.0 : (mu - muhat) * (mu - muhat) / (sigma * sigma);
      const double qA = mu * mu / (sigma * sigma);
      out.push_back(hfx::hypotest_result(hfx::test_stat::qtilde, hfx::asymptotic_cls(hfx::test_stat::qtilde, q, qA)));
    }
    return out;
  };
  hfx::toms748_scan_options o;
  o.rtol = 1e-12;  // tight, so the comparison below tests the formulas, not the tolerance
  const auto r = hfx::toms748_scan(fn, 0.0, 1.0, o);
  ASSERT_TRUE(r.all_ok());
  EXPECT_NEAR(r.exp[2], 1.959963984540054 * sigma, 1e-10);
  // Band ordering: -2 sigma edge lowest, +2 sigma highest.
  for (int i = 0; i + 1 < hfx::n_expected; ++i) EXPECT_LT(r.exp[i], r.exp[i + 1]);
  // Observed: CLs(UL_obs) = 0.05 with CLs = Phi((muhat - mu)/sigma) / Phi(muhat/sigma).
  const double cls_at_ul = hfx::normal_cdf((muhat - r.obs) / sigma) / hfx::normal_cdf(muhat / sigma);
  EXPECT_NEAR(cls_at_ul, 0.05, 1e-10);
  EXPECT_GT(r.obs, r.exp[2]);  // an upward fluctuation (muhat > 0) weakens the limit
}
