#include "model_args.hpp"

#include <cmath>
#include <iostream>

#include "hfx/cuda_device.hpp"
#include "hfx/error.hpp"
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

model_batch single_batch(const compiled_model& m) {
  std::vector<compiled_model> one{m};
  std::vector<model_batch> b = make_batches(std::move(one));
  if (b.size() != 1 || b[0].n_hyp != 1) throw error("internal: a single model did not make one batch");
  return std::move(b[0]);
}

backend_kind choose_backend(const std::string& requested, bool announce) {
  if (requested != "cpu" && requested != "cuda" && requested != "auto")
    throw usage_error("--backend must be cpu, cuda or auto, got '" + requested + "'");
  // cuda without a device: hfx::error naming the reason (one line, exit 1).
  const backend_kind be = hfx::resolve_backend(parse_backend(requested));
  if (announce && requested == "auto")
    std::cerr << "hfx: backend auto -> " << backend_name(be) << " (" << cuda_device_description() << ")\n";
  return be;
}

void add_backend_options(arg_parser& p) {
  p.option("--backend", "cpu|cuda|auto (auto: cuda when a device is present)", std::string("auto"));
  p.flag("--batched", "CPU: run the batched operations the GPU runs (fit_op / hypotest_op) on CPU threads");
}

backend_choice backend_from_args(const arg_parser& p) {
  backend_choice c;
  c.kind = choose_backend(p.get("--backend"), true);
  c.batched = c.kind == backend_kind::cuda || p.has("--batched");
  return c;
}

}  // namespace hfx::cli
