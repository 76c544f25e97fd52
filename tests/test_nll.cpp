// twice_nll, its gradient and Hessian (include/hfx/math/nll.hpp) on small hand-built
// models: finite differences at random points, at alphas exactly at and across +-1, at a
// zero normfactor; infeasible points; a 1-bin model by hand; Asimov consistency.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hfx/math/nll.hpp"
#include "hfx/model.hpp"

namespace {

using hfx::constraint_kind;
using hfx::interp_code;
using hfx::modifier_kind;

// Gradient vs central difference of twice_nll, step h = 1e-6: truncation h^2/6 |T'''|
// ~ 1e-13, rounding eps |T| / h ~ 1e-10 |T| (|T| < 1e3 here), relative to |g| + 1.
// Hessian vs central difference of the analytic gradient, step 1e-7: rounding
// eps |g| / h ~ 1e-9 |g|; at +-1 the gradient of code4/code4p is C1 with a jump in its
// second derivative, which costs O(h) = 1e-7 there.
// Hessian vs second differences of twice_nll itself (independent of the gradient), step
// 1e-2 with one Richardson extrapolation: truncation O(h^4) ~ 1e-8, rounding
// eps |T| / (h/2)^2 ~ 1e-9. Only at points where twice_nll is smooth within 2h.
constexpr double k_grad_step = 1e-6;
constexpr double k_hess_step = 1e-7;
constexpr double k_hess_direct_step = 1e-2;
constexpr double k_rtol = 1e-6;

// ---- a tiny model builder (fills compiled_model directly) ------------------------------
struct histo_entry { int comp; std::vector<double> lo, hi; };
struct norm_entry { int comp; double lo, hi; };
struct block_spec {
  int bin0;
  std::vector<double> nom;
  std::vector<histo_entry> histo;
  std::vector<norm_entry> normsys;
  std::vector<int> scalar;
  std::vector<int> binwise0;
};

struct builder {
  hfx::compiled_model m;
  std::vector<bool> is_alpha;

  int par(modifier_kind k, int n, double init, double lo, double hi, bool fixed = false) {
    const int c0 = m.n_pars;
    for (int i = 0; i < n; ++i) {
      m.init.push_back(init);
      m.lo.push_back(lo);
      m.hi.push_back(hi);
      m.fixed.push_back(fixed ? 1 : 0);
      m.comp_kind.push_back(std::uint8_t(k));
      is_alpha.push_back(k == modifier_kind::histosys || k == modifier_kind::normsys);
    }
    m.n_pars += n;
    return c0;
  }
  int alpha() {
    const int c = par(modifier_kind::normsys, 1, 0.0, -5, 5);
    aux(c, constraint_kind::normal, 1.0, 0.0);
    return c;
  }
  void aux(int comp, constraint_kind k, double scale, double obs) {
    m.aux_comp.push_back(comp);
    m.aux_kind.push_back(std::uint8_t(k));
    m.aux_scale.push_back(scale);
    m.aux_obs.push_back(obs);
  }
  void block(const block_spec& s) {
    hfx::sample_block b{};
    b.bin0 = s.bin0;
    b.nbins = int(s.nom.size());
    m.block_value_offset.push_back(std::int64_t(m.values.size()));
    m.values.insert(m.values.end(), s.nom.begin(), s.nom.end());
    b.histo_begin = int(m.histo_comp.size());
    for (const auto& h : s.histo) {
      m.histo_comp.push_back(h.comp);
      m.values.insert(m.values.end(), h.lo.begin(), h.lo.end());
      m.values.insert(m.values.end(), h.hi.begin(), h.hi.end());
    }
    b.histo_end = int(m.histo_comp.size());
    b.normsys_begin = int(m.normsys_comp.size());
    for (const auto& n : s.normsys) {
      m.normsys_comp.push_back(n.comp);
      m.values.push_back(n.lo);
      m.values.push_back(n.hi);
    }
    b.normsys_end = int(m.normsys_comp.size());
    b.scalar_begin = int(m.scalar_comp.size());
    for (int c : s.scalar) m.scalar_comp.push_back(c);
    b.scalar_end = int(m.scalar_comp.size());
    b.binwise_begin = int(m.binwise_comp0.size());
    for (int c : s.binwise0) m.binwise_comp0.push_back(c);
    b.binwise_end = int(m.binwise_comp0.size());
    m.blocks.push_back(b);
    if (b.bin0 + b.nbins > m.n_bins) m.n_bins = b.bin0 + b.nbins;
  }
  hfx::compiled_model done(std::vector<double> obs, interp_code ncode, interp_code hcode) {
    m.obs = std::move(obs);
    m.normsys_code = ncode;
    m.histosys_code = hcode;
    return m;
  }
};

const char* code_name(interp_code c) {
  switch (c) {
    case interp_code::code0: return "code0";
    case interp_code::code1: return "code1";
    case interp_code::code2: return "code2";
    case interp_code::code4: return "code4";
    case interp_code::code4p: return "code4p";
  }
  return "?";
}

struct model_case {
  std::string name;
  hfx::compiled_model m;
  std::vector<bool> is_alpha;
  std::vector<double> kinks;  // alpha values where twice_nll is not smooth
};

// Two channels (2 bins, 1 bin), signal and background per channel; `kinds` selects the
// modifiers. Every modifier kind and every code is exercised by some call.
model_case make_model(const std::string& name, interp_code ncode, interp_code hcode, bool histo, bool norm,
                      bool scalars, bool binwise, bool shared_alpha) {
  builder b;
  const int mu = b.par(modifier_kind::normfactor, 1, 1.0, 0, 10);
  const int lumi = b.par(modifier_kind::lumi, 1, 1.0, 0.5, 1.5);
  b.aux(lumi, constraint_kind::normal, 0.05, 1.0);
  const int a1 = b.alpha(), a2 = b.alpha();
  const int stat = b.par(modifier_kind::staterror, 3, 1.0, 1e-10, 10);
  for (int i = 0; i < 3; ++i) b.aux(stat + i, constraint_kind::normal, 0.05 + 0.02 * i, 1.0);
  const int shp = b.par(modifier_kind::shapesys, 2, 1.0, 1e-10, 10);
  b.aux(shp, constraint_kind::poisson, 100.0, 100.0);
  b.aux(shp + 1, constraint_kind::poisson, 25.0, 25.0);
  const int sf = b.par(modifier_kind::shapefactor, 2, 1.0, 0, 10);
  const int bkgnorm = b.par(modifier_kind::normfactor, 1, 1.0, 0, 10);

  // channel A (bins 0,1): signal, background
  block_spec sig{0, {5.0, 8.0}, {}, {}, {}, {}};
  block_spec bkg{0, {50.0, 30.0}, {}, {}, {}, {}};
  // channel B (bin 2): signal, background
  block_spec sig2{2, {2.0}, {}, {}, {}, {}};
  block_spec bkg2{2, {40.0}, {}, {}, {}, {}};
  if (scalars) {
    sig.scalar = {mu, lumi};
    sig2.scalar = {mu, lumi, mu};  // the same normfactor twice in one block
    bkg.scalar = {bkgnorm};
    bkg2.scalar = {bkgnorm, lumi};  // a normfactor shared across channels and samples
  }
  if (histo) {
    bkg.histo.push_back({a1, {45.0, 28.0}, {56.0, 31.0}});
    bkg2.histo.push_back({a2, {37.0}, {42.0}});
    sig.histo.push_back({a2, {4.0, 7.5}, {6.5, 8.2}});
    if (shared_alpha) bkg.histo.push_back({a2, {49.0, 27.0}, {52.0, 34.0}});
  }
  if (norm) {
    bkg.normsys.push_back({a2, 0.9, 1.15});
    sig2.normsys.push_back({a1, 0.8, 1.1});
    bkg2.normsys.push_back({a2, 1.05, 1.2});  // both variations up
    if (shared_alpha) {
      bkg.normsys.push_back({a1, 0.95, 1.07});  // a1 in a histosys and a normsys of one sample
      bkg2.normsys.push_back({a2, 0.97, 1.02});  // a2 twice as normsys in one block... plus a histosys
    }
  }
  if (binwise) {
    bkg.binwise0 = {stat, sf};    // staterror + shapefactor on bins 0,1
    sig.binwise0 = {shp};         // shapesys on bins 0,1
    bkg2.binwise0 = {stat + 2};   // staterror bin 2 (third component)
    if (shared_alpha) sig.binwise0.push_back(stat);  // staterror shared by two samples
  }
  b.block(sig);
  b.block(bkg);
  b.block(sig2);
  b.block(bkg2);
  model_case mc;
  mc.name = name;
  mc.m = b.done({58.0, 41.0, 39.0}, ncode, hcode);
  mc.is_alpha = b.is_alpha;
  if (ncode == interp_code::code1 || hcode == interp_code::code0) mc.kinks = {0.0};
  if (hcode == interp_code::code2) mc.kinks = {-1.0, 1.0};
  return mc;
}

std::vector<model_case> all_models() {
  using ic = interp_code;
  std::vector<model_case> v;
  v.push_back(make_model("scalars_only", ic::code4, ic::code4p, false, false, true, false, false));
  v.push_back(make_model("binwise_only", ic::code4, ic::code4p, false, false, false, true, false));
  for (ic h : {ic::code0, ic::code2, ic::code4p})
    v.push_back(make_model(std::string("histosys_") + code_name(h), ic::code4, h, true, false, false, false, false));
  for (ic n : {ic::code1, ic::code4})
    v.push_back(make_model(std::string("normsys_") + code_name(n), n, ic::code4p, false, true, false, false, false));
  for (ic n : {ic::code1, ic::code4})
    for (ic h : {ic::code0, ic::code2, ic::code4p})
      v.push_back(make_model(std::string("mixed_") + code_name(n) + "_" + code_name(h), n, h, true, true, true, true, true));
  return v;
}


// ---- evaluation helpers --------------------------------------------------------------------
struct evaluator {
  hfx::model_view v;
  std::vector<double> data, work;
  int n;
  explicit evaluator(const hfx::compiled_model& m, std::vector<double> d = {})
      : v(m.view()), data(d.empty() ? m.data() : std::move(d)), work(hfx::nll_work_size(v.s)), n(m.n_pars) {}
  double value(const std::vector<double>& p) { return hfx::twice_nll(v, p.data(), data.data(), work.data()); }
  double grad_hess(const std::vector<double>& p, std::vector<double>& g, std::vector<double>* H) {
    g.assign(n, -99.0);
    if (H) H->assign(std::size_t(n) * n, -99.0);
    return hfx::twice_nll_grad_hess(v, p.data(), data.data(), g.data(), H ? H->data() : nullptr, work.data());
  }
};

double second_diff(evaluator& e, std::vector<double> p, int i, int j, double h) {
  auto at = [&](double di, double dj) {
    std::vector<double> q = p;
    q[i] += di;
    q[j] += dj;
    return e.value(q);
  };
  if (i == j) return (at(h, 0) - 2 * e.value(p) + at(-h, 0)) / (h * h);
  return (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h);
}

void check_derivatives(const model_case& mc, const std::vector<double>& p, bool direct, const std::string& where) {
  SCOPED_TRACE(mc.name + " at " + where);
  evaluator e(mc.m);
  const int n = e.n;
  std::vector<double> g, H, g2;
  const double T = e.grad_hess(p, g, &H);
  ASSERT_TRUE(std::isfinite(T));
  EXPECT_EQ(T, e.value(p)) << "value path and derivative path differ";
  EXPECT_EQ(e.grad_hess(p, g2, nullptr), T);
  for (int i = 0; i < n; ++i) EXPECT_EQ(g2[i], g[i]) << "gradient without Hessian differs, comp " << i;

  std::vector<std::vector<double>> gp(n), gm(n);
  for (int i = 0; i < n; ++i) {
    std::vector<double> pp = p, pm = p;
    pp[i] += k_grad_step;
    pm[i] -= k_grad_step;
    const double fd = (e.value(pp) - e.value(pm)) / (2 * k_grad_step);
    EXPECT_NEAR(g[i], fd, k_rtol * (std::fabs(fd) + 1)) << "gradient comp " << i;
    pp = p;
    pm = p;
    pp[i] += k_hess_step;
    pm[i] -= k_hess_step;
    e.grad_hess(pp, gp[i], nullptr);
    e.grad_hess(pm, gm[i], nullptr);
  }
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      EXPECT_EQ(H[i * n + j], H[j * n + i]) << "Hessian not symmetric at " << i << "," << j;
      const double fd = (gp[i][j] - gm[i][j]) / (2 * k_hess_step);
      EXPECT_NEAR(H[i * n + j], fd, k_rtol * (std::fabs(fd) + 1)) << "Hessian vs FD of gradient " << i << "," << j;
    }
  if (!direct) return;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) {
      const double h = k_hess_direct_step;
      const double d = (4 * second_diff(e, p, i, j, h / 2) - second_diff(e, p, i, j, h)) / 3;
      EXPECT_NEAR(H[i * n + j], d, k_rtol * (std::fabs(d) + 1)) << "Hessian vs FD of twice_nll " << i << "," << j;
    }
}

bool near_kink(const model_case& mc, double a, double margin) {
  for (double k : mc.kinks)
    if (std::fabs(a - k) < margin) return true;
  return false;
}

std::vector<double> random_point(const model_case& mc, std::mt19937& rng) {
  std::uniform_real_distribution<double> ua(-2.0, 2.0), uo(0.6, 1.4);
  std::vector<double> p(mc.m.n_pars);
  for (int i = 0; i < mc.m.n_pars; ++i) {
    if (!mc.is_alpha[i]) {
      p[i] = uo(rng);
      continue;
    }
    // away from the kinks and from +-1, where code4/code4p's third derivative jumps and the
    // extrapolated second differences of twice_nll would straddle it
    do p[i] = ua(rng);
    while (near_kink(mc, p[i], 4 * k_hess_direct_step) || std::fabs(std::fabs(p[i]) - 1) < 4 * k_hess_direct_step);
  }
  return p;
}

TEST(Nll, DerivativesAtRandomPoints) {
  std::mt19937 rng(20261204);
  for (const auto& mc : all_models())
    for (int r = 0; r < 5; ++r) check_derivatives(mc, random_point(mc, rng), true, "random " + std::to_string(r));
}

// Alphas exactly at +-1, and just across: code4/code4p switch formulas there (C2), code0
// and code1 are smooth there. code2 jumps at +-1 (pyhf), so its models are skipped.
TEST(Nll, DerivativesAtAndAcrossPlusMinusOne) {
  std::mt19937 rng(7);
  for (const auto& mc : all_models()) {
    if (!mc.kinks.empty() && mc.kinks[0] == -1.0) continue;
    const std::vector<std::pair<double, double>> settings = {
        {1.0, 1.0}, {-1.0, -1.0}, {1.0, -1.0}, {1.0 + 1e-9, -1.0 - 1e-9}, {1.0 - 1e-9, -1.0 + 1e-9},
        {std::nextafter(1.0, 2.0), std::nextafter(-1.0, 0.0)}};
    for (const auto& [x, y] : settings) {
      std::vector<double> p = random_point(mc, rng);
      int k = 0;
      for (int i = 0; i < mc.m.n_pars; ++i)
        if (mc.is_alpha[i]) p[i] = (k++ % 2 == 0) ? x : y;
      check_derivatives(mc, p, false, "alphas " + std::to_string(x) + "," + std::to_string(y));
    }
  }
}

// mu = 0 exactly: the signal factor is zero, so derivatives come from the zero-aware
// products (no division by a zero factor).
TEST(Nll, DerivativesAtZeroNormfactor) {
  std::mt19937 rng(11);
  for (const auto& mc : all_models()) {
    std::vector<double> p = random_point(mc, rng);
    p[0] = 0.0;  // mu
    check_derivatives(mc, p, true, "mu = 0");
    p[p.size() - 1] = 0.0;  // and the background normfactor: two zero factors in blocks
    p[0] = 0.0;
    evaluator e(mc.m);
    std::vector<double> g;
    // with the background at zero every bin with data is infeasible
    const bool has_scalars = mc.name == "scalars_only" || mc.name.rfind("mixed", 0) == 0;
    if (has_scalars) {
      EXPECT_EQ(e.grad_hess(p, g, nullptr), INFINITY) << mc.name;
    }
  }
}

TEST(Nll, ValueByHandOneBin) {
  builder b;
  const int mu = b.par(modifier_kind::normfactor, 1, 1.0, 0, 10);
  const int lumi = b.par(modifier_kind::lumi, 1, 1.0, 0.5, 1.5);
  b.aux(lumi, constraint_kind::normal, 0.02, 1.0);
  const int al = b.alpha();
  const int gam = b.par(modifier_kind::shapesys, 1, 1.0, 1e-10, 10);
  b.aux(gam, constraint_kind::poisson, 16.0, 16.0);
  b.block({0, {5.0}, {}, {}, {mu, lumi}, {}});
  b.block({0, {50.0}, {{al, {46.0}, {55.0}}}, {{al, 0.9, 1.1}}, {lumi}, {gam}});
  const auto m = b.done({60.0}, interp_code::code1, interp_code::code0);
  const std::vector<double> p = {1.5, 1.01, 0.5, 1.1};
  // nu = mu*5*lumi + (50 + 0.5*(55 - 50)) * 1.1^0.5 * lumi * gamma
  const double nu = 1.5 * 5 * 1.01 + (50 + 0.5 * 5) * std::pow(1.1, 0.5) * 1.01 * 1.1;
  const double two_pi = 2 * M_PI;
  const double want = -2 * (60 * std::log(nu) - nu - std::lgamma(61.0))                 // main
                      + std::pow((1.01 - 1.0) / 0.02, 2) + std::log(0.02 * 0.02 * two_pi)  // lumi
                      + 0.5 * 0.5 + std::log(two_pi)                                     // alpha
                      - 2 * (16 * std::log(1.1 * 16) - 1.1 * 16 - std::lgamma(17.0));    // shapesys
  evaluator e(m);
  EXPECT_NEAR(e.value(p), want, 1e-12 * std::fabs(want));
  std::vector<double> nu_out(1), ed(4), work(hfx::nll_work_size(m.view().s));
  hfx::expected_rates(m.view(), p.data(), nu_out.data());
  EXPECT_NEAR(nu_out[0], nu, 1e-13 * nu);
  hfx::expected_data(m.view(), p.data(), ed.data(), work.data());
  EXPECT_EQ(ed[0], nu_out[0]);
  EXPECT_EQ(ed[1], 1.01);          // lumi: Gaussian -> theta
  EXPECT_EQ(ed[2], 0.5);           // alpha
  EXPECT_NEAR(ed[3], 1.1 * 16, 1e-15 * 16);  // shapesys: Poisson -> gamma * tau
}

// Asimov data made by expected_data at p: every term is stationary there, so the
// gradient vanishes and the Hessian is the Fisher information (w2 = 0).
TEST(Nll, AsimovDataMakesGradientVanish) {
  std::mt19937 rng(3);
  for (const auto& mc : all_models()) {
    const std::vector<double> p = random_point(mc, rng);
    evaluator e0(mc.m);
    std::vector<double> asimov(mc.m.n_bins + mc.m.n_aux());
    hfx::expected_data(e0.v, p.data(), asimov.data(), e0.work.data());
    evaluator e(mc.m, asimov);
    std::vector<double> g, H;
    ASSERT_TRUE(std::isfinite(e.grad_hess(p, g, &H))) << mc.name;
    for (int i = 0; i < e.n; ++i) EXPECT_NEAR(g[i], 0.0, 1e-10) << mc.name << " comp " << i;
    for (int i = 0; i < e.n; ++i) EXPECT_GE(H[i * e.n + i], 0.0) << mc.name << " comp " << i;
  }
}

// ---- infeasible points ------------------------------------------------------------------
hfx::compiled_model one_bin(double nom_sig, double nom_bkg, double lo_bkg, double hi_bkg, double data) {
  builder b;
  const int mu = b.par(modifier_kind::normfactor, 1, 1.0, 0, 10);
  const int al = b.alpha();
  b.block({0, {nom_sig}, {}, {}, {mu}, {}});
  b.block({0, {nom_bkg}, {{al, {lo_bkg}, {hi_bkg}}}, {}, {}, {}});
  return b.done({data}, interp_code::code4, interp_code::code4p);
}

void expect_infeasible(const hfx::compiled_model& m, const std::vector<double>& p, const char* what) {
  evaluator e(m);
  std::vector<double> g, H;
  EXPECT_EQ(e.value(p), INFINITY) << what;
  EXPECT_EQ(e.grad_hess(p, g, &H), INFINITY) << what;
  for (double x : g) EXPECT_EQ(x, 0.0) << what;
  for (double x : H) EXPECT_EQ(x, 0.0) << what;
}

TEST(Nll, NegativeRateIsInfiniteNotNaN) {
  // background 1 with lo 0.1: at alpha = -3 the delta is -2.7, nu = 5*mu - 1.7 < 0 at mu = 0.1
  expect_infeasible(one_bin(5, 1, 0.1, 2, 3), {0.1, -3.0}, "negative rate");
  expect_infeasible(one_bin(5, 1, 0.1, 2, 0), {0.1, -3.0}, "negative rate, zero data");
}

TEST(Nll, ZeroRateWithDataIsInfinite) {
  // signal only (background 0 with zero variations), mu = 0 -> nu = 0 with n = 3
  expect_infeasible(one_bin(5, 0, 0, 0, 3), {0.0, 0.3}, "zero rate with data");
}

TEST(Nll, ZeroRateWithoutDataIsFinite) {
  const auto m = one_bin(5, 0, 0, 0, 0);
  evaluator e(m);
  std::vector<double> g, H;
  const double T = e.grad_hess({0.0, 0.3}, g, &H);
  // main term 0 (xlogy(0, 0) = 0); alpha constraint 0.3^2 + log(2 pi)
  EXPECT_NEAR(T, 0.09 + std::log(2 * M_PI), 1e-14);
  EXPECT_NEAR(g[0], 2 * 5, 1e-14);  // d/dmu of 2 nu = 2*5
  EXPECT_NEAR(g[1], 0.6, 1e-14);
  EXPECT_EQ(H[0], 0.0);
}

TEST(Nll, NaNParameterIsInfinite) {
  expect_infeasible(one_bin(5, 10, 8, 11, 3), {NAN, 0.0}, "NaN mu");
  expect_infeasible(one_bin(5, 10, 8, 11, 3), {1.0, NAN}, "NaN alpha");
}

TEST(Nll, PoissonConstraintAtZeroGammaIsInfinite) {
  builder b;
  const int gam = b.par(modifier_kind::shapesys, 1, 1.0, 1e-10, 10);
  b.aux(gam, constraint_kind::poisson, 9.0, 9.0);
  b.block({0, {10.0}, {}, {}, {}, {gam}});
  const auto m = b.done({10.0}, interp_code::code4, interp_code::code4p);
  // gamma = 0 kills the rate too; use a second, unmodified sample to keep the main term finite
  builder b2 = b;
  b2.block({0, {3.0}, {}, {}, {}, {}});
  const auto m2 = b2.done({10.0}, interp_code::code4, interp_code::code4p);
  expect_infeasible(m2, {0.0}, "Poisson constraint at gamma = 0");
  expect_infeasible(m2, {-0.5}, "Poisson constraint at gamma < 0");
  expect_infeasible(m, {0.0}, "rate and constraint at gamma = 0");
}

TEST(Nll, WorkSizeCoversBlocks) {
  const auto mc = make_model("w", interp_code::code4, interp_code::code4p, true, true, true, true, true);
  const auto s = mc.m.view().s;
  std::size_t store = 0;
  for (const auto& b : mc.m.blocks) store += hfx::nll_block_store_size(b);
  EXPECT_GE(hfx::nll_work_size(s), 3u * s.n_bins + std::size_t(s.n_bins) * s.n_pars + 2u * s.n_pars + store);
}

}  // namespace
