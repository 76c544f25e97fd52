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
#include <vector>

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

// One hypothesis test per hypothesis of b (host memory) at POI value mu_test on the GPU;
// the same records as the CPU backend (batch_hypotest.hpp). Throws hfx::error when CUDA is
// unavailable or a CUDA call fails (message with file:line), model_error without POI.
std::vector<hypotest_record> cuda_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                 const cuda_options& opt = {});

// eval_op for every hypothesis on the GPU: pars (n_hyp * n_pars), data (n_hyp * (n_bins + n_aux)).
batch_eval_result cuda_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                      const std::vector<double>& data, const cuda_options& opt = {});

}  // namespace hfx
