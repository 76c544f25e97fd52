// End-to-end hypothesis-test throughput (hypotests/s, mu = 1, qtilde) of the batched
// backends: CPU (all cores), CUDA (one thread per hypothesis) and CUDA with scratch
// interleaved across threads (cuda_interleaved: cuda_batch_hypotest_interleaved, the
// coalescing A/B variant of cuda), on
//   sbottom_A   sbottom RegionA, every patch of its patchset (217)
//   staus       staus Region-combined, every patch (57)
//   synthetic   HFX_BENCH_SYNTHETIC (default 10000) hypotheses: sbottom RegionA's first patch
//               with its signal sample scaled by factors spread log-uniformly over [0.05, 20]
// The CPU backend runs at most HFX_BENCH_CPU_MAX (default 10000) hypotheses of a dataset
// (the rate is per hypothesis; the cap keeps bench/device_check.sh under its time budget).
// Run: hfx_bench --benchmark_filter=BatchHypotest  (bench/device_check.sh does).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hfx/batch_hypotest.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/cuda_interleaved.hpp"
#include "hfx/json_io.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

namespace {

std::string published(const std::string& rel) { return std::string(HFX_SOURCE_DIR) + "/scan-configs/data/" + rel; }

long env_long(const char* name, long dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : dflt;
}

// Every patch, packed into batches by structure (staus patches make several).
std::vector<hfx::model_batch> patched(const std::string& ws_rel, const std::string& ps_rel) {
  const std::string ws_file = published(ws_rel);
  const hfx::json ws = hfx::load_json_file(ws_file);
  const hfx::patchset ps = hfx::load_patchset(published(ps_rel));
  hfx::batch_builder bb;
  for (std::size_t k = 0; k < ps.patches.size(); ++k)
    bb.add(hfx::compile_model(hfx::apply_patch(ws, ps, ps.patches[k]), {}, ws_file), k);
  return bb.finish();
}

const char* const sbottom_ws = "ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz";
const char* const sbottom_ps = "ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz";

std::vector<hfx::model_batch> synthetic(long n) {
  const std::string ws_file = published(sbottom_ws);
  const hfx::json ws = hfx::load_json_file(ws_file);
  const hfx::patchset ps = hfx::load_patchset(published(sbottom_ps));
  const hfx::compiled_model bkg = hfx::compile_model(ws, {}, ws_file);
  const hfx::compiled_model sig = hfx::compile_model(hfx::apply_patch(ws, ps, ps.patches[0]), {}, ws_file);
  const std::set<std::string> bkg_samples(bkg.sample_names.begin(), bkg.sample_names.end());
  hfx::batch_builder bb;
  hfx::compiled_model m = sig;
  for (long k = 0; k < n; ++k) {
    const double f = 0.05 * std::pow(400.0, n > 1 ? double(k) / double(n - 1) : 0.0);
    m.values = sig.values;
    for (int b = 0; b < sig.n_blocks(); ++b) {
      if (bkg_samples.count(sig.sample_names[sig.block_sample[b]])) continue;
      const hfx::sample_block& blk = sig.blocks[b];
      // nominal and histosys lo/hi are yields; normsys lo/hi are factors (unchanged)
      const std::int64_t yields = std::int64_t(blk.nbins) * (1 + 2 * (blk.histo_end - blk.histo_begin));
      for (std::int64_t i = 0; i < yields; ++i) m.values[sig.block_value_offset[b] + i] *= f;
    }
    bb.add(m, std::size_t(k));
  }
  return bb.finish();
}

const std::vector<hfx::model_batch>& dataset(int which) {
  static std::map<int, std::vector<hfx::model_batch>> cache;
  auto it = cache.find(which);
  if (it == cache.end()) {
    std::vector<hfx::model_batch> v;
    if (which == 0) v = patched(sbottom_ws, sbottom_ps);
    else if (which == 1)
      v = patched("ATLAS-SUSY-2018-04_staus/Region-combined/BkgOnly.json.gz",
                  "ATLAS-SUSY-2018-04_staus/Region-combined/patchset.json.gz");
    else v = synthetic(env_long("HFX_BENCH_SYNTHETIC", 10000));
    it = cache.emplace(which, std::move(v)).first;
  }
  return it->second;
}

// The backends measured: the two of batch_hypotest() and the interleaved-scratch CUDA variant.
enum class variant { cpu, cuda, cuda_interleaved };
const char* variant_name(variant v) {
  return v == variant::cpu ? "cpu" : v == variant::cuda ? "cuda" : "cuda_interleaved";
}

void bm_batch_hypotest(benchmark::State& state, int which, variant var) {
  const hfx::backend_kind backend = var == variant::cpu ? hfx::backend_kind::cpu : hfx::backend_kind::cuda;
  if (backend == hfx::backend_kind::cuda && hfx::cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    for (auto _ : state) {}
    return;
  }
  // The batches of the dataset, the CPU backend's cut to HFX_BENCH_CPU_MAX hypotheses in all.
  std::vector<hfx::batch_view> views;
  long left = backend == hfx::backend_kind::cpu ? env_long("HFX_BENCH_CPU_MAX", 10000) : -1;
  std::int64_t total = 0;
  for (const auto& mb : dataset(which)) {
    hfx::batch_view b = mb.view();
    if (left >= 0) {
      b.n_hyp = std::int32_t(std::min<long>(b.n_hyp, left));
      left -= b.n_hyp;
    }
    if (b.n_hyp > 0) views.push_back(b);
    total += b.n_hyp;
  }
  hfx::batch_options opt;
  double seconds = 0.0;
  std::size_t converged = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    converged = 0;
    for (const auto& b : views) {
      const auto recs = var == variant::cuda_interleaved
                            ? hfx::cuda_batch_hypotest_interleaved(b, 1.0, hfx::to_settings(opt.hypotest), opt.cuda)
                            : hfx::batch_hypotest(b, 1.0, opt, backend);
      for (const auto& r : recs) {
        bool ok = true;
        for (int k = 0; k < hfx::n_body_fits; ++k) ok = ok && r.status[k] == hfx::fit_status::converged;
        converged += ok;
      }
      benchmark::DoNotOptimize(recs.data());
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["hypotheses"] = double(total);
  // Work memory per hypothesis in flight (hypotest_work_size), of the largest structure.
  double work_kib = 0.0;
  for (const auto& b : views)
    work_kib = std::max(work_kib, double(hfx::hypotest_work_size(b.s)) * sizeof(double) / 1024.0);
  state.counters["work_KiB"] = work_kib;
  state.counters["n_pars"] = views.empty() ? 0.0 : double(views.front().s.n_pars);
  state.counters["n_bins"] = views.empty() ? 0.0 : double(views.front().s.n_bins);
  state.counters["hyp_per_s"] = double(total) / seconds;
  state.counters["all_converged"] = double(converged);
}

const int registered = [] {
  const char* names[] = {"sbottom_A", "staus", "synthetic"};
  for (int w = 0; w < 3; ++w)
    for (auto v : {variant::cpu, variant::cuda, variant::cuda_interleaved})
      benchmark::RegisterBenchmark((std::string("BatchHypotest/") + names[w] + "/" + variant_name(v)).c_str(),
                                   [w, v](benchmark::State& s) { bm_batch_hypotest(s, w, v); })
          ->Iterations(1)
          ->Unit(benchmark::kSecond)
          ->UseRealTime();
  return 0;
}();

}  // namespace
