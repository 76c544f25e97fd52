// Per-stage costs of getting from a patch to a compiled hypothesis, on the first patch of
// sbottom RegionA (Arg 0) and staus combined (Arg 1): apply_patch (the RFC 6902 patch on a
// copy of the background workspace), compile_model (validation + packing), both together,
// the prepared-background path (prepared_workspace: the background parsed once, then per
// patch only its new samples; the preparation, once per scan, measured apart), and making
// one synthetic-grid patch (synthetic_grid::patch: the generator's overhead in `hfx
// bench`'s synthetic rows). Then the multithreaded throughput of the scan path
// (evaluate_hypothesis on the prepared background = patch -> compile -> hypotest -> record,
// as run_scan does it) over 16 patches spread over the patchset, on 1 thread and on all
// hardware threads: items/s is hypotheses per second (wall clock).
#include <benchmark/benchmark.h>

#include <thread>

#include "bench_fixtures.hpp"
#include "hfx/parallel.hpp"
#include "hfx/prepared_workspace.hpp"
#include "hfx/scan.hpp"
#include "hfx/synthetic_grid.hpp"

namespace {
using hfx::bench::label;
using hfx::bench::published;

void BM_stage_apply_patch(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(hfx::apply_patch(c.ws, c.ps, c.ps.patches[0]));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_compile_model(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(hfx::compile_model(c.patched, c.mo, c.ws_file));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_patch_and_compile(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(hfx::compile_model(hfx::apply_patch(c.ws, c.ps, c.ps.patches[0]), c.mo, c.ws_file));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

// The background prepared once per process (what run_scan does once per scan).
const hfx::prepared_workspace& prepared(int which) {
  static const hfx::prepared_workspace sbottom(published(0).ws, published(0).ws_file);
  static const hfx::prepared_workspace staus(published(1).ws, published(1).ws_file);
  return which == 0 ? sbottom : staus;
}

// Preparing the background (once per scan): parse, validate and index it.
void BM_stage_prepare_background(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(hfx::prepared_workspace(c.ws, c.ws_file));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

// The same model as BM_stage_patch_and_compile from the prepared background (only the
// patch's samples parsed and checked).
void BM_stage_prepared_patch_compile(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  const hfx::prepared_workspace& pw = prepared(int(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(pw.compile_patched(c.ps, c.ps.patches[0], c.mo, c.ws_file));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_synthetic_patch(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  hfx::synthetic_grid_options o;
  o.size = 100000;
  static const hfx::synthetic_grid* grids[2] = {nullptr, nullptr};
  if (!grids[st.range(0)]) grids[st.range(0)] = new hfx::synthetic_grid(c.ps, o);  // kept for the process
  std::size_t k = 0;
  for (auto _ : st) benchmark::DoNotOptimize(grids[st.range(0)]->patch(k++ % o.size));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

constexpr std::size_t throughput_patches = 16;

void BM_scan_throughput(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  const int threads = int(st.range(1)) == 0 ? hfx::resolve_threads(0) : int(st.range(1));
  hfx::scan_options opt;
  opt.model = c.mo;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < throughput_patches; ++i) idx.push_back(i * c.ps.patches.size() / throughput_patches);
  const hfx::prepared_workspace& pw = prepared(int(st.range(0)));
  for (auto _ : st) {
    hfx::parallel_for(idx.size(), threads, [&](std::size_t k, int) {
      benchmark::DoNotOptimize(hfx::evaluate_hypothesis(pw, c.ps, idx[k], opt));
    });
  }
  label(st, c);
  st.counters["threads"] = threads;
  st.SetItemsProcessed(std::int64_t(st.iterations()) * std::int64_t(idx.size()));
}

BENCHMARK(BM_stage_apply_patch)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_compile_model)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_patch_and_compile)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_prepare_background)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_prepared_patch_compile)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_synthetic_patch)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
// Second argument: threads (0 = all hardware threads).
BENCHMARK(BM_scan_throughput)
    ->Args({0, 1})->Args({0, 0})->Args({1, 1})->Args({1, 0})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
