// hfx/model.hpp - host owners of compiled models and batches (see model_view.hpp for the
// packed layout they expose).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hfx/model_view.hpp"

namespace hfx {

// One named parameter (a pyhf "paramset"): n components starting at `offset`.
struct param_set {
  std::string name;
  modifier_kind kind = modifier_kind::normfactor;  // the group pyhf registered it in
  std::int32_t offset = 0;
  std::int32_t n = 1;
  bool is_scalar = true;                           // pyhf paramset.is_scalar
  constraint_kind constraint = constraint_kind::none;
};

// A compiled model for one hypothesis: pyhf's Model for one workspace + measurement.
struct compiled_model {
  // ---- description ----
  std::string measurement;
  std::string poi_name;                 // empty when the model has no POI
  std::vector<std::string> channel_names;   // pyhf order (sorted)
  std::vector<std::int32_t> channel_nbins;
  std::vector<std::int32_t> channel_bin0;
  std::vector<std::string> sample_names;    // sorted unique sample names
  std::vector<std::int32_t> block_channel;  // per block: index into channel_names
  std::vector<std::int32_t> block_sample;   // per block: index into sample_names
  std::vector<param_set> params;            // pyhf par_order
  std::vector<std::string> warnings;        // non-fatal findings while compiling

  // ---- structure (integers, shared by a batch) ----
  std::int32_t n_bins = 0;
  std::int32_t n_pars = 0;
  std::int32_t poi = -1;
  interp_code normsys_code = interp_code::code4;
  interp_code histosys_code = interp_code::code4p;
  std::vector<sample_block> blocks;         // channel-major, samples sorted within a channel
  std::vector<std::int32_t> histo_comp, normsys_comp, scalar_comp, binwise_comp0;
  std::vector<std::int32_t> aux_comp;
  std::vector<std::uint8_t> aux_kind;
  std::vector<std::uint8_t> comp_kind;

  // ---- data of this hypothesis ----
  std::vector<double> values;               // block segments (model_view.hpp)
  std::vector<std::int64_t> block_value_offset;
  std::vector<double> aux_scale;            // sigma or tau per aux entry
  std::vector<double> obs;                  // observed main data (n_bins)
  std::vector<double> aux_obs;              // observed auxiliary data (n_aux): pyhf config.auxdata
  std::vector<double> init, lo, hi;         // n_pars: suggested_init / suggested_bounds
  std::vector<std::uint8_t> fixed;          // n_pars: suggested_fixed

  std::int32_t n_aux() const { return std::int32_t(aux_comp.size()); }
  std::int32_t n_blocks() const { return std::int32_t(blocks.size()); }
  model_structure structure() const;
  model_view view() const;
  // pyhf's ws.data(model): observed main data followed by the auxiliary data.
  std::vector<double> data() const;
  // The parameter set with this name, or nullptr.
  const param_set* find_param(const std::string& name) const;
  // Name of component i: "name" for scalars, "name[k]" for per-bin components.
  std::string comp_name(std::int32_t i) const;
};

}  // namespace hfx
