#include "model_args.hpp"

#include <cmath>
#include <iostream>

#include "hfx/cuda_device.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

namespace hfx::cli {

void add_model_options(arg_parser& p) {
  p.option("--patchset", "pyhf patchset to take a signal patch from");
  p.option("--patch", "name of the patch to apply (needs --patchset)");
  p.option("--measurement", "measurement to use (default: the first, as pyhf)");
  p.option("--normsys-code", "normsys interpolation: code1|code4", std::string("code4"));
  p.option("--histosys-code", "histosys interpolation: code0|code2|code4p", std::string("code4p"));
  p.flag("--no-verify", "do not verify the patchset digest against the workspace");
}

model_options model_options_from_args(const arg_parser& p) {
  model_options opt;
  if (auto m = p.get_opt("--measurement")) opt.measurement = *m;
  opt.normsys_code = parse_interp_code(p.get("--normsys-code"));
  opt.histosys_code = parse_interp_code(p.get("--histosys-code"));
  if (opt.normsys_code != interp_code::code1 && opt.normsys_code != interp_code::code4)
    throw usage_error("--normsys-code must be code1 or code4");
  if (opt.histosys_code != interp_code::code0 && opt.histosys_code != interp_code::code2 &&
      opt.histosys_code != interp_code::code4p)
    throw usage_error("--histosys-code must be code0, code2 or code4p");
  return opt;
}

loaded_model load_model_from_args(const arg_parser& p, const std::string& ws_path) {
  const model_options opt = model_options_from_args(p);
  json ws = load_json_file(ws_path);
  loaded_model out;
  out.label = ws_path;
  auto ps_path = p.get_opt("--patchset");
  auto patch_name = p.get_opt("--patch");
  if (patch_name && !ps_path) throw usage_error("--patch needs --patchset");
  if (ps_path) {
    if (!patch_name) throw usage_error("--patchset needs --patch NAME");
    patchset ps = load_patchset(*ps_path);
    if (!p.has("--no-verify")) verify_patchset(ps, ws, ws_path);
    const patch_entry& e = ps.at(*patch_name);
    ws = apply_patch(ws, ps, e);
    out.label += " + patch " + *patch_name;
  }
  out.model = compile_model(ws, opt, ws_path);
  for (const auto& w : out.model.warnings) std::cerr << "hfx: warning: " << w << "\n";
  return out;
}

json json_number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

std::string resolve_backend(const std::string& requested, bool verbose) {
  if (requested == "cpu") return "cpu";
  if (requested != "cuda" && requested != "auto")
    throw usage_error("--backend must be cpu, cuda or auto, got '" + requested + "'");
  const int n = cuda_device_count();
  // Single-hypothesis commands (nll, fit, cls, limit) run on the CPU: one hypothesis does not
  // fill a GPU. `hfx scan` uses the CUDA batch backend (cmd_scan.cpp).
  constexpr bool cuda_single_available = false;
  if (requested == "cuda") {
    if (n == 0) throw usage_error("--backend cuda: " + cuda_device_description());
    if (!cuda_single_available)
      throw usage_error("--backend cuda: this command runs one hypothesis, on the CPU; hfx scan runs batches on the GPU");
    return "cuda";
  }
  std::string chosen = (n > 0 && cuda_single_available) ? "cuda" : "cpu";
  if (verbose) std::cerr << "hfx: backend auto -> " << chosen << " (" << cuda_device_description() << ")\n";
  return chosen;
}

}  // namespace hfx::cli
