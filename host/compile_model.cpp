// compile_model: pyhf 0.7.6's Model for one workspace + measurement, packed as in
// model_view.hpp. Sources (pyhf 0.7.6): pdf.py (_ModelConfig, _nominal_and_modifiers_from_spec,
// _finalize_parameters_specs, _create_parameters_from_spec), mixins.py (sorted channels,
// samples, (name, type) modifiers), modifiers/*.py (builders and required_parset),
// parameters/utils.py (reduce_paramsets_requirements: measurement config overrides),
// parameters/paramsets.py, constraints.py (aux data order and widths).
#include <algorithm>
#include <cmath>

#include "hfx/error.hpp"
#include "hfx/workspace.hpp"
#include "workspace_index.hpp"

namespace hfx {
namespace detail {
namespace {

// Default bounds and inits of pyhf's required_parset functions (modifiers/*.py).
constexpr double sys_init = 0.0, sys_lo = -5.0, sys_hi = 5.0;      // histosys, normsys
constexpr double norm_init = 1.0, norm_lo = 0.0, norm_hi = 10.0;   // normfactor, shapefactor
constexpr double gamma_init = 1.0, gamma_lo = 1e-10, gamma_hi = 10.0;  // staterror, shapesys

constraint_kind constraint_of(modifier_kind k) {
  switch (k) {
    case modifier_kind::histosys:
    case modifier_kind::normsys:
    case modifier_kind::lumi:
    case modifier_kind::staterror: return constraint_kind::normal;
    case modifier_kind::shapesys: return constraint_kind::poisson;
    default: return constraint_kind::none;
  }
}

// Per-component settings of one parameter before packing.
struct param_values {
  std::vector<double> init, lo, hi, aux, scale;  // scale: sigma (normal) or factor tau (poisson)
  std::vector<std::uint8_t> fixed;
};

std::vector<double> numbers_of(const json& a) {
  std::vector<double> v;
  v.reserve(a.size());
  for (const json& x : a) v.push_back(x.get<double>());
  return v;
}

}  // namespace

compiled_model build_model(const ws_index& ix, const json& meas, std::size_t mpos, const model_options& opt,
                           const std::string& file, std::vector<std::string>* warnings) {
  if (opt.normsys_code != interp_code::code1 && opt.normsys_code != interp_code::code4)
    throw model_error(std::string("normsys interpolation must be code1 or code4, not ") +
                      interp_code_name(opt.normsys_code));
  if (opt.histosys_code != interp_code::code0 && opt.histosys_code != interp_code::code2 &&
      opt.histosys_code != interp_code::code4p)
    throw model_error(std::string("histosys interpolation must be code0, code2 or code4p, not ") +
                      interp_code_name(opt.histosys_code));
  const std::string mptr = "/measurements/" + std::to_string(mpos);
  compiled_model m;
  m.measurement = meas["name"].get<std::string>();
  m.normsys_code = opt.normsys_code;
  m.histosys_code = opt.histosys_code;

  // ---- channels and samples (mixins.py: sorted) ----
  const std::size_t nch = ix.channels.size();
  m.channel_names.reserve(nch);
  std::int32_t nbins_total = 0;
  for (const ws_channel& c : ix.channels) {
    m.channel_names.push_back(*c.name);
    m.channel_nbins.push_back(c.nbins);
    m.channel_bin0.push_back(nbins_total);
    nbins_total += c.nbins;
  }
  m.n_bins = nbins_total;
  m.sample_names = ix.sample_names;

  // ---- parameter registration order (pdf.py step 3 and 5) ----
  // Each builder registers a name at its first use in the walk channels x samples x
  // sorted (name, type); the groups are concatenated in histfactory_set order. A name
  // shared by histosys and normsys belongs to the histosys group. staterror registers in
  // its finalize(), iterating its builder_data keys: name order.
  // Names are ids of ix.dict (workspace_index.hpp).
  std::vector<std::int32_t> group[n_modifier_kinds];
  {
    std::vector<std::uint8_t> seen(ix.names.size(), 0);
    for (const ws_channel& c : ix.channels)
      for (const ws_sample& s : c.samples)
        for (const ir_mod& md : s.ir->mods) {
          if (md.kind == modifier_kind::staterror) continue;
          const ws_name_info& info = ix.names[std::size_t(md.id)];
          if (md.kind != info.group) continue;
          if (!seen[std::size_t(md.id)]) {
            seen[std::size_t(md.id)] = 1;
            group[int(md.kind)].push_back(md.id);
          }
        }
    auto& st = group[int(modifier_kind::staterror)];
    for (std::size_t id = 0; id < ix.names.size(); ++id)
      if (ix.names[id].kinds && ix.names[id].group == modifier_kind::staterror) st.push_back(std::int32_t(id));
    std::sort(st.begin(), st.end(),
              [&](std::int32_t a, std::int32_t b) { return ix.dict->name(a) < ix.dict->name(b); });
  }
  std::vector<std::int32_t> param_index(ix.names.size(), -1);  // id -> index into m.params
  auto param_of = [&](const std::string& name) {                 // -1 when not a parameter
    const std::int32_t id = ix.dict->find(name);
    return id < 0 || std::size_t(id) >= param_index.size() ? -1 : param_index[std::size_t(id)];
  };
  std::int32_t npars = 0;
  for (int k = 0; k < n_modifier_kinds; ++k)
    for (std::int32_t id : group[k]) {
      param_set p;
      p.name = ix.dict->name(id);
      p.kind = modifier_kind(k);
      p.offset = npars;
      p.n = ix.names[std::size_t(id)].n;
      p.is_scalar = p.kind == modifier_kind::histosys || p.kind == modifier_kind::normsys ||
                    p.kind == modifier_kind::lumi || p.kind == modifier_kind::normfactor;
      if (p.is_scalar) p.n = 1;
      p.constraint = constraint_of(p.kind);
      npars += p.n;
      param_index[std::size_t(id)] = std::int32_t(m.params.size());
      m.params.push_back(std::move(p));
    }
  m.n_pars = npars;

  // ---- defaults (required_parset of each modifier) ----
  std::vector<param_values> pv(m.params.size());
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    const param_set& p = m.params[i];
    param_values& v = pv[i];
    const std::size_t n = std::size_t(p.n);
    v.fixed.assign(n, 0);
    v.scale.assign(n, 1.0);
    switch (p.kind) {
      case modifier_kind::histosys:
      case modifier_kind::normsys:
        v.init.assign(n, sys_init); v.lo.assign(n, sys_lo); v.hi.assign(n, sys_hi); v.aux.assign(n, 0.0);
        break;
      case modifier_kind::normfactor:
      case modifier_kind::shapefactor:
        v.init.assign(n, norm_init); v.lo.assign(n, norm_lo); v.hi.assign(n, norm_hi);
        break;
      case modifier_kind::lumi:
        break;  // no defaults in pyhf: the measurement config must provide them (checked below)
      case modifier_kind::shapesys:
      case modifier_kind::staterror:
        v.init.assign(n, gamma_init); v.lo.assign(n, gamma_lo); v.hi.assign(n, gamma_hi);
        v.aux.assign(n, 1.0);
        break;
    }
  }
  // shapesys (modifiers/shapesys.py required_parset): tau = nom^2 / unc^2 for bins with
  // nom > 0 and unc > 0; other bins are fixed with factor and aux 1.
  // staterror (modifiers/staterror.py finalize): sigma_b = sqrt(sum_s (unc_sb / N_b)^2),
  // N_b = sum of the nominal rates of the samples carrying it (0 where N_b <= 0); bins with
  // sigma 0 are fixed and get sigma 1.
  for (std::size_t ci = 0; ci < nch; ++ci) {
    const ws_channel& c = ix.channels[ci];
    for (const ws_sample& s : c.samples)
      for (const ir_mod& md : s.ir->mods) {
        if (md.kind != modifier_kind::shapesys) continue;
        param_values& v = pv[std::size_t(param_index[std::size_t(md.id)])];
        for (std::int32_t b = 0; b < c.nbins; ++b) {
          const double nom = s.ir->data[std::size_t(b)], unc = md.data[std::size_t(b)];
          const bool valid = nom > 0 && unc > 0;
          v.scale[b] = valid ? (nom * nom) / (unc * unc) : 1.0;
          v.aux[b] = v.scale[b];
          v.fixed[b] = !valid;
        }
      }
  }
  for (std::int32_t id : group[int(modifier_kind::staterror)]) {
    const ws_name_info& info = ix.names[std::size_t(id)];
    param_values& v = pv[std::size_t(param_index[std::size_t(id)])];
    std::int32_t k = 0;
    for (std::int32_t ci : info.channels) {
      const ws_channel& c = ix.channels[std::size_t(ci)];
      std::vector<std::pair<const ir_sample*, const ir_mod*>> carriers;
      for (const ws_sample& s : c.samples)
        for (const ir_mod& md : s.ir->mods)
          if (md.kind == modifier_kind::staterror && md.id == id) carriers.emplace_back(s.ir, &md);
      for (std::int32_t b = 0; b < c.nbins; ++b, ++k) {
        double nomsall = 0.0;
        for (const auto& [s, md] : carriers) nomsall += s->data[std::size_t(b)];
        double relerr2 = 0.0;
        if (nomsall > 0)
          for (const auto& [s, md] : carriers) {
            const double r = md->data[std::size_t(b)] / nomsall;
            relerr2 += r * r;
          }
        const double sigma = std::sqrt(relerr2);
        v.fixed[std::size_t(k)] = sigma == 0;
        v.scale[std::size_t(k)] = sigma == 0 ? 1.0 : sigma;
      }
    }
  }

  // ---- measurement config overrides (parameters/utils.py reduce_paramsets_requirements) ----
  const json& cfgs = meas["config"]["parameters"];
  std::vector<std::uint8_t> configured(m.params.size(), 0);
  std::vector<std::size_t> config_pos(m.params.size(), 0);
  for (std::size_t ci = 0; ci < cfgs.size(); ++ci) {
    const json& cfg = cfgs[ci];
    const std::string cptr = mptr + "/config/parameters/" + std::to_string(ci);
    const std::string& name = cfg["name"].get_ref<const std::string&>();
    const std::int32_t found = param_of(name);
    if (found < 0) {
      if (warnings)
        warnings->push_back(input_error::format(
            file, cptr, "configures parameter '" + name + "', which is not in the model (ignored, as pyhf does)"));
      continue;
    }
    const std::size_t pi = std::size_t(found);
    const param_set& p = m.params[pi];
    param_values& v = pv[pi];
    configured[pi] = 1;
    config_pos[pi] = ci;
    const std::string what = std::string(modifier_kind_name(p.kind)) + " parameter '" + name + "'";
    auto sized = [&](const char* key) -> const json& {
      const json& a = cfg[key];
      if (std::int64_t(a.size()) != p.n)
        throw input_error(file, cptr + "/" + key,
                          std::to_string(a.size()) + " values for " + what + ", which has " + std::to_string(p.n));
      return a;
    };
    if (cfg.contains("inits")) v.init = numbers_of(sized("inits"));
    if (cfg.contains("bounds")) {
      const json& b = sized("bounds");
      v.lo.clear();
      v.hi.clear();
      for (const json& x : b) { v.lo.push_back(x[0].get<double>()); v.hi.push_back(x[1].get<double>()); }
    }
    if (cfg.contains("fixed")) v.fixed.assign(std::size_t(p.n), cfg["fixed"].get<bool>() ? 1 : 0);
    if (cfg.contains("auxdata")) {
      if (p.constraint == constraint_kind::none)
        throw input_error(file, cptr + "/auxdata", "'auxdata' does not apply to unconstrained " + what);
      v.aux = numbers_of(sized("auxdata"));
    }
    if (cfg.contains("sigmas")) {
      if (p.kind != modifier_kind::lumi && p.kind != modifier_kind::staterror)
        throw input_error(file, cptr + "/sigmas",
                          "'sigmas' does not apply to " + what + " (only lumi and staterror take sigmas)");
      v.scale = numbers_of(sized("sigmas"));
    }
    if (cfg.contains("factors")) {
      if (p.kind != modifier_kind::shapesys)
        throw input_error(file, cptr + "/factors", "'factors' does not apply to " + what + " (only shapesys)");
      v.scale = numbers_of(sized("factors"));
    }
  }
  for (std::size_t pi = 0; pi < m.params.size(); ++pi) {
    const param_set& p = m.params[pi];
    const param_values& v = pv[pi];
    if (p.kind == modifier_kind::lumi && (v.init.empty() || v.lo.empty() || v.aux.empty()))
      throw input_error(file, mptr + "/config/parameters",
                        "lumi parameter '" + p.name +
                            "' needs 'inits', 'bounds' and 'auxdata' in the measurement config (pyhf has no defaults)");
    for (std::int32_t k = 0; k < p.n; ++k)
      if (!v.fixed[std::size_t(k)] && (v.init[std::size_t(k)] < v.lo[std::size_t(k)] || v.init[std::size_t(k)] > v.hi[std::size_t(k)]))
        throw input_error(file,
                          configured[pi] ? mptr + "/config/parameters/" + std::to_string(config_pos[pi]) : mptr,
                          "initial value " + json(v.init[std::size_t(k)]).dump() + " of free parameter '" +
                              m.comp_name(p.offset + k) + "' is outside its bounds [" + json(v.lo[std::size_t(k)]).dump() +
                              ", " + json(v.hi[std::size_t(k)]).dump() + "]");
  }

  // ---- per-component arrays and auxiliary data (constraints.py: parameter order) ----
  m.init.reserve(std::size_t(npars));
  for (std::size_t pi = 0; pi < m.params.size(); ++pi) {
    const param_set& p = m.params[pi];
    const param_values& v = pv[pi];
    m.init.insert(m.init.end(), v.init.begin(), v.init.end());
    m.lo.insert(m.lo.end(), v.lo.begin(), v.lo.end());
    m.hi.insert(m.hi.end(), v.hi.begin(), v.hi.end());
    m.fixed.insert(m.fixed.end(), v.fixed.begin(), v.fixed.end());
    m.comp_kind.insert(m.comp_kind.end(), std::size_t(p.n), std::uint8_t(p.kind));
    if (p.constraint == constraint_kind::none) continue;
    for (std::int32_t k = 0; k < p.n; ++k) {
      m.aux_comp.push_back(p.offset + k);
      m.aux_kind.push_back(std::uint8_t(p.constraint));
      m.aux_scale.push_back(v.scale[std::size_t(k)]);
      m.aux_obs.push_back(v.aux[std::size_t(k)]);
    }
  }

  // ---- POI (pdf.py Model.__init__ / set_poi) ----
  const std::string& meas_poi = meas["config"]["poi"].get_ref<const std::string&>();
  const std::string& poi = opt.poi_override.empty() ? meas_poi : opt.poi_override;
  if (const std::int32_t found = param_of(poi); found >= 0) {
    const param_set& p = m.params[std::size_t(found)];
    if (!p.is_scalar) {
      if (!opt.poi_override.empty())
        throw model_error("POI '" + poi + "' has " + std::to_string(p.n) + " components; a POI must be scalar");
      throw input_error(file, mptr + "/config/poi",
                        "POI '" + poi + "' is a " + modifier_kind_name(p.kind) + " with " + std::to_string(p.n) +
                            " components; a POI must be scalar");
    }
    m.poi = p.offset;
    m.poi_name = poi;
  } else if (!opt.poi_override.empty()) {
    throw model_error("POI '" + poi + "' is not a parameter of the model");
  }

  // ---- blocks and value segments (model_view.hpp layout) ----
  std::size_t nblocks = 0;
  for (const ws_channel& c : ix.channels) nblocks += c.samples.size();
  m.blocks.reserve(nblocks);
  m.block_value_offset.reserve(nblocks);
  for (std::size_t ci = 0; ci < nch; ++ci) {
    const ws_channel& c = ix.channels[ci];
    for (const ws_sample& s : c.samples) {
      sample_block blk{};
      blk.bin0 = m.channel_bin0[ci];
      blk.nbins = c.nbins;
      const std::vector<ir_mod>& mods = s.ir->mods;
      auto comp_of = [&](const ir_mod& md) { return m.params[std::size_t(param_index[std::size_t(md.id)])].offset; };
      blk.histo_begin = std::int32_t(m.histo_comp.size());
      for (const ir_mod& md : mods)
        if (md.kind == modifier_kind::histosys) m.histo_comp.push_back(comp_of(md));
      blk.histo_end = std::int32_t(m.histo_comp.size());
      blk.normsys_begin = std::int32_t(m.normsys_comp.size());
      for (const ir_mod& md : mods)
        if (md.kind == modifier_kind::normsys) m.normsys_comp.push_back(comp_of(md));
      blk.normsys_end = std::int32_t(m.normsys_comp.size());
      // scalar factors in pyhf's factor order: lumi, then normfactor
      blk.scalar_begin = std::int32_t(m.scalar_comp.size());
      for (modifier_kind k : {modifier_kind::lumi, modifier_kind::normfactor})
        for (const ir_mod& md : mods)
          if (md.kind == k) m.scalar_comp.push_back(comp_of(md));
      blk.scalar_end = std::int32_t(m.scalar_comp.size());
      // per-bin factors: shapefactor, shapesys, staterror
      blk.binwise_begin = std::int32_t(m.binwise_comp0.size());
      for (modifier_kind k : {modifier_kind::shapefactor, modifier_kind::shapesys, modifier_kind::staterror})
        for (const ir_mod& md : mods) {
          if (md.kind != k) continue;
          std::int32_t comp0 = comp_of(md);
          if (k == modifier_kind::staterror)  // components run over the covered channels' bins
            for (std::int32_t cj : ix.names[std::size_t(md.id)].channels) {
              if (std::size_t(cj) >= ci) break;
              comp0 += ix.channels[std::size_t(cj)].nbins;
            }
          m.binwise_comp0.push_back(comp0);
        }
      blk.binwise_end = std::int32_t(m.binwise_comp0.size());

      m.block_value_offset.push_back(std::int64_t(m.values.size()));
      m.values.insert(m.values.end(), s.ir->data.begin(), s.ir->data.end());
      for (const ir_mod& md : mods)
        if (md.kind == modifier_kind::histosys) {
          m.values.insert(m.values.end(), md.lo.begin(), md.lo.end());
          m.values.insert(m.values.end(), md.hi.begin(), md.hi.end());
        }
      for (const ir_mod& md : mods)
        if (md.kind == modifier_kind::normsys) {
          m.values.push_back(md.lo[0]);
          m.values.push_back(md.hi[0]);
        }
      m.block_channel.push_back(std::int32_t(ci));
      m.block_sample.push_back(std::int32_t(
          std::lower_bound(m.sample_names.begin(), m.sample_names.end(), s.name()) - m.sample_names.begin()));
      m.blocks.push_back(blk);
    }
  }

  // ---- observed main data in channel order (workspace.py data()) ----
  m.obs.reserve(std::size_t(m.n_bins));
  for (const ws_channel& c : ix.channels)
    m.obs.insert(m.obs.end(), c.obs->begin(), c.obs->end());
  return m;
}

compiled_model compile_indexed(const ws_index& ix, const json& spec, const model_options& opt,
                               const std::string& file, std::vector<std::string> warnings) {
  const json& meas = find_measurement(spec, opt.measurement, file);
  const std::size_t mpos = std::size_t(&meas - &(*ix.measurements)[0]);
  compiled_model m = build_model(ix, meas, mpos, opt, file, &warnings);
  m.warnings = std::move(warnings);
  return m;
}

}  // namespace detail

compiled_model compile_model(const json& spec, const model_options& opt, const std::string& file) {
  std::vector<std::string> warnings;
  detail::ws_index ix = detail::index_workspace(spec, file, &warnings);
  return detail::compile_indexed(ix, spec, opt, file, std::move(warnings));
}

}  // namespace hfx
