// twice_nll, its gradient, and gradient + Hessian per second on one core, on the sbottom
// RegionA model patched with the first patch of its patchset (sbottom_1000_131_1; the
// patched spec is the fixture tests/data/pyhf/nll/patched/, written by
// tests/pyhf/gen_nll_fixtures.py), at pyhf's suggested_init and at a point with alphas
// spread over [-1.5, 1.5] (both code4 branches), with the observed data.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/workspace.hpp"

namespace {

struct sbottom_fixture {
  hfx::compiled_model m;
  hfx::model_view v;
  std::vector<double> data, work, init, spread, grad, hess;

  sbottom_fixture() {
    const std::string file =
        std::string(HFX_SOURCE_DIR) + "/tests/data/pyhf/nll/patched/sbottom_RegionA_sbottom_1000_131_1.json.gz";
    m = hfx::compile_model(hfx::load_json_file(file), hfx::model_options{}, file);
    v = m.view();
    data = m.data();
    work.assign(hfx::nll_work_size(v.s), 0.0);
    init = m.init;
    spread = m.init;
    for (int i = 0; i < m.n_pars; ++i) {
      const auto k = hfx::modifier_kind(m.comp_kind[i]);
      if (!m.fixed[i] && (k == hfx::modifier_kind::histosys || k == hfx::modifier_kind::normsys))
        spread[i] = -1.5 + 3.0 * double((i * 37) % 64) / 63.0;
    }
    grad.assign(m.n_pars, 0.0);
    hess.assign(std::size_t(m.n_pars) * m.n_pars, 0.0);
  }
  const std::vector<double>& point(int which) const { return which ? spread : init; }
};

sbottom_fixture& fixture() {
  static sbottom_fixture f;
  return f;
}

void label(benchmark::State& st, const sbottom_fixture& f) {
  st.SetLabel("sbottom RegionA: " + std::to_string(f.m.n_pars) + " pars, " + std::to_string(f.m.n_blocks()) +
              " blocks, " + std::to_string(f.m.n_bins) + " bins" + (st.range(0) ? ", spread alphas" : ", init"));
  st.SetItemsProcessed(st.iterations());
}

void BM_twice_nll(benchmark::State& st) {
  auto& f = fixture();
  const auto& p = f.point(int(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(hfx::twice_nll(f.v, p.data(), f.data.data(), f.work.data()));
  label(st, f);
}

void BM_twice_nll_grad(benchmark::State& st) {
  auto& f = fixture();
  const auto& p = f.point(int(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(
        hfx::twice_nll_grad_hess(f.v, p.data(), f.data.data(), f.grad.data(), nullptr, f.work.data()));
  label(st, f);
}

void BM_twice_nll_grad_hess(benchmark::State& st) {
  auto& f = fixture();
  const auto& p = f.point(int(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(
        hfx::twice_nll_grad_hess(f.v, p.data(), f.data.data(), f.grad.data(), f.hess.data(), f.work.data()));
  label(st, f);
}

BENCHMARK(BM_twice_nll)->Arg(0)->Arg(1);
BENCHMARK(BM_twice_nll_grad)->Arg(0)->Arg(1);
BENCHMARK(BM_twice_nll_grad_hess)->Arg(0)->Arg(1);

}  // namespace
