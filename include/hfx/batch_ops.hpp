// hfx/batch_ops.hpp - the batched operations as index-space bodies (DESIGN.md section 4):
// each operation is a trivially copyable functor whose HFX_HD operator()(index, slot) does
// the work of one item (a hypothesis) with the scratch memory of `slot` (the executing
// thread). The CUDA kernels run them with grid_stride_loop over (block, thread); the CPU
// backend with parallel_for (slot = worker thread); the CPU tests with the launch emulator
// (launch_emulator.hpp), so that the kernels' indexing is tested without a GPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "hfx/config.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/math/newton.hpp"
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

// One hypothesis test per item. By default items [0, n) are hypotheses hyp0 + i of the
// batch, all tested at mu_test. With item_hyp, item i tests hypothesis item_hyp[i]; with
// item_mu, at POI value item_mu[i] (so one launch can test one hypothesis at many POI
// values, as the limit search needs). Each item runs the whole test (hypotest_one: the
// mu-independent fits, then the two fits at its mu, warm-started from the free fits), so
// items are independent: an item's record is that of hypotest_engine's first at(mu).
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
  const std::int32_t* item_hyp = nullptr;  // n: hypothesis of item i (null: hyp0 + i)
  const double* item_mu = nullptr;         // n: POI value of item i (null: mu_test)
  hypotest_record* out = nullptr;        // n records (item i -> out[i])

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const std::int32_t h = item_hyp ? item_hyp[i] : std::int32_t(hyp0 + i);
    const model_view m = b.hyp(h);
    out[i] = hypotest_one(m, item_mu ? item_mu[i] : mu_test, settings, local, work + slot * work_stride,
                          iwork + slot * iwork_stride, bwork + slot * bwork_stride);
  }
};

// ---- Hypothesis tests in two steps: the mu-independent fits once per hypothesis, then any
// number of (hypothesis, mu) items (limits: ~10-30 POI values per hypothesis). An item's
// record is bit for bit that of hypotest_one(hyp, mu) (the same fits from the same starts:
// the fixed-POI fits warm-start from the free fits), at 2 fits per item instead of 5.

// Doubles kept per hypothesis between the two steps: the observed and Asimov data and the
// free, Asimov-defining and Asimov-free best-fit points.
HFX_HDI std::size_t hypotest_keep_size(const model_structure& s) {
  return 2 * (std::size_t(s.n_bins) + std::size_t(s.n_aux)) + 3 * std::size_t(s.n_pars);
}

// What both steps share: the batch, the settings, per-slot scratch and the kept state of
// every hypothesis (hypotest_keep_size doubles + the prepared record).
struct hypotest_session_view {
  batch_view b;
  hypotest_settings settings;
  const std::uint8_t* local = nullptr;   // mark_local_components(b.s), n_pars
  double* work = nullptr;                // slots * work_stride (hypotest_work_size)
  int* iwork = nullptr;                  // slots * iwork_stride (hypotest_iwork_size)
  std::uint8_t* bwork = nullptr;         // slots * bwork_stride (hypotest_bwork_size)
  std::size_t work_stride = 0, iwork_stride = 0, bwork_stride = 0;
  double* keep = nullptr;                // n_hyp * keep_stride (hypotest_keep_size); step 2 only reads it
  std::size_t keep_stride = 0;
  hypotest_record* base = nullptr;       // n_hyp prepared records; step 2 only reads them

  // Hypothesis h's state in slot `slot`: the kept parts (data, Asimov data, free /
  // Asimov-defining / Asimov-free best-fit points) in keep, the rest in the slot's scratch.
  HFX_HDI hypotest_state slot_state(const model_structure& s, std::int64_t h, std::int64_t slot) const {
    const std::size_t P = std::size_t(s.n_pars), D = std::size_t(s.n_bins) + std::size_t(s.n_aux);
    hypotest_state st = make_hypotest_state(s, work + slot * work_stride, iwork + slot * iwork_stride,
                                            bwork + slot * bwork_stride);
    st.data = keep + h * std::int64_t(keep_stride);
    st.asimov = st.data + D;
    st.x_free = st.asimov + D;
    st.x_adef = st.x_free + P;
    st.x_afree = st.x_adef + P;
    return st;
  }
};

// Step 1, item i = hypothesis hyp0 + i: hypotest_prepare into its kept state and base[h]
// (fits 0..2, muhat, muhat_asimov; valid = 0 without POI).
struct hypotest_prepare_op {
  hypotest_session_view v;
  std::int64_t hyp0 = 0;

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const std::int64_t h = hyp0 + i;
    const model_view m = v.b.hyp(std::int32_t(h));
    hypotest_record r{};
    r.valid = m.s.poi >= 0 ? 1 : 0;
    if (r.valid) {
      hypotest_state st = v.slot_state(m.s, h, slot);
      hypotest_prepare(m, v.settings, v.local, st, r);
    }
    v.base[h] = r;
  }
};

// Step 2, item i = hypothesis item_hyp[i] at POI value item_mu[i], after hypotest_prepare_op
// on every hypothesis an item names (the kept state and base are only read).
struct hypotest_at_op {
  hypotest_session_view v;
  const std::int32_t* item_hyp = nullptr;
  const double* item_mu = nullptr;
  // Optional warm starts, 2 * n_pars per item: the fit to data then the fit to Asimov data
  // at a nearby POI value (the engine's warm start from the previous mu). Null, or NaN in
  // an item's first entry: start from the free fits (then the record is hypotest_one's).
  const double* item_start = nullptr;
  double* item_x = nullptr;              // optional, n * 2 * n_pars: the fitted points
  hypotest_record* out = nullptr;        // n (item i -> out[i])

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const std::int32_t h = item_hyp[i];
    const model_view m = v.b.hyp(h);
    hypotest_record r = v.base[h];
    r.mu_test = item_mu[i];
    if (r.valid) {
      // hypotest_at only reads the kept parts; the warm starts it moves (x_mu, x_amu) are
      // this slot's copies.
      hypotest_state st = v.slot_state(m.s, h, slot);
      const int P = m.s.n_pars;
      const double* x0 = item_start ? item_start + i * 2 * std::int64_t(P) : nullptr;
      if (x0 && !isnan(x0[0])) {
        for (int k = 0; k < P; ++k) st.x_mu[k] = x0[k];
        for (int k = 0; k < P; ++k) st.x_amu[k] = x0[P + k];
      } else {
        for (int k = 0; k < P; ++k) st.x_mu[k] = st.x_free[k];
        for (int k = 0; k < P; ++k) st.x_amu[k] = st.x_afree[k];
      }
      hypotest_at(m, item_mu[i], v.settings, v.local, st, r);
      if (item_x) {
        double* xo = item_x + i * 2 * std::int64_t(P);
        for (int k = 0; k < P; ++k) xo[k] = st.x_mu[k];
        for (int k = 0; k < P; ++k) xo[P + k] = st.x_amu[k];
      }
    }
    out[i] = r;
  }
};

// Doubles of scratch per fit_op slot: the fitter's work and room for the observed data.
HFX_HDI std::size_t fit_op_work_size(const model_structure& s) {
  return fit_work_size(s) + std::size_t(s.n_bins) + std::size_t(s.n_aux);
}

// One maximum-likelihood fit per item (fit_one, math/newton.hpp): item i fits hypothesis
// item_hyp[i] (null: hyp0 + i) to the data vector data + i * (n_bins + n_aux) (null: the
// hypothesis' observed data and auxiliary data), from start + i * n_pars (null: the
// hypothesis' inits), holding fixed the components of fixed + i * n_pars (null: the
// hypothesis' fixed mask) and, when fixed_poi[i] (or fixed_poi_value for all items) is not
// NaN, the POI at that value. Writes the best-fit point to x + i * n_pars and the outcome
// (twice_nll, iterations, status, at_bound) to out[i]. With the same start and mask it is
// fit_model() (fit.hpp) of that hypothesis, bit for bit.
struct fit_op {
  batch_view b;
  fit_settings settings;
  const std::uint8_t* local = nullptr;     // mark_local_components(b.s), n_pars
  double* work = nullptr;                  // slots * work_stride (fit_op_work_size)
  int* iwork = nullptr;                    // slots * iwork_stride (fit_iwork_size)
  std::uint8_t* bwork = nullptr;           // slots * bwork_stride (n_pars: the fit's fixed mask)
  std::size_t work_stride = 0, iwork_stride = 0, bwork_stride = 0;
  std::int64_t hyp0 = 0;
  const std::int32_t* item_hyp = nullptr;  // n (null: hyp0 + i)
  const double* data = nullptr;            // n * (n_bins + n_aux) (null: observed)
  const double* start = nullptr;           // n * n_pars (null: inits)
  const std::uint8_t* fixed = nullptr;     // n * n_pars (null: the hypothesis' mask)
  const double* fixed_poi = nullptr;       // n: POI value or NaN = free (null: fixed_poi_value)
  double fixed_poi_value = std::numeric_limits<double>::quiet_NaN();  // NaN: POI free (unless fixed by the mask)
  double* x = nullptr;                     // n * n_pars: best-fit points
  fit_outcome* out = nullptr;              // n

  HFX_HDI void operator()(std::int64_t i, std::int64_t slot) const {
    const std::int32_t h = item_hyp ? item_hyp[i] : std::int32_t(hyp0 + i);
    const model_view m = b.hyp(h);
    const int P = m.s.n_pars, B = m.s.n_bins, A = m.s.n_aux;
    double* w = work + slot * work_stride;
    std::uint8_t* fx = bwork + slot * bwork_stride;
    double* xi = x + i * P;
    // The observed data vector lives in the fit's scratch, after fit_work_size doubles.
    const double* d = data ? data + i * (std::int64_t(B) + A) : nullptr;
    if (!d) {
      double* obs = w + fit_work_size(m.s);
      for (int k = 0; k < B; ++k) obs[k] = m.obs[k];
      for (int k = 0; k < A; ++k) obs[B + k] = m.aux_obs[k];
      d = obs;
    }
    const std::uint8_t* f0 = fixed ? fixed + i * P : m.fixed;
    const double* x0 = start ? start + i * P : m.init;
    for (int k = 0; k < P; ++k) {
      fx[k] = f0[k];
      xi[k] = x0[k];
    }
    const double poi_value = fixed_poi ? fixed_poi[i] : fixed_poi_value;
    if (m.s.poi >= 0 && !isnan(poi_value)) {
      fx[m.s.poi] = 1;
      xi[m.s.poi] = poi_value;
    }
    out[i] = fit_one(m, d, fx, local, xi, settings, w, iwork + slot * iwork_stride);
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
static_assert(std::is_trivially_copyable_v<fit_op>);
static_assert(std::is_trivially_copyable_v<hypotest_session_view>);
static_assert(std::is_trivially_copyable_v<hypotest_prepare_op>);
static_assert(std::is_trivially_copyable_v<hypotest_at_op>);
static_assert(std::is_trivially_copyable_v<fit_outcome>);

}  // namespace hfx
