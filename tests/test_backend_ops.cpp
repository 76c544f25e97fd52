// The batched operations behind `--backend` on fit, cls and limit (issue 5): fit_op and the
// per-item hypotest_op on the CPU backend against the per-hypothesis engine (fit_model,
// hypotest_engine), the same bodies under the launch emulator with several (grid, block)
// shapes, and the CLI's --batched path against its default path. The CUDA side of the same
// comparisons is in test_cuda_backend.cpp (skipped without a device).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "batch_fixture.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/batch_ops.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/error.hpp"
#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/json_io.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/limits.hpp"
#include "hfx/local_components.hpp"
#include "hfx/math/rates.hpp"

namespace {

using hfx::test::same_bits;
#define EXPECT_SAME_BITS(a, b) EXPECT_TRUE(same_bits((a), (b))) << #a " = " << (a) << " vs " #b " = " << (b)

// The bound for minima at the same point: the batched fit runs the same fit_one from
// the same start as fit_model, so on the CPU the results are bit-identical; 1e-9 is asserted
// too, as the documented tolerance.
constexpr double same_minimum_tol = 1e-9;

// Observed data of hypothesis h (main bins followed by the auxiliary data).
std::vector<double> observed(const hfx::model_view& m) {
  std::vector<double> d(m.obs, m.obs + m.s.n_bins);
  d.insert(d.end(), m.aux_obs, m.aux_obs + m.s.n_aux);
  return d;
}

// fit_model() on hypothesis h with the POI fixed at poi (NaN: free), from the inits.
hfx::fit_result engine_fit(const hfx::model_view& m, const std::vector<double>& data, double poi) {
  hfx::fit_workspace ws(m.s);
  hfx::fit_options o;
  if (!std::isnan(poi)) o.fix.push_back({m.s.poi, poi});
  return hfx::fit_model(m, data.data(), o, ws);
}

void expect_fit_identical(const hfx::batch_fit_result& r, std::size_t item, const hfx::fit_result& want, int P) {
  const hfx::fit_outcome& o = r.outcome[item];
  EXPECT_LE(std::fabs(o.twice_nll - want.twice_nll), same_minimum_tol);
  EXPECT_SAME_BITS(o.twice_nll, want.twice_nll);
  EXPECT_EQ(o.status, want.status);
  EXPECT_EQ(o.iterations, want.iterations);
  EXPECT_EQ(o.at_bound != 0, want.at_bound);
  for (int i = 0; i < P; ++i) EXPECT_SAME_BITS(r.x[item * P + i], want.x[i]) << "component " << i;
}

// Every hypothesis of the batch: a free fit and fits with the POI fixed at 0 and 1.5, to the
// observed data, against fit_model.
void expect_batch_fit_matches_engine(const hfx::model_batch& mb) {
  const hfx::batch_view b = mb.view();
  const int P = b.s.n_pars;
  ASSERT_GE(b.s.poi, 0);
  for (double poi : {std::numeric_limits<double>::quiet_NaN(), 0.0, 1.5}) {
    SCOPED_TRACE("POI " + std::to_string(poi));
    hfx::fit_items items;
    items.fixed_poi.assign(std::size_t(b.n_hyp), poi);
    const hfx::batch_fit_result r = hfx::cpu_batch_fit(b, items, hfx::fit_settings{}, 2);
    ASSERT_EQ(r.outcome.size(), std::size_t(b.n_hyp));
    ASSERT_EQ(r.x.size(), std::size_t(b.n_hyp) * P);
    for (std::int32_t h = 0; h < b.n_hyp; ++h) {
      SCOPED_TRACE("hypothesis " + std::to_string(h));
      const hfx::model_view m = b.hyp(h);
      const hfx::fit_result want = engine_fit(m, observed(m), poi);
      EXPECT_EQ(want.status, hfx::fit_status::converged);
      expect_fit_identical(r, std::size_t(h), want, P);
      if (!std::isnan(poi)) {
        EXPECT_EQ(r.x[std::size_t(h) * P + b.s.poi], poi);
      }
    }
  }
}

TEST(BatchFit, SbottomMatchesFitModel) { expect_batch_fit_matches_engine(hfx::test::sbottom_batch(5, 43)); }

TEST(BatchFit, StausMatchesFitModel) {
  const auto batches = hfx::test::staus_batches(6, 11);
  ASSERT_GE(batches.size(), 1u);
  for (const auto& mb : batches) expect_batch_fit_matches_engine(mb);
}

TEST(BatchFit, PerItemHypothesisDataStartAndMask) {
  // Items in a different order than the hypotheses (one twice), each with its own data
  // (Asimov data of another hypothesis' fit), start point and an extra fixed component.
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 70);
  const hfx::batch_view b = mb.view();
  const int P = b.s.n_pars, D = b.s.n_bins + b.s.n_aux;
  const std::vector<std::int32_t> hyp = {2, 0, 1, 2};
  hfx::fit_items items;
  items.hyp = hyp;
  // A normsys-like component (neither POI nor fixed) to hold at 0.3.
  int extra = -1;
  for (int i = 0; i < P && extra < 0; ++i)
    if (i != b.s.poi && !b.hyp(0).fixed[i] && b.hyp(0).lo[i] < 0.3 && b.hyp(0).hi[i] > 0.3) extra = i;
  ASSERT_GE(extra, 0);
  std::vector<std::vector<double>> datas;
  for (std::size_t k = 0; k < hyp.size(); ++k) {
    const hfx::model_view m = b.hyp(hyp[k]);
    const hfx::model_view other = b.hyp(hyp[(k + 1) % hyp.size()]);
    // Asimov data of `other` at its free best fit, for the structure of m.
    const hfx::fit_result f = engine_fit(other, observed(other), std::numeric_limits<double>::quiet_NaN());
    std::vector<double> d(D), w(hfx::nll_work_size(b.s));
    hfx::expected_data(other, f.x.data(), d.data(), w.data());
    datas.push_back(d);
    items.data.insert(items.data.end(), d.begin(), d.end());
    std::vector<double> x0(m.init, m.init + P);
    x0[b.s.poi] = 0.5 + 0.25 * double(k);
    x0[extra] = 0.3;
    items.start.insert(items.start.end(), x0.begin(), x0.end());
    std::vector<std::uint8_t> fx(m.fixed, m.fixed + P);
    fx[extra] = 1;
    items.fixed.insert(items.fixed.end(), fx.begin(), fx.end());
  }
  const hfx::batch_fit_result r = hfx::cpu_batch_fit(b, items, hfx::fit_settings{});
  ASSERT_EQ(r.outcome.size(), hyp.size());
  for (std::size_t k = 0; k < hyp.size(); ++k) {
    SCOPED_TRACE("item " + std::to_string(k));
    const hfx::model_view m = b.hyp(hyp[k]);
    hfx::fit_workspace ws(b.s);
    hfx::fit_options o;
    o.start.assign(items.start.begin() + k * P, items.start.begin() + (k + 1) * P);
    o.fix.push_back({extra, 0.3});
    const hfx::fit_result want = hfx::fit_model(m, datas[k].data(), o, ws);
    expect_fit_identical(r, k, want, P);
    EXPECT_EQ(r.x[k * P + extra], 0.3);
  }
  // Items 0 and 3 fit the same hypothesis to different data: different minima.
  EXPECT_NE(r.outcome[0].twice_nll, r.outcome[3].twice_nll);
}

TEST(BatchFit, BadItemsAreErrors) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(2);
  const hfx::batch_view b = mb.view();
  hfx::fit_items bad_hyp;
  bad_hyp.hyp = {0, 2};
  EXPECT_THROW(hfx::cpu_batch_fit(b, bad_hyp, {}), hfx::error);
  hfx::fit_items bad_data;
  bad_data.data.assign(5, 1.0);
  EXPECT_THROW(hfx::cpu_batch_fit(b, bad_data, {}), hfx::error);
  hfx::fit_items too_many;
  too_many.n = 3;
  EXPECT_THROW(hfx::cpu_batch_fit(b, too_many, {}), hfx::error);
  hfx::fit_items bad_poi;
  bad_poi.fixed_poi = {1.0};
  EXPECT_THROW(hfx::batch_fit(b, bad_poi, {}, hfx::backend_kind::cpu), hfx::error);
  EXPECT_THROW(hfx::cpu_batch_hypotest_items(b, {0, 1}, {1.0}, {}), hfx::error);
  EXPECT_THROW(hfx::cpu_batch_hypotest_items(b, {0, -1}, {1.0, 1.0}, {}), hfx::error);
  EXPECT_TRUE(hfx::cpu_batch_hypotest_items(b, {}, {}, {}).empty());
  hfx::fit_items none;
  none.n = 0;
  EXPECT_TRUE(hfx::cpu_batch_fit(b, none, {}).outcome.empty());
}

// Per-item POI values: item k = (hypothesis, mu) gives hypotest_engine's first at(mu) on that
// hypothesis bit for bit, whatever the other items are.
TEST(BatchHypotestItems, EachItemIsTheEnginesFirstTestAtItsMu) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 50);
  const hfx::batch_view b = mb.view();
  const std::vector<std::int32_t> hyp = {0, 0, 0, 1, 2, 2, 1};
  const std::vector<double> mu = {0.5, 1.0, 3.0, 1.0, 0.25, 2.0, 0.0};
  const hfx::hypotest_options opt;
  const auto recs = hfx::cpu_batch_hypotest_items(b, hyp, mu, hfx::to_settings(opt), 2);
  ASSERT_EQ(recs.size(), hyp.size());
  for (std::size_t k = 0; k < hyp.size(); ++k) {
    SCOPED_TRACE("item " + std::to_string(k));
    hfx::hypotest_engine eng(b.hyp(hyp[k]), opt);
    const hfx::hypotest_outcome o = eng.at(mu[k]);
    const hfx::hypotest_outcome r = hfx::to_outcome(recs[k]);
    EXPECT_EQ(recs[k].valid, 1);
    EXPECT_SAME_BITS(r.mu_test, mu[k]);
    EXPECT_SAME_BITS(r.muhat, o.muhat);
    EXPECT_SAME_BITS(r.q_obs, o.q_obs);
    EXPECT_SAME_BITS(r.cls.cls, o.cls.cls);
    for (int i = 0; i < hfx::n_expected; ++i) EXPECT_SAME_BITS(r.cls.cls_exp[i], o.cls.cls_exp[i]);
    for (int f = 0; f < hfx::n_hypotest_fits; ++f) {
      EXPECT_SAME_BITS(r.fits[f].twice_nll, o.fits[f].twice_nll);
      EXPECT_EQ(r.fits[f].status, o.fits[f].status);
    }
  }
  // Without per-item arrays: the batch at one mu (the existing behaviour) equals the items.
  const auto at1 = hfx::cpu_batch_hypotest(b, 1.0, hfx::to_settings(opt));
  EXPECT_TRUE(hfx::test::records_identical(at1[0], recs[1]));
  EXPECT_TRUE(hfx::test::records_identical(at1[1], recs[3]));
  // Different mu on one hypothesis give different CLs (the items really carry their mu).
  EXPECT_GT(recs[0].cls.cls, recs[1].cls.cls);
  EXPECT_GT(recs[1].cls.cls, recs[2].cls.cls);
}

// ---- the kernel bodies under the launch emulator ----------------------------------------

constexpr double guard_value = -1234.5;
constexpr std::size_t guard_len = 1024;

bool guard_intact(const std::vector<double>& w, std::size_t used) {
  for (std::size_t i = used; i < w.size(); ++i)
    if (w[i] != guard_value) return false;
  return true;
}

const hfx::launch_config shapes[] = {{1, 1}, {1, 2}, {2, 3}, {3, 1}, {1, 64}};

TEST(KernelEmulationOps, FitOpGivesTheSameResultsForEveryLaunchShape) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(4, 50);
  const hfx::batch_view b = mb.view();
  const int P = b.s.n_pars;
  // Five items: hypotheses 3, 1, 0, 2, 1; POI free for some, fixed for others.
  hfx::fit_items items;
  items.hyp = {3, 1, 0, 2, 1};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  items.fixed_poi = {nan, 0.0, 2.0, nan, 1.0};
  const hfx::batch_fit_result ref = hfx::cpu_batch_fit(b, items, {}, 2);
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  const std::int64_t n = std::int64_t(items.hyp.size());
  for (const auto& cfg : shapes) {
    SCOPED_TRACE("grid " + std::to_string(cfg.grid) + " block " + std::to_string(cfg.block));
    hfx::fit_op op;
    op.b = b;
    op.local = local.data();
    op.work_stride = hfx::fit_op_work_size(b.s);
    op.iwork_stride = hfx::fit_iwork_size(b.s);
    op.bwork_stride = std::size_t(P);
    // Scratch starts as garbage (NaN, -7, 0xAB): the body must not rely on zeroed memory.
    const std::size_t slots = std::size_t(cfg.threads());
    std::vector<double> work(op.work_stride * slots + guard_len, std::numeric_limits<double>::quiet_NaN());
    std::fill(work.begin() + op.work_stride * slots, work.end(), guard_value);
    std::vector<int> iwork(op.iwork_stride * slots, -7);
    std::vector<std::uint8_t> bwork(op.bwork_stride * slots, 0xAB);
    std::vector<double> x(std::size_t(n) * P, nan);
    std::vector<hfx::fit_outcome> out(static_cast<std::size_t>(n));
    op.work = work.data();
    op.iwork = iwork.data();
    op.bwork = bwork.data();
    op.item_hyp = items.hyp.data();
    op.fixed_poi = items.fixed_poi.data();
    op.x = x.data();
    op.out = out.data();
    hfx::emulate_launch(cfg, n, op);
    EXPECT_TRUE(guard_intact(work, op.work_stride * slots));
    for (std::int64_t k = 0; k < n; ++k) {
      SCOPED_TRACE("item " + std::to_string(k));
      EXPECT_SAME_BITS(out[k].twice_nll, ref.outcome[k].twice_nll);
      EXPECT_EQ(out[k].status, ref.outcome[k].status);
      EXPECT_EQ(out[k].iterations, ref.outcome[k].iterations);
      EXPECT_EQ(out[k].at_bound, ref.outcome[k].at_bound);
      for (int i = 0; i < P; ++i) EXPECT_SAME_BITS(x[k * P + i], ref.x[k * P + i]);
    }
  }
  // Fixed-POI items end at their POI value; items 1 and 4 (same hypothesis, POI 0 vs 1)
  // reach different minima.
  EXPECT_EQ(ref.x[1 * P + b.s.poi], 0.0);
  EXPECT_EQ(ref.x[2 * P + b.s.poi], 2.0);
  EXPECT_NE(ref.outcome[1].twice_nll, ref.outcome[4].twice_nll);
}

TEST(KernelEmulationOps, PerItemMuHypotestOpGivesTheSameRecordsForEveryShapeAndChunking) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(2, 90);
  const hfx::batch_view b = mb.view();
  const std::vector<std::int32_t> hyp = {1, 0, 1, 0, 1};
  const std::vector<double> mu = {0.5, 1.0, 2.0, 4.0, 1.0};
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto ref = hfx::cpu_batch_hypotest_items(b, hyp, mu, st, 2);
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  const std::int64_t n = std::int64_t(hyp.size());
  for (const auto& shape : shapes) {
    // The CUDA backend's chunked walk (chunks of `shape.threads()` items, item arrays offset
    // by the chunk start), each chunk launched with `shape.block` threads per block.
    const std::int64_t chunk = std::max<std::int64_t>(2, shape.threads());
    const std::int64_t block = shape.block, slots = hfx::slots_for_chunk(chunk, block);
    SCOPED_TRACE("chunk " + std::to_string(chunk) + " block " + std::to_string(block));
    hfx::hypotest_op op;
    op.b = b;
    op.settings = st;
    op.mu_test = 123.0;  // must be ignored: every item carries its mu
    op.local = local.data();
    op.work_stride = hfx::hypotest_work_size(b.s);
    op.iwork_stride = hfx::hypotest_iwork_size(b.s);
    op.bwork_stride = hfx::hypotest_bwork_size(b.s);
    std::vector<double> work(op.work_stride * slots + guard_len, std::numeric_limits<double>::quiet_NaN());
    std::fill(work.begin() + op.work_stride * slots, work.end(), guard_value);
    std::vector<int> iwork(op.iwork_stride * slots, -7);
    std::vector<std::uint8_t> bwork(op.bwork_stride * slots, 0xAB);
    std::vector<hfx::hypotest_record> chunk_out(static_cast<std::size_t>(chunk)), out(static_cast<std::size_t>(n));
    for (const auto& L : hfx::plan_chunks(n, chunk, block)) {
      hfx::hypotest_op o = op;
      o.hyp0 = L.start;
      o.item_hyp = hyp.data() + L.start;
      o.item_mu = mu.data() + L.start;
      o.work = work.data();
      o.iwork = iwork.data();
      o.bwork = bwork.data();
      o.out = chunk_out.data();
      hfx::emulate_launch(L.cfg, L.count, o);
      std::copy(chunk_out.begin(), chunk_out.begin() + L.count, out.begin() + L.start);
    }
    EXPECT_TRUE(guard_intact(work, op.work_stride * slots));
    for (std::int64_t k = 0; k < n; ++k) EXPECT_TRUE(hfx::test::records_identical(out[k], ref[k])) << "item " << k;
  }
  EXPECT_EQ(ref[2].mu_test, 2.0);
  EXPECT_NE(ref[0].cls.cls, ref[4].cls.cls);
}

// The limit search driven by one batched call per step (what `hfx limit --batched` does)
// against the engine's sequential warm-started evaluations: the same TOMS748 path, limits
// within 1e-6 relative (each item's fixed-POI fits start from the free fits instead of the
// previous POI value, so CLs differs at the fits' tolerance, ~1e-9).
TEST(BatchHypotestItems, LimitThroughBatchedCallsMatchesTheEngine) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(2, 100);
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_options opt;
  for (std::int32_t h = 0; h < b.n_hyp; ++h) {
    SCOPED_TRACE("hypothesis " + std::to_string(h));
    const hfx::model_view m = b.hyp(h);
    hfx::hypotest_engine eng(m, opt);
    hfx::hypotest_batch_fn ef = [&](const std::vector<double>& mus) {
      std::vector<hfx::hypotest_values> v;
      for (double x : mus) v.push_back(hfx::hypotest_result(opt.stat, eng.at(x).cls));
      return v;
    };
    int calls = 0;
    hfx::hypotest_batch_fn bf = [&](const std::vector<double>& mus) {
      ++calls;
      hfx::batch_options bo;
      bo.hypotest = opt;
      const auto recs =
          hfx::batch_hypotest_items(b, std::vector<std::int32_t>(mus.size(), h), mus, bo, hfx::backend_kind::cpu);
      std::vector<hfx::hypotest_values> v;
      for (const auto& r : recs) v.push_back(hfx::hypotest_result(opt.stat, r.cls));
      return v;
    };
    const hfx::upper_limit_result a = hfx::toms748_scan(ef, m.lo[m.s.poi], m.hi[m.s.poi]);
    const hfx::upper_limit_result c = hfx::toms748_scan(bf, m.lo[m.s.poi], m.hi[m.s.poi]);
    ASSERT_TRUE(a.all_ok());
    ASSERT_TRUE(c.all_ok());
    EXPECT_EQ(calls, c.batches);
    for (int k = 0; k < hfx::n_limit_curves; ++k)
      EXPECT_LE(std::fabs(c.limit(k) - a.limit(k)), 1e-6 * std::fabs(a.limit(k))) << "curve " << k;
  }
}

// ---- the CLI: --batched (CPU) prints the default path's numbers -------------------------

struct cli_run {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::string s;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
    std::fclose(f);
  }
  return s;
}

cli_run run_cli(const std::string& args) {
  static int counter = 0;
  const std::string base = testing::TempDir() + "hfx_backend_ops_" + std::to_string(::getpid()) + "_" +
                           std::to_string(counter++);
  const std::string cmd = hfx::test::cli() + " " + args + " > " + base + ".out 2> " + base + ".err";
  cli_run r;
  const int st = std::system(cmd.c_str());
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  std::remove((base + ".out").c_str());
  std::remove((base + ".err").c_str());
  return r;
}

std::string sbottom_args(const std::string& patch) {
  return hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz") + " --patchset " +
         hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz") + " --patch " + patch;
}

// Runs `cmd` on the default CPU path and with --batched; both must succeed.
std::array<cli_run, 2> both_paths(const std::string& cmd) {
  cli_run a = run_cli(cmd + " --backend cpu");
  cli_run b = run_cli(cmd + " --backend cpu --batched");
  EXPECT_EQ(a.code, 0) << cmd << "\n" << a.err;
  EXPECT_EQ(b.code, 0) << cmd << " --batched\n" << b.err;
  EXPECT_FALSE(a.out.empty());
  return {a, b};
}

TEST(BackendCli, FitBatchedPrintsTheSameNumbers) {
  const std::string ws = sbottom_args("sbottom_1000_205_60");
  for (const std::string extra : {" --json", "", " --fix mu_SIG=0.5 --json", " --asimov 1 --json",
                                   " --asimov 0 --fix mu_SIG=2"}) {
    SCOPED_TRACE(extra);
    const auto r = both_paths("fit " + ws + extra);
    // Same fit_one from the same start: the same bits, so the same text.
    EXPECT_EQ(r[0].out, r[1].out);
  }
  // The fit really ran: a converged free fit with uncertainties.
  const hfx::json j = hfx::json::parse(run_cli("fit " + ws + " --json --batched --backend cpu").out);
  EXPECT_EQ(j.at("status"), "converged");
  EXPECT_GT(j.at("uncertainties").at("mu_SIG").get<double>(), 0.0);
}

TEST(BackendCli, ClsBatchedPrintsTheSameNumbers) {
  const std::string ws = sbottom_args("sbottom_1000_205_60");
  // One POI value: the batched item is the engine's first test, bit for bit.
  for (const std::string extra : {"", " --mu 2 --details", " --test-stat q0"}) {
    SCOPED_TRACE(extra);
    const auto r = both_paths("cls " + ws + extra);
    EXPECT_EQ(r[0].out, r[1].out);
  }
  // Several POI values (one launch): one line per value; the engine warm-starts each fit
  // from the previous POI value, the batched items from the free fits: CLs within 1e-7.
  const auto r = both_paths("cls " + ws + " --mu 0.5,1,3");
  std::vector<hfx::json> lines[2];
  for (int k = 0; k < 2; ++k) {
    std::size_t pos = 0;
    for (std::size_t nl; (nl = r[k].out.find('\n', pos)) != std::string::npos; pos = nl + 1)
      lines[k].push_back(hfx::json::parse(r[k].out.substr(pos, nl - pos)));
  }
  ASSERT_EQ(lines[0].size(), 3u);
  ASSERT_EQ(lines[1].size(), 3u);
  const double mus[] = {0.5, 1.0, 3.0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(lines[0][i].at("mu_test").get<double>(), mus[i]);
    EXPECT_EQ(lines[1][i].at("mu_test").get<double>(), mus[i]);
    EXPECT_NEAR(lines[1][i].at("CLs_obs").get<double>(), lines[0][i].at("CLs_obs").get<double>(), 1e-7);
    for (int e = 0; e < 5; ++e)
      EXPECT_NEAR(lines[1][i].at("CLs_exp")[e].get<double>(), lines[0][i].at("CLs_exp")[e].get<double>(), 1e-7);
  }
  EXPECT_GT(lines[0][0].at("CLs_obs").get<double>(), lines[0][2].at("CLs_obs").get<double>());
}

TEST(BackendCli, LimitBatchedPrintsTheSameLimits) {
  const std::string ws = sbottom_args("sbottom_1000_205_60");
  for (const std::string extra : {"", " --scan 0:10:11"}) {
    SCOPED_TRACE(extra);
    const auto r = both_paths("limit " + ws + extra);
    const hfx::json a = hfx::json::parse(r[0].out), b = hfx::json::parse(r[1].out);
    EXPECT_FALSE(a.contains("status"));
    EXPECT_EQ(a.contains("status"), b.contains("status"));
    const double ao = a.at("obs").get<double>();
    EXPECT_GT(ao, 0.0);
    EXPECT_LE(std::fabs(b.at("obs").get<double>() - ao), 1e-6 * ao);
    for (int e = 0; e < 5; ++e) {
      const double ae = a.at("exp")[e].get<double>();
      EXPECT_LE(std::fabs(b.at("exp")[e].get<double>() - ae), 1e-6 * ae) << "expected " << e;
    }
  }
}

TEST(BackendCli, BackendChoiceIsAnnouncedAndCudaWithoutDeviceFails) {
  const std::string ws = sbottom_args("sbottom_1000_205_60");
  if (hfx::cuda_device_count() > 0) {
    const cli_run r = run_cli("fit " + ws + " --json --backend auto");
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("hfx: backend auto -> cuda ("), std::string::npos) << r.err;
    return;
  }
  for (const std::string cmd : {"fit", "cls", "limit", "nll"}) {
    SCOPED_TRACE(cmd);
    const cli_run a = run_cli(cmd + " " + ws);  // --backend auto is the default
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_NE(a.err.find("hfx: backend auto -> cpu ("), std::string::npos) << a.err;
    const cli_run c = run_cli(cmd + " " + ws + " --backend cuda");
    EXPECT_EQ(c.code, 1);
    EXPECT_TRUE(c.out.empty());
    EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1) << c.err;
    EXPECT_NE(c.err.find("backend cuda requested but "), std::string::npos) << c.err;
    const cli_run u = run_cli(cmd + " " + ws + " --backend gpu");
    EXPECT_EQ(u.code, 2);
    EXPECT_NE(u.err.find("--backend must be cpu, cuda or auto"), std::string::npos) << u.err;
  }
  // An explicit cpu backend says nothing.
  const cli_run q = run_cli("cls " + ws + " --backend cpu");
  EXPECT_EQ(q.code, 0);
  EXPECT_TRUE(q.err.empty()) << q.err;
}

// On a GPU machine: the CLI's cuda backend against its cpu backend (fit: twice_nll 1e-7 and
// the same status; limit: 1e-6 relative). Skipped, saying so, without a device.
TEST(BackendCli, CudaPrintsTheCpuNumbers) {
  if (hfx::cuda_device_count() == 0)
    GTEST_SKIP() << "no CUDA device (" << hfx::cuda_device_description()
                 << "): GPU CLI tests skipped; run bench/device_check.sh on a GPU machine";
  const std::string ws = sbottom_args("sbottom_1000_205_60");
  for (const std::string extra : {"", " --fix mu_SIG=1"}) {
    const cli_run c = run_cli("fit " + ws + " --json --backend cpu" + extra);
    const cli_run g = run_cli("fit " + ws + " --json --backend cuda" + extra);
    ASSERT_EQ(c.code, 0) << c.err;
    ASSERT_EQ(g.code, 0) << g.err;
    const hfx::json a = hfx::json::parse(c.out), b = hfx::json::parse(g.out);
    EXPECT_EQ(a.at("status"), b.at("status"));
    EXPECT_NEAR(b.at("twice_nll").get<double>(), a.at("twice_nll").get<double>(), 1e-7);
  }
  const cli_run c = run_cli("limit " + ws + " --backend cpu");
  const cli_run g = run_cli("limit " + ws + " --backend cuda");
  ASSERT_EQ(c.code, 0) << c.err;
  ASSERT_EQ(g.code, 0) << g.err;
  const hfx::json a = hfx::json::parse(c.out), b = hfx::json::parse(g.out);
  EXPECT_LE(std::fabs(b.at("obs").get<double>() - a.at("obs").get<double>()), 1e-6 * a.at("obs").get<double>());
  for (int e = 0; e < 5; ++e)
    EXPECT_LE(std::fabs(b.at("exp")[e].get<double>() - a.at("exp")[e].get<double>()),
              1e-6 * a.at("exp")[e].get<double>());
}

}  // namespace
