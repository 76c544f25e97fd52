// The CPU batch backend (batch_hypotest.hpp) against hypotest_engine (infer.hpp): the same
// fits from the same starts in the same order, so every number must be bit-identical, on
// patched published likelihoods packed into batches (shared background).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "batch_fixture.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/error.hpp"
#include "hfx/infer.hpp"

namespace {

// Bitwise equality (NaN == NaN when the bits agree): the paths run the same instructions.
using hfx::test::same_bits;
#define EXPECT_SAME_BITS(a, b) EXPECT_TRUE(same_bits((a), (b))) << #a " = " << (a) << " vs " #b " = " << (b)

void expect_engine_identical(const hfx::model_batch& mb, double mu, const hfx::hypotest_options& opt) {
  const hfx::batch_view b = mb.view();
  hfx::batch_options bo;
  bo.hypotest = opt;
  bo.threads = 2;
  const std::vector<hfx::hypotest_record> recs = hfx::batch_hypotest(b, mu, bo, hfx::backend_kind::cpu);
  ASSERT_EQ(recs.size(), std::size_t(b.n_hyp));
  for (std::int32_t h = 0; h < b.n_hyp; ++h) {
    SCOPED_TRACE("hypothesis " + std::to_string(h));
    hfx::hypotest_engine eng(b.hyp(h), opt);
    const hfx::hypotest_outcome o = eng.at(mu);
    const hfx::hypotest_record& r = recs[h];
    EXPECT_EQ(r.valid, 1);
    EXPECT_SAME_BITS(r.mu_test, o.mu_test);
    EXPECT_SAME_BITS(r.muhat, o.muhat);
    EXPECT_SAME_BITS(r.q_obs, o.q_obs);
    EXPECT_SAME_BITS(r.q_asimov, o.q_asimov);
    EXPECT_SAME_BITS(r.cls.cls, o.cls.cls);
    EXPECT_SAME_BITS(r.cls.clsb, o.cls.clsb);
    EXPECT_SAME_BITS(r.cls.clb, o.cls.clb);
    for (int i = 0; i < hfx::n_expected; ++i) EXPECT_SAME_BITS(r.cls.cls_exp[i], o.cls.cls_exp[i]);
    for (int k = 0; k < hfx::n_hypotest_fits; ++k) {
      SCOPED_TRACE(hfx::hypotest_fit_names[k]);
      EXPECT_SAME_BITS(r.twice_nll[k], o.fits[k].twice_nll);
      EXPECT_EQ(r.status[k], o.fits[k].status);
      EXPECT_EQ(r.iterations[k], o.fits[k].iterations);
      EXPECT_EQ(r.at_bound[k] != 0, o.fits[k].at_bound);
    }
    // to_outcome gives the engine's type back unchanged.
    const hfx::hypotest_outcome t = hfx::to_outcome(r);
    EXPECT_SAME_BITS(t.cls.cls, o.cls.cls);
    EXPECT_SAME_BITS(t.fits[hfx::fit_asimov_mu].twice_nll, o.fits[hfx::fit_asimov_mu].twice_nll);
  }
}

TEST(BatchHypotest, SbottomBitIdenticalToEngine) {
  // Six patches across the mass grid of region A (every 40th patch).
  const hfx::model_batch mb = hfx::test::sbottom_batch(6, 40);
  ASSERT_EQ(mb.n_hyp, 6);
  expect_engine_identical(mb, 1.0, hfx::hypotest_options{});
}

TEST(BatchHypotest, SbottomOtherMuAndStatistics) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(3, 70);
  hfx::hypotest_options q;
  q.stat = hfx::test_stat::q;
  expect_engine_identical(mb, 0.5, q);
  hfx::hypotest_options single;
  single.two_starts = false;
  expect_engine_identical(mb, 2.0, single);
}

TEST(BatchHypotest, MuZeroSnapsRoundOffTestStatistics) {
  // At mu = 0 the fixed and free fits can differ by round-off (q ~ 1e-14, q_A = 0): both
  // paths snap q below q_resolution to 0, so CLs is finite (not inf/inf) and identical.
  const hfx::model_batch mb = hfx::test::sbottom_batch(8, 27);
  expect_engine_identical(mb, 0.0, hfx::hypotest_options{});
  const auto recs = hfx::cpu_batch_hypotest(mb.view(), 0.0, hfx::to_settings({}));
  for (const auto& r : recs) {
    EXPECT_TRUE(r.q_obs == 0.0 || r.q_obs >= hfx::q_resolution);
    EXPECT_TRUE(r.q_asimov == 0.0 || r.q_asimov >= hfx::q_resolution);
    if (r.q_asimov > 0.0) {
      EXPECT_TRUE(std::isfinite(r.cls.cls));
    }
  }
}

TEST(BatchHypotest, StausBitIdenticalToEngine) {
  const std::vector<hfx::model_batch> batches = hfx::test::staus_batches(4, 17);
  std::int32_t n = 0;
  for (const auto& mb : batches) {
    expect_engine_identical(mb, 1.0, hfx::hypotest_options{});
    n += mb.n_hyp;
  }
  EXPECT_EQ(n, 4);
}

TEST(BatchHypotest, ResultsDoNotDependOnThreadCount) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(4, 50);
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto one = hfx::cpu_batch_hypotest(mb.view(), 1.0, st, 1);
  const auto three = hfx::cpu_batch_hypotest(mb.view(), 1.0, st, 3);
  ASSERT_EQ(one.size(), three.size());
  for (std::size_t h = 0; h < one.size(); ++h)
    EXPECT_TRUE(hfx::test::records_identical(one[h], three[h])) << "hypothesis " << h;
}

TEST(BatchHypotest, NoPoiIsAModelError) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(1);
  hfx::batch_view b = mb.view();
  b.s.poi = -1;
  EXPECT_THROW(hfx::batch_hypotest(b, 1.0, {}, hfx::backend_kind::cpu), hfx::model_error);
  EXPECT_THROW(hfx::batch_hypotest(b, 1.0, {}, hfx::backend_kind::automatic), hfx::model_error);
}

TEST(BatchHypotest, EmptyBatch) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(1);
  hfx::batch_view b = mb.view();
  b.n_hyp = 0;
  EXPECT_TRUE(hfx::batch_hypotest(b, 1.0, {}, hfx::backend_kind::cpu).empty());
}

TEST(BatchHypotest, BackendNames) {
  EXPECT_EQ(hfx::parse_backend("cpu"), hfx::backend_kind::cpu);
  EXPECT_EQ(hfx::parse_backend("cuda"), hfx::backend_kind::cuda);
  EXPECT_EQ(hfx::parse_backend("auto"), hfx::backend_kind::automatic);
  EXPECT_THROW(hfx::parse_backend("gpu"), hfx::usage_error);
  EXPECT_EQ(hfx::resolve_backend(hfx::backend_kind::cpu), hfx::backend_kind::cpu);
  if (hfx::cuda_device_count() == 0) {
    EXPECT_EQ(hfx::resolve_backend(hfx::backend_kind::automatic), hfx::backend_kind::cpu);
    EXPECT_THROW(hfx::resolve_backend(hfx::backend_kind::cuda), hfx::error);
  } else {
    EXPECT_EQ(hfx::resolve_backend(hfx::backend_kind::automatic), hfx::backend_kind::cuda);
  }
}

}  // namespace
