#include "hfx/model.hpp"

namespace hfx {

model_structure compiled_model::structure() const {
  model_structure s;
  s.n_bins = n_bins;
  s.n_blocks = n_blocks();
  s.n_pars = n_pars;
  s.n_aux = n_aux();
  s.poi = poi;
  s.normsys_code = normsys_code;
  s.histosys_code = histosys_code;
  s.blocks = blocks.data();
  s.histo_comp = histo_comp.data();
  s.normsys_comp = normsys_comp.data();
  s.scalar_comp = scalar_comp.data();
  s.binwise_comp0 = binwise_comp0.data();
  s.aux_comp = aux_comp.data();
  s.aux_kind = aux_kind.data();
  s.comp_kind = comp_kind.data();
  return s;
}

model_view compiled_model::view() const {
  model_view v;
  v.s = structure();
  v.values = values.data();
  v.block_value_offset = block_value_offset.data();
  v.aux_scale = aux_scale.data();
  v.obs = obs.data();
  v.aux_obs = aux_obs.data();
  v.init = init.data();
  v.lo = lo.data();
  v.hi = hi.data();
  v.fixed = fixed.data();
  return v;
}

std::vector<double> compiled_model::data() const {
  std::vector<double> d(obs);
  d.insert(d.end(), aux_obs.begin(), aux_obs.end());
  return d;
}

const param_set* compiled_model::find_param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string compiled_model::comp_name(std::int32_t i) const {
  for (const auto& p : params)
    if (i >= p.offset && i < p.offset + p.n)
      return p.is_scalar ? p.name : p.name + "[" + std::to_string(i - p.offset) + "]";
  return "?";
}

}  // namespace hfx
