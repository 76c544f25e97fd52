// Scratch memory interleaved across threads (math/strided.hpp, interleaved_ops.hpp,
// kernels/interleaved_hypotest.cu): strided_ptr itself; the math instantiated with strided
// scratch against the plain-pointer instantiation (bit for bit: same operations, other
// addresses); hypotest_op_interleaved through the launch emulator against the CPU backend
// for several launch shapes; and, on a machine with a GPU, the CUDA entry point against
// the CPU backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "batch_fixture.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/batch_ops.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/cuda_interleaved.hpp"
#include "hfx/error.hpp"
#include "hfx/interleaved_ops.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/local_components.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/math/newton.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/math/rates.hpp"
#include "hfx/math/strided.hpp"

namespace {

using hfx::strided_ptr;

// ---- strided_ptr ----------------------------------------------------------------------

TEST(StridedPtr, AddressesEveryStrideThElement) {
  std::vector<double> a(20);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = double(i);
  const strided_ptr<double> p(a.data() + 1, 3);
  EXPECT_EQ(p[0], 1.0);
  EXPECT_EQ(p[2], 7.0);
  EXPECT_EQ(&p[5], &a[16]);
  EXPECT_EQ(*p, 1.0);
  const strided_ptr<double> q = p + 2;  // two elements on: 2 * stride doubles
  EXPECT_EQ(q.p, a.data() + 7);
  EXPECT_EQ(q.stride, 3);
  EXPECT_EQ(q[1], 10.0);
  strided_ptr<double> r = p;
  r += 4;
  EXPECT_EQ(&*r, &a[13]);
  r[1] = -5.0;  // writes go through
  EXPECT_EQ(a[16], -5.0);
  EXPECT_EQ(p[std::size_t(5)], -5.0);  // std::size_t and int indices as the math uses them
}

TEST(StridedPtr, NullConversionAndLayout) {
  const strided_ptr<double> n = nullptr;
  EXPECT_FALSE(n);
  EXPECT_TRUE(!n);
  std::vector<int> v(8, 0);
  const strided_ptr<int> p(v.data(), 2);
  EXPECT_TRUE(p);
  const strided_ptr<const int> c = p;  // T -> const T
  EXPECT_EQ(&c[3], &v[6]);
  EXPECT_EQ(c.stride, 2);
  static_assert(std::is_trivially_copyable_v<strided_ptr<std::uint8_t>>);
  static_assert(!std::is_convertible_v<strided_ptr<const int>, strided_ptr<int>>);
  // interleaved_slot: element i of slot s of an n_slots-slot buffer at base[i * n_slots + s].
  std::vector<std::uint8_t> buf(4 * 5, 0);
  const strided_ptr<std::uint8_t> s2 = hfx::interleaved_slot(buf.data(), 2, 5);
  for (int i = 0; i < 4; ++i) s2[i] = std::uint8_t(10 + i);
  for (int i = 0; i < 4; ++i)
    for (int s = 0; s < 5; ++s) EXPECT_EQ(buf[std::size_t(i * 5 + s)], s == 2 ? 10 + i : 0) << i << " " << s;
}

// ---- the math with strided scratch ------------------------------------------------------

constexpr double poison = std::numeric_limits<double>::quiet_NaN();

TEST(StridedMath, NllGradHessAndFitAreBitIdentical) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(2, 40);
  const hfx::batch_view b = mb.view();
  const hfx::model_view m = b.hyp(1);
  const int P = m.s.n_pars, D = m.s.n_bins + m.s.n_aux;
  std::vector<double> data(m.obs, m.obs + m.s.n_bins);
  data.insert(data.end(), m.aux_obs, m.aux_obs + m.s.n_aux);
  std::vector<double> x(m.init, m.init + P);
  for (int i = 0; i < P; ++i)
    if (!m.fixed[i]) x[i] = std::fmin(std::fmax(x[i] + 0.01 * (i % 7 - 3), m.lo[i]), m.hi[i]);

  const std::size_t nw = hfx::nll_work_size(m.s);
  std::vector<double> w(nw), g(P), H(std::size_t(P) * P), e(D);
  const double v = hfx::twice_nll(m, x.data(), data.data(), w.data());
  const double vgh = hfx::twice_nll_grad_hess(m, x.data(), data.data(), g.data(), H.data(), w.data());
  hfx::expected_data(m, x.data(), e.data(), w.data());
  ASSERT_TRUE(std::isfinite(vgh));

  for (const std::int64_t stride : {1, 3, 8}) {
    SCOPED_TRACE("stride " + std::to_string(stride));
    const std::int64_t slot = stride - 1;  // the last slot of the interleaved buffers
    std::vector<double> ws(nw * stride, poison), gs(std::size_t(P) * stride, poison),
        Hs(std::size_t(P) * P * stride, poison), xs(std::size_t(P) * stride, poison), ds(std::size_t(D) * stride, poison),
        es(std::size_t(D) * stride, poison);
    const auto sw = hfx::interleaved_slot(ws.data(), slot, stride), sg = hfx::interleaved_slot(gs.data(), slot, stride),
               sH = hfx::interleaved_slot(Hs.data(), slot, stride), sx = hfx::interleaved_slot(xs.data(), slot, stride),
               sd = hfx::interleaved_slot(ds.data(), slot, stride), se = hfx::interleaved_slot(es.data(), slot, stride);
    for (int i = 0; i < P; ++i) sx[i] = x[i];
    for (int k = 0; k < D; ++k) sd[k] = data[k];
    EXPECT_TRUE(hfx::test::same_bits(hfx::twice_nll(m, sx, sd, sw), v));
    EXPECT_TRUE(hfx::test::same_bits(hfx::twice_nll_grad_hess(m, sx, sd, sg, sH, sw), vgh));
    for (int i = 0; i < P; ++i) EXPECT_TRUE(hfx::test::same_bits(sg[i], g[i])) << "gradient " << i;
    for (int k = 0; k < P * P; ++k) ASSERT_TRUE(hfx::test::same_bits(sH[k], H[k])) << "Hessian " << k;
    // Without a Hessian (a literal nullptr converts to the strided type).
    EXPECT_TRUE(hfx::test::same_bits(hfx::twice_nll_grad_hess(m, sx, sd, sg, nullptr, sw), vgh));
    hfx::expected_data(m, sx, se, sw);
    for (int k = 0; k < D; ++k) EXPECT_TRUE(hfx::test::same_bits(se[k], e[k])) << "expected " << k;
    // Other slots untouched.
    for (std::size_t i = 0; i < ws.size(); ++i) {
      if (std::int64_t(i % stride) != slot) {
        ASSERT_TRUE(std::isnan(ws[i])) << "work element " << i;
      }
    }
  }

  // fit_one with plain and with strided scratch (work, iwork, the fixed mask, x, data).
  const std::vector<std::uint8_t> local = hfx::local_components(m.s);
  const hfx::fit_settings st;
  std::vector<double> fw(hfx::fit_work_size(m.s)), xf(m.init, m.init + P);
  std::vector<int> iw(hfx::fit_iwork_size(m.s));
  const hfx::fit_outcome ref = hfx::fit_one(m, data.data(), m.fixed, local.data(), xf.data(), st, fw.data(), iw.data());
  ASSERT_EQ(ref.status, hfx::fit_status::converged);
  const std::int64_t stride = 5, slot = 3;
  std::vector<double> fws(fw.size() * stride, poison), xs(std::size_t(P) * stride), ds(std::size_t(D) * stride);
  std::vector<int> iws(iw.size() * stride, -7);
  std::vector<std::uint8_t> fxs(std::size_t(P) * stride, 0xAB);
  const auto sx = hfx::interleaved_slot(xs.data(), slot, stride), sd = hfx::interleaved_slot(ds.data(), slot, stride);
  const auto sf = hfx::interleaved_slot(fxs.data(), slot, stride);
  for (int i = 0; i < P; ++i) {
    sx[i] = m.init[i];
    sf[i] = m.fixed[i];
  }
  for (int k = 0; k < D; ++k) sd[k] = data[k];
  const hfx::fit_outcome got =
      hfx::fit_one(m, sd, sf, local.data(), sx, st, hfx::interleaved_slot(fws.data(), slot, stride),
                   hfx::interleaved_slot(iws.data(), slot, stride));
  EXPECT_TRUE(hfx::test::same_bits(got.twice_nll, ref.twice_nll));
  EXPECT_EQ(got.iterations, ref.iterations);
  EXPECT_EQ(got.status, ref.status);
  EXPECT_EQ(got.at_bound, ref.at_bound);
  for (int i = 0; i < P; ++i) EXPECT_TRUE(hfx::test::same_bits(sx[i], xf[i])) << "x " << i;
}

// ---- hypotest_op_interleaved through the launch emulator ---------------------------------

// Scratch of n_slots interleaved slots, poisoned (the body must not rely on zeroed memory),
// followed by a guard region.
constexpr double guard_value = -1234.5;
constexpr std::size_t guard_len = 4096;

struct interleaved_scratch {
  std::vector<double> work;
  std::vector<int> iwork;
  std::vector<std::uint8_t> bwork;
  std::size_t nw, ni, nb;
  std::int64_t n_slots;

  interleaved_scratch(const hfx::model_structure& s, std::int64_t slots)
      : nw(hfx::hypotest_work_size(s)), ni(hfx::hypotest_iwork_size(s)), nb(hfx::hypotest_bwork_size(s)),
        n_slots(slots) {
    work.assign(nw * slots + guard_len, poison);
    std::fill(work.begin() + std::int64_t(nw * slots), work.end(), guard_value);
    iwork.assign(ni * slots, -7);
    bwork.assign(nb * slots, 0xAB);
  }
  void attach(hfx::hypotest_op_interleaved& op) {
    op.work = work.data();
    op.iwork = iwork.data();
    op.bwork = bwork.data();
    op.n_slots = n_slots;
  }
  bool guard_intact() const {
    for (std::size_t i = nw * std::size_t(n_slots); i < work.size(); ++i)
      if (work[i] != guard_value) return false;
    return true;
  }
  // Slots >= used (never run by the launch) still hold the poison in every element: the
  // interleaved indexing stays in its column.
  bool unused_slots_untouched(std::int64_t used) const {
    for (std::int64_t s = used; s < n_slots; ++s) {
      for (std::size_t i = 0; i < nw; ++i)
        if (!std::isnan(work[i * std::size_t(n_slots) + std::size_t(s)])) return false;
      for (std::size_t i = 0; i < ni; ++i)
        if (iwork[i * std::size_t(n_slots) + std::size_t(s)] != -7) return false;
      for (std::size_t i = 0; i < nb; ++i)
        if (bwork[i * std::size_t(n_slots) + std::size_t(s)] != 0xAB) return false;
    }
    return true;
  }
};

hfx::hypotest_op_interleaved make_op(const hfx::batch_view& b, const hfx::hypotest_settings& st,
                                     const std::vector<std::uint8_t>& local) {
  hfx::hypotest_op_interleaved op;
  op.b = b;
  op.mu_test = 1.0;
  op.settings = st;
  op.local = local.data();
  return op;
}

struct launch_shape {
  std::int64_t grid, block, n_slots;  // n_slots >= grid * block
};

// The records of every launch shape against the CPU backend (plain hypotest_op on threads),
// bit for bit.
void expect_interleaved_matches_cpu(const hfx::model_batch& mb, const std::vector<launch_shape>& shapes) {
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto reference = hfx::cpu_batch_hypotest(b, 1.0, st, 2);
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  for (const launch_shape& sh : shapes) {
    SCOPED_TRACE("grid " + std::to_string(sh.grid) + " block " + std::to_string(sh.block) + " slots " +
                 std::to_string(sh.n_slots) + " items " + std::to_string(b.n_hyp));
    const hfx::launch_config cfg{sh.grid, sh.block};
    ASSERT_LE(cfg.threads(), sh.n_slots);
    interleaved_scratch sc(b.s, sh.n_slots);
    hfx::hypotest_op_interleaved op = make_op(b, st, local);
    sc.attach(op);
    std::vector<hfx::hypotest_record> out(std::size_t(b.n_hyp));
    op.out = out.data();
    hfx::emulate_launch(cfg, b.n_hyp, op);
    EXPECT_TRUE(sc.guard_intact());
    EXPECT_TRUE(sc.unused_slots_untouched(std::min<std::int64_t>(cfg.threads(), b.n_hyp)));
    for (std::int32_t h = 0; h < b.n_hyp; ++h)
      EXPECT_TRUE(hfx::test::records_identical(out[h], reference[h])) << "hypothesis " << h;
  }
}

TEST(InterleavedOp, MatchesCpuBackendOnSbottom) {
  // 7 hypotheses: one slot for all; fewer threads than items (the grid-stride loop reuses
  // slots); more slots than threads; more threads than items (idle threads).
  expect_interleaved_matches_cpu(hfx::test::sbottom_batch(7, 30),
                                 {{1, 1, 1}, {1, 2, 2}, {2, 3, 6}, {2, 2, 9}, {3, 4, 12}});
}

TEST(InterleavedOp, MatchesCpuBackendOnStaus) {
  // Staus patches make several batches (different structures, 120 parameters).
  const auto batches = hfx::test::staus_batches(6, 9);
  ASSERT_GE(batches.size(), 1u);
  for (const auto& mb : batches) expect_interleaved_matches_cpu(mb, {{1, 1, 1}, {1, 2, 3}, {2, 4, 8}});
}

TEST(InterleavedOp, ChunkedLikeTheCudaBackend) {
  // cuda_batch_hypotest_interleaved's control flow with the emulator in place of the
  // launches: 7 hypotheses in chunks of 3 on 2-thread blocks, two buffer sets of
  // slots_for_chunk slots (the stride), the last chunk's launch using fewer slots.
  const hfx::model_batch mb = hfx::test::sbottom_batch(7, 30);
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto reference = hfx::cpu_batch_hypotest(b, 1.0, st, 2);
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  const std::int64_t chunk = 3, block = 2, slots = hfx::slots_for_chunk(chunk, block);
  interleaved_scratch sets[2] = {interleaved_scratch(b.s, slots), interleaved_scratch(b.s, slots)};
  std::vector<hfx::hypotest_record> set_out[2] = {std::vector<hfx::hypotest_record>(chunk),
                                                  std::vector<hfx::hypotest_record>(chunk)};
  std::vector<hfx::hypotest_record> out(std::size_t(b.n_hyp));
  const auto plan = hfx::plan_chunks(b.n_hyp, chunk, block);
  ASSERT_EQ(plan.size(), 3u);
  for (const auto& L : plan) {
    hfx::hypotest_op_interleaved o = make_op(b, st, local);
    sets[L.set].attach(o);
    o.hyp0 = L.start;
    o.out = set_out[L.set].data();
    hfx::emulate_launch(L.cfg, L.count, o);
    std::copy(set_out[L.set].begin(), set_out[L.set].begin() + L.count, out.begin() + L.start);
  }
  for (const auto& s : sets) EXPECT_TRUE(s.guard_intact());
  for (std::int32_t h = 0; h < b.n_hyp; ++h)
    EXPECT_TRUE(hfx::test::records_identical(out[h], reference[h])) << "hypothesis " << h;
}

TEST(InterleavedOp, ItemsWithTheirOwnHypothesisAndMu) {
  // item_hyp / item_mu: item k is hypothesis hyp[k] at mu[k]; its record is hypotest_one's
  // with plain scratch.
  const hfx::model_batch mb = hfx::test::sbottom_batch(4, 50);
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const std::vector<std::uint8_t> local = hfx::local_components(b.s);
  const std::vector<std::int32_t> hyp = {3, 0, 3, 2, 1};
  const std::vector<double> mu = {1.0, 0.5, 2.0, 0.0, 1.5};
  interleaved_scratch sc(b.s, 2);
  hfx::hypotest_op_interleaved op = make_op(b, st, local);
  sc.attach(op);
  op.item_hyp = hyp.data();
  op.item_mu = mu.data();
  std::vector<hfx::hypotest_record> out(hyp.size());
  op.out = out.data();
  hfx::emulate_launch(hfx::launch_config{1, 2}, std::int64_t(hyp.size()), op);
  std::vector<double> w(hfx::hypotest_work_size(b.s));
  std::vector<int> iw(hfx::hypotest_iwork_size(b.s));
  std::vector<std::uint8_t> bw(hfx::hypotest_bwork_size(b.s));
  for (std::size_t k = 0; k < hyp.size(); ++k) {
    const hfx::hypotest_record r = hfx::hypotest_one(b.hyp(hyp[k]), mu[k], st, local.data(), w.data(), iw.data(), bw.data());
    EXPECT_TRUE(hfx::test::records_identical(out[k], r)) << "item " << k;
  }
}

// ---- the CUDA entry point ---------------------------------------------------------------

#define REQUIRE_GPU()                                                                              \
  do {                                                                                             \
    if (hfx::cuda_device_count() == 0)                                                             \
      GTEST_SKIP() << "no CUDA device (" << hfx::cuda_device_description()                          \
                   << "): interleaved GPU tests skipped; run bench/device_check.sh on a GPU machine"; \
  } while (0)

// After full fits CPU and GPU minima agree to the fit tolerance (Newton decrement 1e-10 in
// twice_nll); CLs then agree to 1e-7 (test_cuda_backend.cpp, issue 5's criterion).
constexpr double fitted_nll_abs_tol = 1e-7;
constexpr double cls_abs_tol = 1e-7;

TEST(CudaInterleaved, FailsCleanlyWithoutDevice) {
  if (hfx::cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present; fallback not exercised";
  const hfx::model_batch mb = hfx::test::sbottom_batch(1);
  EXPECT_THROW(hfx::cuda_batch_hypotest_interleaved(mb.view(), 1.0, hfx::hypotest_settings{}), hfx::error);
}

void expect_gpu_matches_cpu(const hfx::model_batch& mb, const char* name) {
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto cpu = hfx::cpu_batch_hypotest(b, 1.0, st);
  const auto gpu = hfx::cuda_batch_hypotest_interleaved(b, 1.0, st);
  ASSERT_EQ(cpu.size(), gpu.size());
  for (std::size_t h = 0; h < cpu.size(); ++h) {
    SCOPED_TRACE("hypothesis " + std::to_string(h));
    EXPECT_EQ(gpu[h].valid, 1);
    EXPECT_LE(std::fabs(gpu[h].cls.cls - cpu[h].cls.cls), cls_abs_tol);
    for (int i = 0; i < hfx::n_expected; ++i)
      EXPECT_LE(std::fabs(gpu[h].cls.cls_exp[i] - cpu[h].cls.cls_exp[i]), cls_abs_tol) << "expected " << i;
    for (int k = 0; k < hfx::n_body_fits; ++k) {
      EXPECT_EQ(gpu[h].status[k], cpu[h].status[k]) << "fit " << k;
      EXPECT_LE(std::fabs(gpu[h].twice_nll[k] - cpu[h].twice_nll[k]), fitted_nll_abs_tol) << "fit " << k;
    }
  }
  // Information for the A/B: the contiguous-scratch kernel runs the same operations; device
  // code generation (FMA contraction) may differ between the two instantiations.
  const auto plain = hfx::cuda_batch_hypotest(b, 1.0, st);
  std::size_t same = 0;
  for (std::size_t h = 0; h < gpu.size(); ++h) same += hfx::test::records_identical(gpu[h], plain[h]);
  std::cout << "[ info ] " << name << ": " << same << " of " << gpu.size()
            << " records bit-identical to cuda_batch_hypotest (contiguous scratch)\n";
}

TEST(CudaInterleaved, HypotestsMatchCpuOnSbottom) {
  REQUIRE_GPU();
  expect_gpu_matches_cpu(hfx::test::sbottom_batch(24, 9), "sbottom");
}

TEST(CudaInterleaved, HypotestsMatchCpuOnStaus) {
  REQUIRE_GPU();
  for (const auto& mb : hfx::test::staus_batches(8, 7)) expect_gpu_matches_cpu(mb, "staus");
}

TEST(CudaInterleaved, ChunkingAndStreamsGiveTheSameRecords) {
  REQUIRE_GPU();
  // 3 hypotheses per launch on 2-thread blocks: 4 chunks, alternating streams and buffer
  // sets, stride 4 instead of the whole batch's.
  const hfx::model_batch mb = hfx::test::sbottom_batch(10, 21);
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto whole = hfx::cuda_batch_hypotest_interleaved(mb.view(), 1.0, st);
  hfx::cuda_options small;
  small.max_in_flight = 3;
  small.block_size = 2;
  const auto chunked = hfx::cuda_batch_hypotest_interleaved(mb.view(), 1.0, st, small);
  ASSERT_EQ(whole.size(), chunked.size());
  for (std::size_t h = 0; h < whole.size(); ++h)
    EXPECT_TRUE(hfx::test::records_identical(whole[h], chunked[h])) << "hypothesis " << h;
}

TEST(CudaInterleaved, NoPoiAndBadDeviceAreErrors) {
  REQUIRE_GPU();
  const hfx::model_batch mb = hfx::test::sbottom_batch(1);
  hfx::cuda_options o;
  o.device = 99;
  EXPECT_THROW(hfx::cuda_batch_hypotest_interleaved(mb.view(), 1.0, hfx::hypotest_settings{}, o), hfx::error);
  hfx::batch_view b = mb.view();
  b.s.poi = -1;
  EXPECT_THROW(hfx::cuda_batch_hypotest_interleaved(b, 1.0, hfx::hypotest_settings{}), hfx::model_error);
}

}  // namespace
