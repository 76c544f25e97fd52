#include <gtest/gtest.h>

#include "hfx/model.hpp"

TEST(ModelView, BlockValueSizeCountsNominalHistosysAndNormsys) {
  hfx::sample_block b{};
  b.nbins = 3;
  b.histo_begin = 2; b.histo_end = 4;     // two histosys: 2 * (lo + hi) * 3 bins
  b.normsys_begin = 5; b.normsys_end = 6; // one normsys: lo, hi
  EXPECT_EQ(hfx::block_value_size(b), 3 + 2 * 2 * 3 + 2);
}

TEST(ModelView, BatchViewOffsetsPerHypothesis) {
  hfx::model_structure s;
  s.n_bins = 4; s.n_blocks = 2; s.n_pars = 3; s.n_aux = 1;
  std::vector<double> d(100);
  std::vector<std::int64_t> off(100);
  std::vector<std::uint8_t> fx(100);
  hfx::batch_view b;
  b.s = s; b.n_hyp = 5;
  b.values = d.data(); b.block_value_offset = off.data(); b.aux_scale = d.data();
  b.obs = d.data(); b.aux_obs = d.data(); b.init = d.data(); b.lo = d.data(); b.hi = d.data();
  b.fixed = fx.data();
  auto v = b.hyp(3);
  EXPECT_EQ(v.block_value_offset, off.data() + 3 * 2);
  EXPECT_EQ(v.obs, d.data() + 3 * 4);
  EXPECT_EQ(v.init, d.data() + 3 * 3);
  EXPECT_EQ(v.aux_obs, d.data() + 3 * 1);
  EXPECT_EQ(v.fixed, fx.data() + 3 * 3);
}
