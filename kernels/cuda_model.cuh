// kernels/cuda_model.cuh - the pieces every CUDA entry point of the backend shares: the
// grid-stride kernel that runs a batch_ops.hpp body, the batch's model in device memory,
// sizing launches from free device memory, and device selection. Host code (and the one
// __global__ template); errors throw hfx::error through HFX_CUDA_CHECK, device code never
// throws (DESIGN.md section 4, rule 4).
//
// These are the helpers that kernels/batch_hypotest.cu keeps in its anonymous namespace;
// kernels/interleaved_hypotest.cu uses them from here, and batch_hypotest.cu is to switch
// over (then they exist once).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda_util.cuh"
#include "hfx/batch_ops.hpp"
#include "hfx/cuda_backend.hpp"
#include "hfx/error.hpp"
#include "hfx/model_view.hpp"

namespace hfx::cuda {

// Every kernel of the backend: a grid-stride loop over [0, n) running body(i, slot).
template <class Body>
__global__ void grid_stride_kernel(std::int64_t n, Body body) {
  grid_stride_loop(launch_index{std::int64_t(blockIdx.x), std::int64_t(threadIdx.x), std::int64_t(gridDim.x),
                                std::int64_t(blockDim.x)},
                   n, body);
}

// Length of an index array addressed by [begin, end) ranges of the blocks.
template <class F>
std::size_t range_extent(const model_structure& s, F end_of) {
  std::size_t n = 0;
  for (int b = 0; b < s.n_blocks; ++b) n = std::max(n, std::size_t(std::max(0, end_of(s.blocks[b]))));
  return n;
}

// Length of the value pool that the batch's offsets address.
inline std::size_t pool_extent(const batch_view& b) {
  std::int64_t n = 0;
  for (std::int64_t h = 0; h < b.n_hyp; ++h)
    for (int k = 0; k < b.s.n_blocks; ++k)
      n = std::max(n, b.block_value_offset[h * b.s.n_blocks + k] + block_value_size(b.s.blocks[k]));
  return std::size_t(n);
}

// The batch in device memory: structure arrays and the shared value pool once, the
// per-hypothesis arrays stacked as in host memory (so view.hyp(h) works on the device).
struct device_model {
  device_buffer<sample_block> blocks;
  device_buffer<std::int32_t> histo_comp, normsys_comp, scalar_comp, binwise_comp0, aux_comp;
  device_buffer<std::uint8_t> aux_kind, comp_kind;
  device_buffer<double> values;
  device_buffer<std::int64_t> block_value_offset;
  device_buffer<double> aux_scale, obs, aux_obs, init, lo, hi;
  device_buffer<std::uint8_t> fixed;
  batch_view view;

  explicit device_model(const batch_view& b) {
    const model_structure& s = b.s;
    const std::size_t n = std::size_t(b.n_hyp), P = std::size_t(s.n_pars), A = std::size_t(s.n_aux),
                      B = std::size_t(s.n_bins), K = std::size_t(s.n_blocks);
    blocks = to_device(s.blocks, K);
    histo_comp = to_device(s.histo_comp, range_extent(s, [](const sample_block& x) { return x.histo_end; }));
    normsys_comp = to_device(s.normsys_comp, range_extent(s, [](const sample_block& x) { return x.normsys_end; }));
    scalar_comp = to_device(s.scalar_comp, range_extent(s, [](const sample_block& x) { return x.scalar_end; }));
    binwise_comp0 = to_device(s.binwise_comp0, range_extent(s, [](const sample_block& x) { return x.binwise_end; }));
    aux_comp = to_device(s.aux_comp, A);
    aux_kind = to_device(s.aux_kind, A);
    comp_kind = to_device(s.comp_kind, P);
    values = to_device(b.values, pool_extent(b));
    block_value_offset = to_device(b.block_value_offset, n * K);
    aux_scale = to_device(b.aux_scale, n * A);
    obs = to_device(b.obs, n * B);
    aux_obs = to_device(b.aux_obs, n * A);
    init = to_device(b.init, n * P);
    lo = to_device(b.lo, n * P);
    hi = to_device(b.hi, n * P);
    fixed = to_device(b.fixed, n * P);

    view = b;
    view.s.blocks = blocks.get();
    view.s.histo_comp = histo_comp.get();
    view.s.normsys_comp = normsys_comp.get();
    view.s.scalar_comp = scalar_comp.get();
    view.s.binwise_comp0 = binwise_comp0.get();
    view.s.aux_comp = aux_comp.get();
    view.s.aux_kind = aux_kind.get();
    view.s.comp_kind = comp_kind.get();
    view.values = values.get();
    view.block_value_offset = block_value_offset.get();
    view.aux_scale = aux_scale.get();
    view.obs = obs.get();
    view.aux_obs = aux_obs.get();
    view.init = init.get();
    view.lo = lo.get();
    view.hi = hi.get();
    view.fixed = fixed.get();
    // cudaMemcpy from pageable memory may return before the DMA has landed, and the
    // kernels run on non-blocking streams: wait for the uploads.
    HFX_CUDA_CHECK(cudaDeviceSynchronize());
  }
};

inline std::size_t free_device_memory() {
  std::size_t free_b = 0, total_b = 0;
  HFX_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  return free_b;
}

// Items per launch that fit in `fraction` of the free memory, `buffers` sets of
// `bytes_per_item` each, at most cap (0: no cap) and n; throws when not even one fits.
inline std::int64_t items_in_memory(std::size_t bytes_per_item, int buffers, double fraction, std::int64_t n,
                                    std::int64_t cap) {
  const std::size_t free_b = free_device_memory();
  const double budget = double(free_b) * fraction / double(buffers);
  std::int64_t k = std::int64_t(budget / double(bytes_per_item));
  if (cap > 0) k = std::min(k, cap);
  k = std::min(k, n);
  if (k < 1)
    throw error("not enough free device memory: one hypothesis needs " + std::to_string(bytes_per_item) +
                " bytes of work memory, " + std::to_string(free_b) + " bytes are free");
  return k;
}

// Makes opt.device current; throws hfx::error when it does not exist.
inline void select_device(const cuda_options& opt) {
  int count = 0;
  HFX_CUDA_CHECK(cudaGetDeviceCount(&count));
  if (opt.device < 0 || opt.device >= count)
    throw error("CUDA device " + std::to_string(opt.device) + " does not exist (" + std::to_string(count) +
                " devices)");
  HFX_CUDA_CHECK(cudaSetDevice(opt.device));
}

}  // namespace hfx::cuda
