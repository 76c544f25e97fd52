// hfx/model_batch.hpp - packing compiled models that share one structure into a batch
// (batch_view in model_view.hpp): the background is stored once.
//
// Two models share a structure when every integer structure array (blocks, *_comp,
// aux_comp/aux_kind, comp_kind), the POI, the interpolation codes and the names that
// identify parameters and bins (channels, block -> channel, parameter sets, measurement,
// POI name) are identical. Sample names are not compared: signal samples are usually
// named after their patch (sbottom: "sbottom_1000_131_1"), and the math does not depend on
// them; a batch's prototype carries the first hypothesis' sample names. Within a batch, the value segment of a block (model_view.hpp layout) is
// stored once per distinct content: a segment that is bitwise identical to one already
// stored for the same block is shared (so a background sample that no patch touches is
// stored once for the whole batch); the small per-hypothesis arrays (aux_scale, obs,
// aux_obs, init, lo, hi, fixed, block_value_offset) are stacked.
//
// Streaming: batch_builder takes models one at a time (a model can be dropped right after
// add()), and hands out batches that reached max_hyp while the rest keep filling.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "hfx/model.hpp"

namespace hfx {

struct model_batch {
  // Structure and names of the group. Its per-hypothesis data vectors (values,
  // block_value_offset, aux_scale, obs, aux_obs, init, lo, hi, fixed) are empty: the data
  // live below. Sample names and warnings are those of the first hypothesis.
  compiled_model prototype;
  std::int32_t n_hyp = 0;
  std::vector<double> values;                    // shared pool of block segments
  std::vector<std::int64_t> block_value_offset;  // n_hyp * n_blocks, into values
  std::vector<double> aux_scale, obs, aux_obs;   // n_hyp * (n_aux | n_bins | n_aux)
  std::vector<double> init, lo, hi;              // n_hyp * n_pars
  std::vector<std::uint8_t> fixed;               // n_hyp * n_pars
  std::vector<std::size_t> source_index;         // n_hyp: caller's index of each hypothesis

  batch_view view() const;
  model_view hyp(std::int32_t h) const { return view().hyp(h); }
  // Sum of the values the hypotheses would hold unshared (for reporting the saving).
  std::int64_t unshared_values = 0;
};

// True when a and b have the same structure (see above) and can share a batch.
bool same_structure(const compiled_model& a, const compiled_model& b);

class batch_builder {
 public:
  // max_hyp: hypotheses per batch (0 = unlimited); a full batch is closed and a new one
  // of the same structure is started.
  explicit batch_builder(std::int32_t max_hyp = 0);
  ~batch_builder();
  batch_builder(batch_builder&&) noexcept;
  batch_builder& operator=(batch_builder&&) noexcept;

  // Packs m (copied; the caller may drop it); source_index is recorded for the hypothesis.
  void add(const compiled_model& m, std::size_t source_index);
  // Batches that reached max_hyp since the last call.
  std::vector<model_batch> take_full();
  // All remaining batches (full ones first, then open ones in order of creation).
  std::vector<model_batch> finish();

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

// Groups models by structure; source_index is each model's position in `models`.
std::vector<model_batch> make_batches(std::vector<compiled_model>&& models, std::int32_t max_hyp = 0);

}  // namespace hfx
