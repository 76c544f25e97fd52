// hfx/launch_emulator.hpp - runs a grid-stride kernel body on the CPU for every (block,
// thread) of a launch configuration (DESIGN.md section 4, last paragraph), so that the CPU
// tests exercise the kernels' indexing: which items each thread handles and which scratch
// slot it uses. Threads run one after another; the bodies have no intra-block cooperation.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "hfx/batch_ops.hpp"

namespace hfx {

struct launch_config {
  std::int64_t grid = 1, block = 1;
  std::int64_t threads() const { return grid * block; }
};

// The configuration the CUDA backend uses for n items with at most max_threads threads
// (the number of scratch slots) and `block` threads per block.
inline launch_config launch_for(std::int64_t n, std::int64_t max_threads, std::int64_t block) {
  launch_config c;
  c.block = block < 1 ? 1 : block;
  std::int64_t threads = n < max_threads ? n : max_threads;
  if (threads < 1) threads = 1;
  c.grid = (threads + c.block - 1) / c.block;
  // Whole blocks: every thread of the last block must have a slot, so the slots needed are
  // grid * block (>= threads).
  return c;
}

// How the CUDA backend walks a batch of n hypotheses: launches of at most `chunk` items
// (items [start, start + count), written to the records of buffer set `set`), alternating
// between `sets` buffer sets and streams, each with `threads_per_set` scratch slots
// (chunk rounded up to whole blocks).
struct chunk_launch {
  std::int64_t start, count;
  int set;
  launch_config cfg;
};

inline std::int64_t slots_for_chunk(std::int64_t chunk, std::int64_t block) {
  return ((chunk + block - 1) / block) * block;
}

inline std::vector<chunk_launch> plan_chunks(std::int64_t n, std::int64_t chunk, std::int64_t block) {
  std::vector<chunk_launch> plan;
  if (n <= 0 || chunk <= 0) return plan;
  const int sets = n > chunk ? 2 : 1;
  const std::int64_t slots = slots_for_chunk(chunk, block);
  std::int64_t c = 0;
  for (std::int64_t start = 0; start < n; start += chunk, ++c) {
    const std::int64_t count = std::min(chunk, n - start);
    plan.push_back(chunk_launch{start, count, int(c % sets), launch_for(count, slots, block)});
  }
  return plan;
}

// Emulates body<<<cfg.grid, cfg.block>>>(n) with grid_stride_loop, block by block and
// thread by thread.
template <class Body>
void emulate_launch(const launch_config& cfg, std::int64_t n, const Body& body) {
  for (std::int64_t b = 0; b < cfg.grid; ++b)
    for (std::int64_t t = 0; t < cfg.block; ++t)
      grid_stride_loop(launch_index{b, t, cfg.grid, cfg.block}, n, body);
}

}  // namespace hfx
