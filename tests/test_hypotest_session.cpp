// hypotest_session (prepare once, then (hypothesis, mu) items): bit for bit the records of
// batch_hypotest_items / hypotest_one, on the CPU backend, through the launch emulator with
// several launch shapes, and (GPU present) on CUDA against the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "batch_fixture.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/batch_ops.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/error.hpp"
#include "hfx/hypotest_session.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/local_components.hpp"
#include "hfx/patchset.hpp"

namespace {

// Items: every hypothesis at several POI values, interleaved and repeated.
void make_items(int n_hyp, std::vector<std::int32_t>& hyp, std::vector<double>& mu) {
  const double mus[] = {1.0, 0.3, 2.5, 0.0, 1.0};
  for (double m : mus)
    for (int h = n_hyp - 1; h >= 0; --h) {
      hyp.push_back(h);
      mu.push_back(m * (1.0 + 0.1 * h));
    }
}

void expect_session_equals_items(const hfx::batch_view& b, const std::string& what) {
  std::vector<std::int32_t> hyp;
  std::vector<double> mu;
  make_items(b.n_hyp, hyp, mu);
  hfx::batch_options opt;
  opt.threads = 2;
  const auto ref = hfx::batch_hypotest_items(b, hyp, mu, opt, hfx::backend_kind::cpu);
  hfx::hypotest_session s(b, opt, hfx::backend_kind::cpu);
  s.set_warm_starts(false);
  ASSERT_EQ(s.prepared().size(), std::size_t(b.n_hyp));
  const auto got = s.at(hyp, mu);
  ASSERT_EQ(got.size(), ref.size());
  for (std::size_t k = 0; k < ref.size(); ++k) {
    EXPECT_TRUE(hfx::test::records_identical(got[k], ref[k]))
        << what << " item " << k << " (hypothesis " << hyp[k] << ", mu " << mu[k] << "): CLs " << got[k].cls.cls
        << " vs " << ref[k].cls.cls;
    EXPECT_TRUE(std::isfinite(got[k].cls.cls));
  }
  // Without warm starts a second call gives the same records (the kept state is read-only).
  const auto again = s.at(hyp, mu);
  for (std::size_t k = 0; k < ref.size(); ++k) EXPECT_TRUE(hfx::test::records_identical(again[k], ref[k])) << k;
}

TEST(HypotestSession, SbottomEqualsWholeHypotestsBitForBit) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 70);
  expect_session_equals_items(mb.view(), "sbottom");
}

TEST(HypotestSession, StausEqualsWholeHypotestsBitForBit) {
  const auto batches = hfx::test::staus_batches(2, 20);
  ASSERT_FALSE(batches.empty());
  expect_session_equals_items(batches.front().view(), "staus");
}

// The kernels' bodies through the launch emulator: prepare over hypotheses, then items,
// with fewer slots than items (grid-stride reuse) and several shapes.
TEST(HypotestSession, EmulatedLaunchesMatchTheCpuSession) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 70);
  const hfx::batch_view b = mb.view();
  std::vector<std::int32_t> hyp;
  std::vector<double> mu;
  make_items(b.n_hyp, hyp, mu);
  hfx::batch_options opt;
  opt.threads = 1;
  hfx::hypotest_session s(b, opt, hfx::backend_kind::cpu);
  const auto ref = s.at(hyp, mu);
  const hfx::hypotest_settings st = hfx::to_settings(opt.hypotest);
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  const hfx::launch_config shapes[] = {{1, 1}, {1, 2}, {2, 3}, {3, 32}};
  for (const auto& cfg : shapes) {
    SCOPED_TRACE("grid " + std::to_string(cfg.grid) + " block " + std::to_string(cfg.block));
    const std::size_t T = std::size_t(cfg.threads());
    std::vector<double> work(hfx::hypotest_work_size(b.s) * T, std::nan(""));
    std::vector<int> iwork(hfx::hypotest_iwork_size(b.s) * T, -7);
    std::vector<std::uint8_t> bwork(hfx::hypotest_bwork_size(b.s) * T, 9);
    std::vector<double> keep(hfx::hypotest_keep_size(b.s) * std::size_t(b.n_hyp), std::nan(""));
    std::vector<hfx::hypotest_record> base(std::size_t(b.n_hyp)), out(hyp.size());
    hfx::hypotest_session_view v;
    v.b = b;
    v.settings = st;
    v.local = local.data();
    v.work = work.data();
    v.iwork = iwork.data();
    v.bwork = bwork.data();
    v.work_stride = hfx::hypotest_work_size(b.s);
    v.iwork_stride = hfx::hypotest_iwork_size(b.s);
    v.bwork_stride = hfx::hypotest_bwork_size(b.s);
    v.keep = keep.data();
    v.keep_stride = hfx::hypotest_keep_size(b.s);
    v.base = base.data();
    hfx::hypotest_prepare_op p;
    p.v = v;
    hfx::emulate_launch(cfg, b.n_hyp, p);
    hfx::hypotest_at_op a;
    a.v = v;
    a.item_hyp = hyp.data();
    a.item_mu = mu.data();
    a.out = out.data();
    hfx::emulate_launch(cfg, std::int64_t(hyp.size()), a);
    for (std::size_t k = 0; k < ref.size(); ++k)
      EXPECT_TRUE(hfx::test::records_identical(out[k], ref[k])) << "item " << k;
  }
}

// With warm starts (the default) the first call is the same; a second call at the same POI
// values starts from the first call's solutions and keeps the better of that and the inits,
// so no fixed-POI minimum gets worse.
TEST(HypotestSession, WarmStartsNeverRaiseTheMinima) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 70);
  const hfx::batch_view b = mb.view();
  std::vector<std::int32_t> hyp;
  std::vector<double> mu;
  make_items(b.n_hyp, hyp, mu);
  hfx::hypotest_session cold(b, {}, hfx::backend_kind::cpu);
  cold.set_warm_starts(false);
  hfx::hypotest_session warm(b, {}, hfx::backend_kind::cpu);
  const auto c = cold.at(hyp, mu), w1 = warm.at(hyp, mu), w2 = warm.at(hyp, mu);
  for (std::size_t k = 0; k < c.size(); ++k) {
    EXPECT_TRUE(hfx::test::records_identical(w1[k], c[k])) << k;
    for (int f : {3, 4}) {
      EXPECT_LE(w2[k].twice_nll[f], w1[k].twice_nll[f] + 1e-9) << "item " << k << " fit " << f;
      EXPECT_NEAR(w2[k].twice_nll[f], w1[k].twice_nll[f], 1e-6) << "item " << k << " fit " << f;
    }
    EXPECT_NEAR(w2[k].cls.cls, w1[k].cls.cls, 1e-6) << k;
  }
}

// sbottom RegionA 650_180_50 has two minima of the Asimov fit at mu ~ 2.1: from the free
// fits the fit stops at twice_nll 118.309, from a solution at a nearby POI value at the
// lower 117.532 (the engine's chain finds it too).
TEST(HypotestSession, WarmStartFindsTheLowerAsimovMinimumOnSbottom650) {
  const hfx::patchset ps = hfx::load_patchset(
      hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz"));
  std::size_t idx = ps.patches.size();
  for (std::size_t i = 0; i < ps.patches.size(); ++i)
    if (ps.patches[i].name == "sbottom_650_180_50") idx = i;
  ASSERT_LT(idx, ps.patches.size());
  const auto batches = hfx::test::patched_batches("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz",
                                                  "ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz", idx, 1);
  ASSERT_EQ(batches.size(), 1u);
  const hfx::batch_view b = batches.front().view();
  hfx::hypotest_session cold(b, {}, hfx::backend_kind::cpu);
  cold.set_warm_starts(false);
  hfx::hypotest_session warm(b, {}, hfx::backend_kind::cpu);
  const auto c = cold.at({0}, {2.0992});
  warm.at({0, 0}, {1.0, 2.0});
  const auto w = warm.at({0}, {2.0992});
  EXPECT_NEAR(c[0].twice_nll[4], 118.3094, 1e-3);
  EXPECT_NEAR(w[0].twice_nll[4], 117.5320, 1e-3);
  // A lower Asimov fixed-POI minimum means a smaller q_A, so a larger expected CLs (the engine: 0.0622).
  EXPECT_NEAR(w[0].cls.cls_exp[4], 0.06222, 1e-4);
  EXPECT_NEAR(c[0].cls.cls_exp[4], 0.05000, 1e-4);
}

TEST(HypotestSession, BadItemsAndNoPoiAreErrors) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(2, 70);
  hfx::hypotest_session s(mb.view(), {}, hfx::backend_kind::cpu);
  EXPECT_THROW(s.at({0, 1}, {1.0}), hfx::usage_error);
  EXPECT_THROW(s.at({2}, {1.0}), hfx::usage_error);
  EXPECT_THROW(s.at({-1}, {1.0}), hfx::usage_error);
  EXPECT_TRUE(s.at({}, {}).empty());
  hfx::batch_view nopoi = mb.view();
  nopoi.s.poi = -1;
  EXPECT_THROW(hfx::hypotest_session(nopoi, {}, hfx::backend_kind::cpu), hfx::model_error);
  if (hfx::cuda_device_count() == 0) {
    EXPECT_THROW(hfx::hypotest_session(mb.view(), {}, hfx::backend_kind::cuda), hfx::error);
  }
}

TEST(HypotestSession, CudaMatchesCpu) {
  if (hfx::cuda_device_count() == 0)
    GTEST_SKIP() << "no CUDA device (" << hfx::cuda_device_description()
                 << "): GPU session test skipped; run bench/device_check.sh on a GPU machine";
  const hfx::model_batch mb = hfx::test::sbottom_batch(8, 25);
  const hfx::batch_view b = mb.view();
  std::vector<std::int32_t> hyp;
  std::vector<double> mu;
  make_items(b.n_hyp, hyp, mu);
  hfx::hypotest_session cpu(b, {}, hfx::backend_kind::cpu);
  hfx::hypotest_session gpu(b, {}, hfx::backend_kind::cuda);
  const auto r = cpu.at(hyp, mu), g = gpu.at(hyp, mu);
  ASSERT_EQ(r.size(), g.size());
  for (std::size_t k = 0; k < r.size(); ++k) {
    EXPECT_NEAR(g[k].cls.cls, r[k].cls.cls, 1e-7) << "item " << k;
    for (int i = 0; i < hfx::n_expected; ++i) EXPECT_NEAR(g[k].cls.cls_exp[i], r[k].cls.cls_exp[i], 1e-7) << k;
  }
}

}  // namespace
