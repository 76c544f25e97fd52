// hfx inspect WS [--measurement NAME] [--json] [--patchset PS --patch NAME] - a workspace's
// model, like `pyhf inspect` (pyhf/cli/spec.py): channels with bins, samples, parameters
// in pyhf's par_order with type and size, measurements and the POI (null when the
// workspace names a POI that no modifier provides, as background-only files do).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "model_args.hpp"

namespace hfx::cli {
namespace {

const char* constraint_text(constraint_kind c) {
  switch (c) {
    case constraint_kind::normal: return "constrained_by_normal";
    case constraint_kind::poisson: return "constrained_by_poisson";
    default: return "unconstrained";
  }
}

json inspect_json(const compiled_model& m, const json& spec) {
  json out;
  out["channels"] = json::array();
  for (size_t c = 0; c < m.channel_names.size(); ++c)
    out["channels"].push_back({{"name", m.channel_names[c]}, {"bins", m.channel_nbins[c]}});
  out["samples"] = m.sample_names;
  out["measurement"] = m.measurement;
  out["poi"] = m.poi_name.empty() ? json(nullptr) : json(m.poi_name);
  out["measurements"] = json::array();
  for (const json& meas : spec["measurements"]) {
    json names = json::array();
    for (const json& p : meas["config"]["parameters"]) names.push_back(p["name"]);
    out["measurements"].push_back({{"name", meas["name"]}, {"poi", meas["config"]["poi"]}, {"parameters", names}});
  }
  out["n_main_data"] = m.n_bins;
  out["n_aux_data"] = m.n_aux();
  out["n_parameters"] = m.n_pars;
  out["parameters"] = json::array();
  for (const param_set& p : m.params) {
    json inits = json::array(), bounds = json::array(), fixed = json::array();
    for (int k = p.offset; k < p.offset + p.n; ++k) {
      inits.push_back(json_number(m.init[size_t(k)]));
      bounds.push_back({json_number(m.lo[size_t(k)]), json_number(m.hi[size_t(k)])});
      fixed.push_back(bool(m.fixed[size_t(k)]));
    }
    out["parameters"].push_back({{"name", p.name}, {"type", modifier_kind_name(p.kind)}, {"n", p.n},
                                 {"constraint", constraint_text(p.constraint)}, {"inits", inits},
                                 {"bounds", bounds}, {"fixed", fixed}});
  }
  out["warnings"] = m.warnings;
  return out;
}

void print_text(const compiled_model& m, const json& spec, const std::string& label) {
  size_t w = 10;
  for (const auto& c : m.channel_names) w = std::max(w, c.size());
  for (const auto& s : m.sample_names) w = std::max(w, s.size());
  for (const auto& p : m.params) w = std::max(w, p.name.size());
  for (const json& meas : spec["measurements"]) w = std::max(w, meas["name"].get_ref<const std::string&>().size() + 4);
  auto col = [&](const std::string& s) { std::ostringstream o; o << std::setw(int(w)) << s; return o.str(); };
  std::ostream& o = std::cout;
  o << "workspace: " << label << "\n\n";
  o << col("Summary") << "\n" << col(std::string(10, '-')) << "\n";
  o << col("channels") << "  " << m.channel_names.size() << "\n";
  o << col("samples") << "  " << m.sample_names.size() << "\n";
  o << col("parameters") << "  " << m.params.size() << " (" << m.n_pars << " components)\n";
  o << col("main data") << "  " << m.n_bins << "\n";
  o << col("aux data") << "  " << m.n_aux() << "\n\n";
  o << col("channels") << "  nbins\n" << col(std::string(10, '-')) << "  -----\n";
  for (size_t c = 0; c < m.channel_names.size(); ++c)
    o << col(m.channel_names[c]) << "  " << std::setw(5) << m.channel_nbins[c] << "\n";
  o << "\n" << col("samples") << "\n" << col(std::string(10, '-')) << "\n";
  for (const auto& s : m.sample_names) o << col(s) << "\n";
  o << "\n" << col("parameters") << "  " << std::left << std::setw(12) << "type" << std::setw(5) << "n"
    << "constraint\n" << std::right << col(std::string(10, '-')) << "  ----------  ---  ----------\n";
  for (const auto& p : m.params)
    o << col(p.name) << "  " << std::left << std::setw(12) << modifier_kind_name(p.kind) << std::setw(5) << p.n
      << constraint_text(p.constraint) << std::right << "\n";
  o << "\n" << col("measurement") << "  " << std::left << std::setw(16) << "poi" << "parameters\n" << std::right
    << col(std::string(10, '-')) << "  ----------      ----------\n";
  for (const json& meas : spec["measurements"]) {
    const std::string& name = meas["name"].get_ref<const std::string&>();
    std::string pars;
    for (const json& p : meas["config"]["parameters"]) pars += (pars.empty() ? "" : ",") + p["name"].get<std::string>();
    o << col((name == m.measurement ? "(*) " : "") + name) << "  " << std::left << std::setw(16)
      << meas["config"]["poi"].get<std::string>() << (pars.empty() ? "(none)" : pars) << std::right << "\n";
  }
  o << "\nPOI of the model: " << (m.poi_name.empty() ? "none (no modifier provides the measurement's POI)" : m.poi_name)
    << "\n";
}

int cmd_inspect(const std::vector<std::string>& args) {
  arg_parser p("hfx inspect", "hfx inspect WS [--measurement NAME] [--json] [--patchset PS --patch NAME]");
  add_model_options(p);
  p.flag("--json", "print a JSON summary instead of text");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  const std::string ws_path = p.positionals()[0];
  const model_options opt = model_options_from_args(p);
  auto ps_path = p.get_opt("--patchset");
  auto patch_name = p.get_opt("--patch");
  if (patch_name && !ps_path) throw usage_error("--patch needs --patchset");
  if (ps_path && !patch_name) throw usage_error("--patchset needs --patch NAME");

  json ws = load_json_file(ws_path);
  std::string label = ws_path;
  if (ps_path) {
    patchset ps = load_patchset(*ps_path);
    if (!p.has("--no-verify")) verify_patchset(ps, ws, ws_path);
    ws = apply_patch(ws, ps, ps.at(*patch_name));
    label += " + patch " + *patch_name;
  }
  compiled_model m = compile_model(ws, opt, ws_path);
  for (const auto& w : m.warnings) std::cerr << "hfx: warning: " << w << "\n";
  if (p.has("--json")) std::cout << inspect_json(m, ws).dump(1) << "\n";
  else print_text(m, ws, label);
  return 0;
}

}  // namespace

HFX_COMMAND("inspect", "summarise a workspace's model (channels, samples, parameters, POI)", cmd_inspect);

}  // namespace hfx::cli
