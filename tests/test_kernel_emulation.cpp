// The CUDA kernels' bodies run on the CPU through the launch emulator (launch_emulator.hpp):
// grid-stride indexing over (block, thread), per-slot scratch memory, and the batched
// operations' results against the CPU backend and direct calls of the math.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "batch_fixture.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/batch_ops.hpp"
#include "hfx/launch_emulator.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/math/rates.hpp"

namespace {

// Records which slot handled each item, in order.
struct trace_body {
  std::int64_t* handled_by;   // n: slot of the item (-1 = not handled)
  std::int64_t* count;        // n: times the item was handled
  std::int64_t* last_item;    // slots: last item of the slot (for the order check)
  int* order_ok;
  void operator()(std::int64_t i, std::int64_t slot) const {
    handled_by[i] = slot;
    count[i] += 1;
    if (last_item[slot] >= i) *order_ok = 0;
    last_item[slot] = i;
  }
};

TEST(KernelEmulation, GridStrideCoversEveryItemOnce) {
  const hfx::launch_config configs[] = {{1, 1}, {2, 3}, {3, 32}, {5, 7}, {1, 64}};
  for (const auto& cfg : configs) {
    for (std::int64_t n : {0, 1, 5, 21, 100, 1000}) {
      SCOPED_TRACE("grid " + std::to_string(cfg.grid) + " block " + std::to_string(cfg.block) + " n " +
                   std::to_string(n));
      std::vector<std::int64_t> by(std::size_t(n), -1), count(std::size_t(n), 0);
      std::vector<std::int64_t> last(std::size_t(cfg.threads()), -1);
      int order_ok = 1;
      hfx::emulate_launch(cfg, n, trace_body{by.data(), count.data(), last.data(), &order_ok});
      EXPECT_EQ(order_ok, 1);
      for (std::int64_t i = 0; i < n; ++i) {
        EXPECT_EQ(count[i], 1) << "item " << i;
        EXPECT_EQ(by[i], i % cfg.threads()) << "item " << i;  // slot = global thread index
      }
    }
  }
}

TEST(KernelEmulation, LaunchForSizesTheGrid) {
  for (std::int64_t n : {1, 7, 64, 65, 1000})
    for (std::int64_t cap : {1, 10, 64, 100000})
      for (std::int64_t block : {1, 32, 64}) {
        const hfx::launch_config c = hfx::launch_for(n, cap, block);
        const std::int64_t want = std::min(n, cap);
        EXPECT_EQ(c.block, block);
        EXPECT_GE(c.threads(), want);               // enough threads for one item each (up to cap)
        EXPECT_LT(c.threads() - want, block);       // no block without work
      }
}

// Scratch with a guard region after the slots: the bodies must stay inside their slot.
constexpr double guard_value = -1234.5;
constexpr std::size_t guard_len = 4096;

bool guard_intact(const std::vector<double>& w, std::size_t used) {
  for (std::size_t i = used; i < w.size(); ++i)
    if (w[i] != guard_value) return false;
  return true;
}

TEST(KernelEmulation, ChunkPlanCoversTheBatch) {
  for (std::int64_t n : {1, 5, 7, 64, 1000})
    for (std::int64_t chunk : {1, 3, 64, 5000})
      for (std::int64_t block : {1, 2, 64}) {
        SCOPED_TRACE("n " + std::to_string(n) + " chunk " + std::to_string(chunk) + " block " + std::to_string(block));
        const auto plan = hfx::plan_chunks(n, chunk, block);
        std::int64_t next = 0;
        for (std::size_t c = 0; c < plan.size(); ++c) {
          EXPECT_EQ(plan[c].start, next);
          EXPECT_GE(plan[c].count, 1);
          EXPECT_LE(plan[c].count, chunk);
          EXPECT_EQ(plan[c].set, n > chunk ? int(c % 2) : 0);  // alternating buffer sets / streams
          EXPECT_LE(plan[c].cfg.threads(), hfx::slots_for_chunk(chunk, block));  // scratch slots allocated
          EXPECT_GE(plan[c].cfg.threads(), plan[c].count);  // one thread per hypothesis
          next += plan[c].count;
        }
        EXPECT_EQ(next, n);
      }
  EXPECT_TRUE(hfx::plan_chunks(0, 3, 2).empty());
}

TEST(KernelEmulation, HypotestKernelMatchesCpuBackend) {
  // The CUDA backend's control flow (cuda_batch_hypotest) with the emulator in place of the
  // launches: seven hypotheses in chunks of 3 on 2-thread blocks, two buffer sets.
  const hfx::model_batch mb = hfx::test::sbottom_batch(7, 30);
  const hfx::batch_view b = mb.view();
  const hfx::hypotest_settings st = hfx::to_settings(hfx::hypotest_options{});
  const auto reference = hfx::cpu_batch_hypotest(b, 1.0, st, 2);

  const std::int64_t chunk = 3, block = 2, slots = hfx::slots_for_chunk(chunk, block);
  std::vector<std::uint8_t> local(std::size_t(b.s.n_pars));
  std::vector<int> bin_count(std::size_t(b.s.n_bins));
  hfx::mark_local_components(b.s, local.data(), bin_count.data());
  hfx::hypotest_op op;
  op.b = b;
  op.mu_test = 1.0;
  op.settings = st;
  op.local = local.data();
  op.work_stride = hfx::hypotest_work_size(b.s);
  op.iwork_stride = hfx::hypotest_iwork_size(b.s);
  op.bwork_stride = hfx::hypotest_bwork_size(b.s);
  // Per set: scratch that starts as NaN garbage (the body must not rely on zeroed memory)
  // followed by a guard region, and the chunk's records.
  struct buffer_set {
    std::vector<double> work;
    std::vector<int> iwork;
    std::vector<std::uint8_t> bwork;
    std::vector<hfx::hypotest_record> out;
  } sets[2];
  for (auto& bs : sets) {
    bs.work.assign(op.work_stride * slots + guard_len, std::numeric_limits<double>::quiet_NaN());
    std::fill(bs.work.begin() + op.work_stride * slots, bs.work.end(), guard_value);
    bs.iwork.assign(op.iwork_stride * slots, -7);
    bs.bwork.assign(op.bwork_stride * slots, 0xAB);
    bs.out.resize(std::size_t(chunk));
  }
  std::vector<hfx::hypotest_record> out(std::size_t(b.n_hyp));
  const auto plan = hfx::plan_chunks(b.n_hyp, chunk, block);
  ASSERT_EQ(plan.size(), 3u);
  for (const auto& L : plan) {
    buffer_set& bs = sets[L.set];
    hfx::hypotest_op o = op;
    o.hyp0 = L.start;
    o.work = bs.work.data();
    o.iwork = bs.iwork.data();
    o.bwork = bs.bwork.data();
    o.out = bs.out.data();
    hfx::emulate_launch(L.cfg, L.count, o);
    std::copy(bs.out.begin(), bs.out.begin() + L.count, out.begin() + L.start);  // the copy-back
  }
  for (const auto& bs : sets) EXPECT_TRUE(guard_intact(bs.work, op.work_stride * slots));
  for (std::int32_t h = 0; h < b.n_hyp; ++h)
    EXPECT_TRUE(hfx::test::records_identical(out[h], reference[h])) << "hypothesis " << h;
}

// Random points inside the box and observed data for every hypothesis.
void random_points(const hfx::batch_view& b, std::uint32_t seed, std::vector<double>& pars,
                   std::vector<double>& data) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  const int P = b.s.n_pars, B = b.s.n_bins, A = b.s.n_aux;
  pars.resize(std::size_t(b.n_hyp) * P);
  data.resize(std::size_t(b.n_hyp) * (B + A));
  for (int h = 0; h < b.n_hyp; ++h) {
    const hfx::model_view m = b.hyp(h);
    for (int i = 0; i < P; ++i) {
      // Near the inits (within 30% of the box, clipped), where the rates stay positive.
      const double x = m.init[i] + 0.3 * u(rng) * std::fmin(1.0, m.hi[i] - m.lo[i]);
      pars[std::size_t(h) * P + i] = m.fixed[i] ? m.init[i] : std::fmin(std::fmax(x, m.lo[i]), m.hi[i]);
    }
    for (int k = 0; k < B; ++k) data[std::size_t(h) * (B + A) + k] = m.obs[k];
    for (int k = 0; k < A; ++k) data[std::size_t(h) * (B + A) + B + k] = m.aux_obs[k];
  }
}

TEST(KernelEmulation, EvalKernelMatchesDirectCalls) {
  const hfx::model_batch mb = hfx::test::sbottom_batch(5, 20);
  const hfx::batch_view b = mb.view();
  std::vector<double> pars, data;
  random_points(b, 17, pars, data);
  const int P = b.s.n_pars, D = b.s.n_bins + b.s.n_aux;
  const std::size_t n = std::size_t(b.n_hyp);

  const hfx::launch_config cfg{1, 2};  // two threads for five hypotheses
  hfx::eval_op op;
  op.b = b;
  op.pars = pars.data();
  op.data = data.data();
  op.work_stride = hfx::nll_work_size(b.s);
  std::vector<double> work(op.work_stride * cfg.threads() + guard_len, std::numeric_limits<double>::quiet_NaN());
  std::fill(work.begin() + op.work_stride * cfg.threads(), work.end(), guard_value);
  op.work = work.data();
  std::vector<double> nll(n), nll_gh(n), grad(n * P), hess(n * P * P), expd(n * D);
  op.twice_nll = nll.data();
  op.twice_nll_gh = nll_gh.data();
  op.grad = grad.data();
  op.hess = hess.data();
  op.expected = expd.data();
  hfx::emulate_launch(cfg, std::int64_t(n), op);
  EXPECT_TRUE(guard_intact(work, op.work_stride * cfg.threads()));

  const hfx::batch_eval_result cpu = hfx::cpu_batch_evaluate(b, pars, data, 2);
  std::vector<double> w(hfx::nll_work_size(b.s)), g(P), H(std::size_t(P) * P), e(D);
  for (std::size_t h = 0; h < n; ++h) {
    const hfx::model_view m = b.hyp(std::int32_t(h));
    const double* x = pars.data() + h * P;
    const double* d = data.data() + h * D;
    const double v = hfx::twice_nll(m, x, d, w.data());
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_EQ(nll[h], v);
    EXPECT_EQ(cpu.twice_nll[h], v);
    const double vgh = hfx::twice_nll_grad_hess(m, x, d, g.data(), H.data(), w.data());
    EXPECT_EQ(nll_gh[h], vgh);
    EXPECT_EQ(cpu.twice_nll_gh[h], vgh);
    for (int i = 0; i < P; ++i) {
      EXPECT_EQ(grad[h * P + i], g[i]);
      EXPECT_EQ(cpu.grad[h * P + i], g[i]);
    }
    for (std::size_t k = 0; k < std::size_t(P) * P; ++k) {
      EXPECT_EQ(hess[h * P * P + k], H[k]);
      EXPECT_EQ(cpu.hess[h * P * P + k], H[k]);
    }
    hfx::expected_data(m, x, e.data(), w.data());
    for (int k = 0; k < D; ++k) {
      EXPECT_EQ(expd[h * D + k], e[k]);
      EXPECT_EQ(cpu.expected[h * D + k], e[k]);
    }
  }
}

}  // namespace
