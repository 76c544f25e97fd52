// Per-stage costs of one hypothesis on one core, on the first patch of sbottom RegionA
// (Arg 0) and staus combined (Arg 1): twice_nll + gradient + Hessian at the inits, one free
// fit and one fit with the POI fixed at 1 (both from pyhf's inits, observed data), and one
// full asymptotic hypotest at mu = 1 (hypotest_engine: the five fits of pyhf's
// AsymptoticCalculator, fixed-POI fits from two starts, CLs and the expected band).
#include <benchmark/benchmark.h>

#include "bench_fixtures.hpp"
#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/math/nll.hpp"

namespace {
using hfx::bench::label;
using hfx::bench::published;

void BM_stage_nll_grad_hess(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  const auto v = c.m.view();
  std::vector<double> work(hfx::nll_work_size(v.s)), grad(c.m.n_pars), hess(std::size_t(c.m.n_pars) * c.m.n_pars);
  for (auto _ : st)
    benchmark::DoNotOptimize(
        hfx::twice_nll_grad_hess(v, c.m.init.data(), c.data.data(), grad.data(), hess.data(), work.data()));
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_free_fit(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  hfx::fit_workspace ws(c.m.structure());
  hfx::fit_options opt;
  const auto v = c.m.view();
  int it = 0;
  for (auto _ : st) {
    auto r = hfx::fit_model(v, c.data.data(), opt, ws);
    it = r.iterations;
    benchmark::DoNotOptimize(r.twice_nll);
  }
  label(st, c);
  st.counters["newton_iterations"] = it;
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_fixed_poi_fit(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  hfx::fit_workspace ws(c.m.structure());
  hfx::fit_options opt;
  opt.fix.push_back({c.m.poi, 1.0});
  const auto v = c.m.view();
  int it = 0;
  for (auto _ : st) {
    auto r = hfx::fit_model(v, c.data.data(), opt, ws);
    it = r.iterations;
    benchmark::DoNotOptimize(r.twice_nll);
  }
  label(st, c);
  st.counters["newton_iterations"] = it;
  st.SetItemsProcessed(st.iterations());
}

void BM_stage_hypotest(benchmark::State& st) {
  auto& c = published(int(st.range(0)));
  const auto v = c.m.view();
  for (auto _ : st) {
    hfx::hypotest_engine eng(v, {});
    benchmark::DoNotOptimize(eng.at(1.0).cls.cls);
  }
  label(st, c);
  st.SetItemsProcessed(st.iterations());
}

BENCHMARK(BM_stage_nll_grad_hess)->Arg(0)->Arg(1);
BENCHMARK(BM_stage_free_fit)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_fixed_poi_fit)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_stage_hypotest)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
