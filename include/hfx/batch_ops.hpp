// hfx/batch_ops.hpp - the batched operations as index-space bodies (DESIGN.md section 4):
// each operation is a trivially copyable functor whose HFX_HD operator()(index, slot) does
// the work of one item (a hypothesis) with the scratch memory of `slot` (the executing
// thread). The CUDA kernels run them with grid_stride_loop over (block, thread); the CPU
// backend with parallel_for (slot = worker thread); the CPU tests with the launch emulator
// (launch_emulator.hpp), so that the kernels' indexing is tested without a GPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hfx/config.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/math/rates.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// A launch configuration as the kernel sees it (CUDA: blockIdx.x, threadIdx.x, gridDim.x,
// blockDim.x).
struct launch_index {
  std::int64_t block, thread, grid_dim, block_dim;
  HFX_HDI std::int64_t slot() const { return block * block_dim + thread; }
  HFX_HDI std::int64_t stride() const { return grid_dim * block_dim; }
};

// The body of every grid-stride kernel: thread `li` handles items slot, slot + stride, ...
// of [0, n), one after the other, with the scratch memory of its slot.
template <class Body>
HFX_HDI void grid_stride_loop(const launch_index& li, std::int64_t n, const Body& body) {
  const std::int64_t slot = li.slot();
  for (std::int64_t i = slot; i < n; i += li.stride()) body(i, slot);
}

// One hypothesis test per item: items [0, n) are hypotheses hyp0 + i of the batch.
struct hypotest_op {
  batch_view b;
  double mu_test = 1.0;
  hypotest_settings settings;
  const std::uint8_t* local = nullptr;   // mark_local_components(b.s), n_pars
  double* work = nullptr;                // slots * work_stride
  int* iwork = nullptr;                  // slots * iwork_stride
  std::uint8_t* bwork = nullptr;         // slots * bwork_stride
  std::size_t work_stride = 0, iwork_stride = 0, bwork_stride = 0;
  std::int64_t hyp0 = 0;
  hypotest_record* out = nullptr;        // n records (item i -> out[i])

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const model_view m = b.hyp(std::int32_t(hyp0 + i));
    out[i] = hypotest_one(m, mu_test, settings, local, work + slot * work_stride, iwork + slot * iwork_stride,
                          bwork + slot * bwork_stride);
  }
};

// Point evaluations per hypothesis i at pars (n_pars) with data (n_bins + n_aux):
// twice_nll, twice_nll_grad_hess (value, gradient n_pars, Hessian n_pars^2) and
// expected_data (n_bins + n_aux). Any output pointer may be null (skipped).
struct eval_op {
  batch_view b;
  const double* pars = nullptr;          // n_hyp * n_pars
  const double* data = nullptr;          // n_hyp * (n_bins + n_aux)
  double* work = nullptr;                // slots * work_stride (nll_work_size)
  std::size_t work_stride = 0;
  double* twice_nll = nullptr;           // n_hyp
  double* twice_nll_gh = nullptr;        // n_hyp: the value twice_nll_grad_hess returns
  double* grad = nullptr;                // n_hyp * n_pars
  double* hess = nullptr;                // n_hyp * n_pars^2
  double* expected = nullptr;            // n_hyp * (n_bins + n_aux)

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const model_view m = b.hyp(std::int32_t(i));
    const std::int64_t P = b.s.n_pars, D = std::int64_t(b.s.n_bins) + b.s.n_aux;
    const double* x = pars + i * P;
    const double* d = data + i * D;
    double* w = work + slot * work_stride;
    if (twice_nll) twice_nll[i] = hfx::twice_nll(m, x, d, w);
    if (grad) {
      const double v = twice_nll_grad_hess(m, x, d, grad + i * P, hess ? hess + i * P * P : nullptr, w);
      if (twice_nll_gh) twice_nll_gh[i] = v;
    }
    if (expected) expected_data(m, x, expected + i * D, w);
  }
};

static_assert(std::is_trivially_copyable_v<launch_index>);
static_assert(std::is_trivially_copyable_v<hypotest_op>);
static_assert(std::is_trivially_copyable_v<eval_op>);

}  // namespace hfx
