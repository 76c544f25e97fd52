// Test helper: published workspaces patched and packed into batches (helper-B's builder).
#pragma once
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace hfx::test {

// Patches [first, first + count) of the patchset (every `step`-th one), compiled with
// pyhf's defaults and packed into batches by structure (helper-B's make_batches: sbottom's
// patches share one structure; staus patches add signal to different channels, so they
// make several batches).
inline std::vector<model_batch> patched_batches(const std::string& ws_rel, const std::string& ps_rel,
                                                std::size_t first, std::size_t count, std::size_t step = 1) {
  const std::string ws_file = published(ws_rel);
  const json ws = load_json_file(ws_file);
  const patchset ps = load_patchset(published(ps_rel));
  std::vector<compiled_model> models;
  for (std::size_t k = 0; k < count && first + k * step < ps.patches.size(); ++k)
    models.push_back(compile_model(apply_patch(ws, ps, ps.patches[first + k * step]), {}, ws_file));
  return make_batches(std::move(models));
}

inline model_batch sbottom_batch(std::size_t count, std::size_t step = 1) {
  std::vector<model_batch> v = patched_batches("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz",
                                               "ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz", 0,
                                               count, step);
  if (v.size() != 1) throw error("sbottom_batch: the patches do not share one structure");
  return std::move(v.front());
}

inline std::vector<model_batch> staus_batches(std::size_t count, std::size_t step = 1) {
  return patched_batches("ATLAS-SUSY-2018-04_staus/Region-combined/BkgOnly.json.gz",
                         "ATLAS-SUSY-2018-04_staus/Region-combined/patchset.json.gz", 0, count, step);
}

// Bitwise equality of two doubles (NaN equals NaN with the same bits).
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Field-by-field bitwise equality of two records (memcmp of the structs would compare
// padding bytes too).
inline bool records_identical(const hypotest_record& a, const hypotest_record& b) {
  bool ok = same_bits(a.mu_test, b.mu_test) && same_bits(a.muhat, b.muhat) &&
            same_bits(a.muhat_asimov, b.muhat_asimov) && same_bits(a.q_obs, b.q_obs) &&
            same_bits(a.q_asimov, b.q_asimov) && a.valid == b.valid;
  ok = ok && same_bits(a.cls.teststat, b.cls.teststat) && same_bits(a.cls.sqrt_qA, b.cls.sqrt_qA) &&
       same_bits(a.cls.clsb, b.cls.clsb) && same_bits(a.cls.clb, b.cls.clb) && same_bits(a.cls.cls, b.cls.cls);
  for (int i = 0; i < n_expected; ++i)
    ok = ok && same_bits(a.cls.clsb_exp[i], b.cls.clsb_exp[i]) && same_bits(a.cls.clb_exp[i], b.cls.clb_exp[i]) &&
         same_bits(a.cls.cls_exp[i], b.cls.cls_exp[i]);
  for (int k = 0; k < n_body_fits; ++k)
    ok = ok && same_bits(a.twice_nll[k], b.twice_nll[k]) && a.iterations[k] == b.iterations[k] &&
         a.status[k] == b.status[k] && a.at_bound[k] == b.at_bound[k];
  return ok;
}

}  // namespace hfx::test
