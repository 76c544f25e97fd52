// model_batch: hypotheses seen through batch_view::hyp(h) equal each model's own view,
// background segments are stored once, structures are grouped correctly.
#include <gtest/gtest.h>

#include <algorithm>

#include "hfx/json_io.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

using hfx::json;

// Every element that a backend can read through the two views must be identical.
void expect_same_view(const hfx::model_view& a, const hfx::model_view& b) {
  ASSERT_EQ(a.s.n_bins, b.s.n_bins);
  ASSERT_EQ(a.s.n_blocks, b.s.n_blocks);
  ASSERT_EQ(a.s.n_pars, b.s.n_pars);
  ASSERT_EQ(a.s.n_aux, b.s.n_aux);
  EXPECT_EQ(a.s.poi, b.s.poi);
  EXPECT_EQ(a.s.normsys_code, b.s.normsys_code);
  EXPECT_EQ(a.s.histosys_code, b.s.histosys_code);
  for (int k = 0; k < a.s.n_blocks; ++k) {
    const auto& x = a.s.blocks[k];
    const auto& y = b.s.blocks[k];
    ASSERT_EQ(hfx::block_value_size(x), hfx::block_value_size(y));
    EXPECT_EQ(x.bin0, y.bin0);
    for (int e = x.histo_begin; e < x.histo_end; ++e) EXPECT_EQ(a.s.histo_comp[e], b.s.histo_comp[e]);
    for (int e = x.normsys_begin; e < x.normsys_end; ++e) EXPECT_EQ(a.s.normsys_comp[e], b.s.normsys_comp[e]);
    for (int e = x.scalar_begin; e < x.scalar_end; ++e) EXPECT_EQ(a.s.scalar_comp[e], b.s.scalar_comp[e]);
    for (int e = x.binwise_begin; e < x.binwise_end; ++e) EXPECT_EQ(a.s.binwise_comp0[e], b.s.binwise_comp0[e]);
    const double* va = a.values + a.block_value_offset[k];
    const double* vb = b.values + b.block_value_offset[k];
    for (std::int64_t i = 0; i < hfx::block_value_size(x); ++i) ASSERT_EQ(va[i], vb[i]) << "block " << k << " value " << i;
  }
  for (int i = 0; i < a.s.n_aux; ++i) {
    EXPECT_EQ(a.s.aux_comp[i], b.s.aux_comp[i]);
    EXPECT_EQ(a.s.aux_kind[i], b.s.aux_kind[i]);
    EXPECT_EQ(a.aux_scale[i], b.aux_scale[i]);
    EXPECT_EQ(a.aux_obs[i], b.aux_obs[i]);
  }
  for (int i = 0; i < a.s.n_bins; ++i) EXPECT_EQ(a.obs[i], b.obs[i]);
  for (int i = 0; i < a.s.n_pars; ++i) {
    EXPECT_EQ(a.s.comp_kind[i], b.s.comp_kind[i]);
    EXPECT_EQ(a.init[i], b.init[i]);
    EXPECT_EQ(a.lo[i], b.lo[i]);
    EXPECT_EQ(a.hi[i], b.hi[i]);
    EXPECT_EQ(a.fixed[i], b.fixed[i]);
  }
}

std::vector<hfx::compiled_model> sbottom_models(int n_patches, hfx::compiled_model* bkg_only) {
  const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
  json ws = hfx::load_json_file(dir + "BkgOnly.json.gz");
  hfx::patchset ps = hfx::load_patchset(dir + "patchset.DERIVED.json.gz");
  std::vector<hfx::compiled_model> models;
  for (int i = 0; i < n_patches; ++i) {
    const auto& patch = ps.patches[size_t(i) * ps.patches.size() / size_t(n_patches)];
    models.push_back(hfx::compile_model(hfx::apply_patch(ws, ps, patch), {}, patch.name));
  }
  if (bkg_only) *bkg_only = hfx::compile_model(ws, {}, "BkgOnly.json");
  return models;
}

TEST(ModelBatch, SbottomHypothesesMatchTheirOwnViewsAndShareTheBackground) {
  hfx::compiled_model bkg;
  std::vector<hfx::compiled_model> models = sbottom_models(12, &bkg);
  std::vector<hfx::compiled_model> copy = models;
  copy.push_back(bkg);  // a different structure (no signal sample): its own batch
  std::vector<hfx::model_batch> batches = hfx::make_batches(std::move(copy));
  std::vector<int> seen(models.size() + 1, 0);
  std::int64_t pool = 0, unshared = 0;
  int n_multi = 0;
  for (const auto& b : batches) {
    ASSERT_EQ(b.source_index.size(), size_t(b.n_hyp));
    auto bv = b.view();
    for (std::int32_t h = 0; h < b.n_hyp; ++h) {
      size_t src = b.source_index[size_t(h)];
      ASSERT_LT(src, seen.size());
      seen[src]++;
      const hfx::compiled_model& m = src < models.size() ? models[src] : bkg;
      SCOPED_TRACE("hypothesis " + std::to_string(src));
      EXPECT_TRUE(hfx::same_structure(b.prototype, m));
      expect_same_view(bv.hyp(h), m.view());
    }
    pool += std::int64_t(b.values.size());
    unshared += b.unshared_values;
    if (b.n_hyp < 2) continue;
    ++n_multi;
    // background blocks (samples of the BkgOnly workspace) are stored once for the batch;
    // the pool holds one full hypothesis plus the signal segments of the others
    const auto& p = b.prototype;
    const std::int64_t nb = p.n_blocks();
    std::int64_t one_hyp = 0, signal = 0;
    for (std::int64_t k = 0; k < nb; ++k) {
      const std::int64_t size = hfx::block_value_size(p.blocks[size_t(k)]);
      one_hyp += size;
      const std::string& sample = p.sample_names[size_t(p.block_sample[size_t(k)])];
      bool background = std::find(bkg.sample_names.begin(), bkg.sample_names.end(), sample) != bkg.sample_names.end();
      if (!background) { signal += size; continue; }
      for (std::int32_t h = 1; h < b.n_hyp; ++h)
        EXPECT_EQ(b.block_value_offset[size_t(h * nb + k)], b.block_value_offset[size_t(k)]) << sample;
    }
    EXPECT_GT(signal, 0);
    EXPECT_LE(std::int64_t(b.values.size()), one_hyp + (b.n_hyp - 1) * signal);
    EXPECT_EQ(b.unshared_values, b.n_hyp * one_hyp);
  }
  for (int s : seen) EXPECT_EQ(s, 1);  // every model in exactly one batch
  EXPECT_LT(pool, unshared / 3);       // 13 hypotheses, background shared
  EXPECT_GE(batches.size(), 2u);       // BkgOnly cannot share the patched structure
  EXPECT_GE(n_multi, 1);
}

TEST(ModelBatch, BuilderClosesFullBatchesAndKeepsOrder) {
  std::vector<hfx::compiled_model> models = sbottom_models(7, nullptr);
  hfx::batch_builder bb(3);
  std::vector<hfx::model_batch> got;
  for (size_t i = 0; i < models.size(); ++i) {
    bb.add(models[i], 100 + i);
    for (auto& b : bb.take_full()) got.push_back(std::move(b));
  }
  for (auto& b : bb.finish()) got.push_back(std::move(b));
  size_t total = 0;
  for (const auto& b : got) {
    EXPECT_LE(b.n_hyp, 3);
    for (std::int32_t h = 0; h < b.n_hyp; ++h) {
      size_t src = b.source_index[size_t(h)];
      ASSERT_GE(src, 100u);
      expect_same_view(b.hyp(h), models[src - 100].view());
    }
    total += size_t(b.n_hyp);
  }
  EXPECT_EQ(total, models.size());
}

TEST(ModelBatch, DifferentCodesOrPoiAreDifferentStructures) {
  std::vector<hfx::compiled_model> models = sbottom_models(1, nullptr);
  hfx::compiled_model a = models[0], b = models[0];
  EXPECT_TRUE(hfx::same_structure(a, b));
  b.normsys_code = hfx::interp_code::code1;
  EXPECT_FALSE(hfx::same_structure(a, b));
  b = a;
  b.poi = -1;
  EXPECT_FALSE(hfx::same_structure(a, b));
  b = a;
  b.params[3].name += "_x";
  EXPECT_FALSE(hfx::same_structure(a, b));
  b = a;
  b.values[0] += 1.0;  // data differ, structure does not
  EXPECT_TRUE(hfx::same_structure(a, b));
  auto batches = hfx::make_batches({a, b});
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].n_hyp, 2);
  // only the changed block segment is stored twice
  EXPECT_EQ(std::int64_t(batches[0].values.size()),
            std::int64_t(a.values.size()) + hfx::block_value_size(a.blocks[0]));
}

}  // namespace
