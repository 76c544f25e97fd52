// hfx/cuda_backend.hpp - the CUDA backend's host API (kernels/batch_hypotest.cu). Safe to
// include and call in builds without CUDA: the functions then throw hfx::error
// (host/cuda_backend_stub.cpp). Use cuda_device_count() (cuda_device.hpp) to decide.
//
// Device model: the batch's structure arrays and its shared value pool are copied once;
// the stacked per-hypothesis arrays (block_value_offset, aux_scale, obs, aux_obs, init,
// lo, hi, fixed) follow, so a hypothesis' view is the batch_view's hyp(h) on device memory.
// Work memory (hypotest_work_size per hypothesis in flight) is sized from cudaMemGetInfo;
// hypotheses run in chunks on two streams (one thread per hypothesis, grid-stride loop),
// results come back into a pinned host buffer while the next chunk computes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

struct cuda_options {
  int device = 0;
  int block_size = 64;                // threads per block
  std::int64_t max_in_flight = 0;     // hypotheses per chunk (0 = sized from free device memory)
  double memory_fraction = 0.7;       // of the free device memory that work buffers may use
};

// Point evaluations of a batch (batch_ops.hpp eval_op), host copies.
struct batch_eval_result {
  std::vector<double> twice_nll;      // n_hyp
  std::vector<double> twice_nll_gh;   // n_hyp (value returned by twice_nll_grad_hess)
  std::vector<double> grad;           // n_hyp * n_pars
  std::vector<double> hess;           // n_hyp * n_pars^2
  std::vector<double> expected;       // n_hyp * (n_bins + n_aux)
};

// Inputs of a batch of fits (batch_ops.hpp fit_op), one entry per item; an empty vector
// takes the default for every item.
struct fit_items {
  std::int64_t n = -1;                 // items; -1: hyp.size() when given, else b.n_hyp
  std::vector<std::int32_t> hyp;       // n: hypothesis of each item (default: item i = hypothesis i)
  std::vector<double> data;            // n * (n_bins + n_aux) (default: the observed data)
  std::vector<double> start;           // n * n_pars (default: the hypothesis' inits)
  std::vector<std::uint8_t> fixed;     // n * n_pars (default: the hypothesis' fixed mask)
  std::vector<double> fixed_poi;       // n: POI held at this value, NaN = free (default: free)
};

// Results of a batch of fits, host copies.
struct batch_fit_result {
  std::vector<double> x;               // n * n_pars: best-fit points
  std::vector<fit_outcome> outcome;    // n
};

// The number of items of a fit batch; throws hfx::error when an input has the wrong size
// or names a hypothesis outside the batch.
inline std::int64_t fit_item_count(const batch_view& b, const fit_items& it) {
  const std::int64_t n = it.n >= 0 ? it.n : (!it.hyp.empty() ? std::int64_t(it.hyp.size()) : std::int64_t(b.n_hyp));
  const std::size_t un = std::size_t(n), P = std::size_t(b.s.n_pars), D = std::size_t(b.s.n_bins + b.s.n_aux);
  auto bad = [](const char* what) { throw error(std::string("batch fit: ") + what); };
  if (it.hyp.empty() && n > b.n_hyp) bad("more items than hypotheses and no hypothesis index per item");
  if (!it.hyp.empty() && it.hyp.size() != un) bad("hyp must hold one index per item");
  for (std::int32_t h : it.hyp)
    if (h < 0 || h >= b.n_hyp) bad("hypothesis index outside the batch");
  if (!it.data.empty() && it.data.size() != un * D) bad("data must hold n * (n_bins + n_aux) values");
  if (!it.start.empty() && it.start.size() != un * P) bad("start must hold n * n_pars values");
  if (!it.fixed.empty() && it.fixed.size() != un * P) bad("fixed must hold n * n_pars values");
  if (!it.fixed_poi.empty() && it.fixed_poi.size() != un) bad("fixed_poi must hold one value per item");
  return n;
}

// The number of items of a hypothesis-test batch (item k: hypothesis hyp[k] at mu[k]);
// throws hfx::error on mismatched sizes or an index outside the batch.
inline std::int64_t hypotest_item_count(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                        const std::vector<double>& mu) {
  if (hyp.size() != mu.size()) throw error("batch hypotest: one hypothesis index and one POI value per item");
  for (std::int32_t h : hyp)
    if (h < 0 || h >= b.n_hyp) throw error("batch hypotest: hypothesis index outside the batch");
  return std::int64_t(hyp.size());
}

// One hypothesis test per hypothesis of b (host memory) at POI value mu_test on the GPU;
// the same records as the CPU backend (batch_hypotest.hpp). Throws hfx::error when CUDA is
// unavailable or a CUDA call fails (message with file:line), model_error without POI.
std::vector<hypotest_record> cuda_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                 const cuda_options& opt = {});

// One hypothesis test per item on the GPU: item k tests hypothesis hyp[k] at POI value
// mu[k] (hypotest_op with item_hyp/item_mu); records in item order.
std::vector<hypotest_record> cuda_batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                       const std::vector<double>& mu, const hypotest_settings& st,
                                                       const cuda_options& opt = {});

// One fit per item on the GPU (fit_op); the same results as cpu_batch_fit up to rounding.
batch_fit_result cuda_batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st,
                                const cuda_options& opt = {});

// eval_op for every hypothesis on the GPU: pars (n_hyp * n_pars), data (n_hyp * (n_bins + n_aux)).
batch_eval_result cuda_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                      const std::vector<double>& data, const cuda_options& opt = {});

}  // namespace hfx
