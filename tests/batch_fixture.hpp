// Test helper: published workspaces patched and packed into batches (helper-B's builder).
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace hfx::test {

// Patches [first, first + count) of the patchset (every `step`-th one), compiled with
// pyhf's defaults and packed into one batch (the patches of a region share a structure).
inline model_batch patched_batch(const std::string& ws_rel, const std::string& ps_rel, std::size_t first,
                                 std::size_t count, std::size_t step = 1) {
  const std::string ws_file = published(ws_rel);
  const json ws = load_json_file(ws_file);
  const patchset ps = load_patchset(published(ps_rel));
  std::vector<compiled_model> models;
  for (std::size_t k = 0; k < count && first + k * step < ps.patches.size(); ++k)
    models.push_back(compile_model(apply_patch(ws, ps, ps.patches[first + k * step]), {}, ws_file));
  std::vector<model_batch> batches = make_batches(std::move(models));
  if (batches.size() != 1) throw error("patched_batch: the patches do not share one structure");
  return std::move(batches.front());
}

inline model_batch sbottom_batch(std::size_t count, std::size_t step = 1) {
  return patched_batch("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz",
                       "ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz", 0, count, step);
}

inline model_batch staus_batch(std::size_t count, std::size_t step = 1) {
  return patched_batch("ATLAS-SUSY-2018-04_staus/Region-combined/BkgOnly.json.gz",
                       "ATLAS-SUSY-2018-04_staus/Region-combined/patchset.json.gz", 0, count, step);
}

}  // namespace hfx::test
