// Shared inputs of the stage benchmarks (bench_fit.cpp, bench_scan.cpp): the bundled
// published likelihoods with their first patch. Case 0: sbottom RegionA (ATLAS-SUSY-2018-31,
// patch sbottom_1000_131_1, NormalMeasurement); case 1: staus Region-combined
// (ATLAS-SUSY-2018-04, patch DS_100_1_Staus, BasicMeasurement). Loaded once, on first use.
#pragma once
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

namespace hfx::bench {

struct published_case {
  std::string name, ws_file;
  json ws;                 // background-only workspace
  patchset ps;
  model_options mo;
  json patched;            // ws + first patch
  compiled_model m;        // its model
  std::vector<double> data;

  published_case(std::string name_, const std::string& dir, const std::string& ps_name, const std::string& meas)
      : name(std::move(name_)) {
    const std::string base = std::string(HFX_SOURCE_DIR) + "/scan-configs/data/" + dir + "/";
    ws_file = base + "BkgOnly.json.gz";
    ws = load_json_file(ws_file);
    ps = load_patchset(base + ps_name);
    mo.measurement = meas;
    patched = apply_patch(ws, ps, ps.patches[0]);
    m = compile_model(patched, mo, ws_file);
    data = m.data();
  }
};

inline published_case& published(int which) {
  static published_case sbottom("sbottom RegionA", "ATLAS-SUSY-2018-31_sbottom/RegionA", "patchset.DERIVED.json.gz",
                                "NormalMeasurement");
  static published_case staus("staus combined", "ATLAS-SUSY-2018-04_staus/Region-combined", "patchset.json.gz",
                              "BasicMeasurement");
  return which == 0 ? sbottom : staus;
}

inline void label(benchmark::State& st, const published_case& c) {
  st.SetLabel(c.name + " " + c.ps.patches[0].name + ": " + std::to_string(c.m.n_pars) + " pars, " +
              std::to_string(c.m.n_bins) + " bins");
}

}  // namespace hfx::bench
