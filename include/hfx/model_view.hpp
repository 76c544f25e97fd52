// hfx/model_view.hpp - the packed, device-friendly layout of a compiled HistFactory model.
//
// Everything here is plain data: trivially copyable structs of extents and pointers that
// are passed by value into kernels and CPU loops (DESIGN.md section 4, rule 2). The owners
// (compiled_model, model_batch) live in model.hpp and are host-only.
//
// Layout of one hypothesis
// ------------------------
// * Main data: n_bins bins, channels in pyhf order (sorted by name), bins concatenated.
// * Parameters: n_pars scalar components in pyhf's model.config.par_order; a per-bin
//   parameter (staterror, shapesys, shapefactor) owns one component per bin.
// * Auxiliary data: n_aux entries, one per constrained component, in parameter order
//   (pyhf's config.auxdata order). aux_comp[a] is the component it constrains,
//   aux_kind[a] a constraint_kind, aux_scale[a] its sigma (normal) or tau (poisson).
// * Expected rate: for each (channel, sample) block and each of its bins j
//     nu = (nominal_j + sum_histosys delta_h(alpha_h)_j)
//          * prod_normsys f(alpha) * prod_scalar theta_k * prod_binwise theta_{comp0+j}
//   and the rate of bin (bin0 + j) is the sum over the blocks covering it.
// * values: each block owns one contiguous segment starting at block_value_offset[block]:
//     [nominal (nbins)] [histosys 0: lo (nbins), hi (nbins)] [histosys 1: lo, hi] ...
//     [normsys 0: lo, hi] [normsys 1: lo, hi] ...
//   so that hypotheses of a batch share the segments that their patches do not change
//   (the background is stored once) and stack only the ones that differ.
#pragma once
#include <cstdint>
#include <type_traits>

#include "hfx/config.hpp"

namespace hfx {

// Modifier kinds in the order pyhf concatenates their parameter groups.
enum class modifier_kind : std::uint8_t {
  histosys = 0, lumi = 1, normfactor = 2, normsys = 3, shapefactor = 4, shapesys = 5, staterror = 6
};
constexpr int n_modifier_kinds = 7;

enum class constraint_kind : std::uint8_t { none = 0, normal = 1, poisson = 2 };

// Interpolation codes (pyhf interpolators/). normsys: code1 or code4; histosys: code0,
// code2 or code4p. pyhf's model defaults: normsys code4, histosys code4p.
enum class interp_code : std::uint8_t { code0 = 0, code1 = 1, code2 = 2, code4 = 4, code4p = 5 };

// One (channel, sample) entry of the model.
struct sample_block {
  std::int32_t bin0;            // first global bin of the channel
  std::int32_t nbins;           // bins of the channel
  std::int32_t histo_begin;     // [begin, end) into histo_comp
  std::int32_t histo_end;
  std::int32_t normsys_begin;   // [begin, end) into normsys_comp
  std::int32_t normsys_end;
  std::int32_t scalar_begin;    // [begin, end) into scalar_comp (normfactor, lumi)
  std::int32_t scalar_end;
  std::int32_t binwise_begin;   // [begin, end) into binwise_comp0 (staterror, shapesys, shapefactor)
  std::int32_t binwise_end;
};

// Length of a block's value segment.
HFX_HDI std::int64_t block_value_size(const sample_block& b) {
  return std::int64_t(b.nbins) * (1 + 2 * (b.histo_end - b.histo_begin)) +
         2 * std::int64_t(b.normsys_end - b.normsys_begin);
}

// The structure shared by every hypothesis of a batch (integers only).
struct model_structure {
  std::int32_t n_bins = 0;
  std::int32_t n_blocks = 0;
  std::int32_t n_pars = 0;
  std::int32_t n_aux = 0;
  std::int32_t poi = -1;                         // component index of the POI, -1 if none
  interp_code normsys_code = interp_code::code4;
  interp_code histosys_code = interp_code::code4p;
  const sample_block* blocks = nullptr;          // n_blocks
  const std::int32_t* histo_comp = nullptr;      // component of each histosys entry
  const std::int32_t* normsys_comp = nullptr;    // component of each normsys entry
  const std::int32_t* scalar_comp = nullptr;     // component of each scalar factor entry
  const std::int32_t* binwise_comp0 = nullptr;   // component of bin 0 of each per-bin factor entry
  const std::int32_t* aux_comp = nullptr;        // n_aux
  const std::uint8_t* aux_kind = nullptr;        // n_aux, constraint_kind
  const std::uint8_t* comp_kind = nullptr;       // n_pars, modifier_kind of the owning parameter
};

// One hypothesis: the shared structure plus pointers to this hypothesis' data.
struct model_view {
  model_structure s;
  const double* values = nullptr;                // value pool (index with block_value_offset)
  const std::int64_t* block_value_offset = nullptr;  // n_blocks
  const double* aux_scale = nullptr;             // n_aux: sigma (normal) or tau (poisson)
  const double* obs = nullptr;                   // n_bins observed main data
  const double* aux_obs = nullptr;               // n_aux observed auxiliary data
  const double* init = nullptr;                  // n_pars
  const double* lo = nullptr;                    // n_pars
  const double* hi = nullptr;                    // n_pars
  const std::uint8_t* fixed = nullptr;           // n_pars (1 = fixed)
};

// A batch of hypotheses sharing one structure; per-hypothesis arrays are stacked with
// the strides implied by the structure (n_blocks, n_aux, n_bins, n_pars).
struct batch_view {
  model_structure s;
  std::int32_t n_hyp = 0;
  const double* values = nullptr;                // shared pool
  const std::int64_t* block_value_offset = nullptr;  // n_hyp * n_blocks
  const double* aux_scale = nullptr;             // n_hyp * n_aux
  const double* obs = nullptr;                   // n_hyp * n_bins
  const double* aux_obs = nullptr;               // n_hyp * n_aux
  const double* init = nullptr;                  // n_hyp * n_pars
  const double* lo = nullptr;
  const double* hi = nullptr;
  const std::uint8_t* fixed = nullptr;

  HFX_HDI model_view hyp(std::int32_t h) const {
    model_view v;
    v.s = s;
    v.values = values;
    v.block_value_offset = block_value_offset + std::int64_t(h) * s.n_blocks;
    v.aux_scale = aux_scale + std::int64_t(h) * s.n_aux;
    v.obs = obs + std::int64_t(h) * s.n_bins;
    v.aux_obs = aux_obs + std::int64_t(h) * s.n_aux;
    v.init = init + std::int64_t(h) * s.n_pars;
    v.lo = lo + std::int64_t(h) * s.n_pars;
    v.hi = hi + std::int64_t(h) * s.n_pars;
    v.fixed = fixed + std::int64_t(h) * s.n_pars;
    return v;
  }
};

static_assert(std::is_trivially_copyable_v<sample_block>);
static_assert(std::is_trivially_copyable_v<model_structure>);
static_assert(std::is_trivially_copyable_v<model_view>);
static_assert(std::is_trivially_copyable_v<batch_view>);

}  // namespace hfx
