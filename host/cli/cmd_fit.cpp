// hfx nll / hfx fit: twice_nll at a point, and maximum-likelihood fits.
#include <cmath>
#include <iomanip>
#include <iostream>

#include "cli.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/fit.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/math/nll.hpp"
#include "model_args.hpp"

namespace hfx::cli {
namespace {

// Parameter values by name: scalars as numbers, per-bin parameters as arrays.
json params_by_name(const compiled_model& m, const std::vector<double>& x) {
  json out = json::object();
  for (const auto& p : m.params) {
    if (p.is_scalar) {
      out[p.name] = json_number(x[p.offset]);
    } else {
      json a = json::array();
      for (int k = 0; k < p.n; ++k) a.push_back(json_number(x[p.offset + k]));
      out[p.name] = a;
    }
  }
  return out;
}

// Reads {"name": value-or-array} into a full parameter vector starting from the inits.
std::vector<double> read_pars(const compiled_model& m, const std::string& path) {
  json j = load_json_file(path);
  if (!j.is_object()) throw input_error(path, "", "expected an object {\"name\": value or [values]}");
  std::vector<double> x = m.init;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string ptr = "/" + json_pointer_escape(it.key());
    const param_set* p = m.find_param(it.key());
    if (!p) throw input_error(path, ptr, "the model has no parameter '" + it.key() + "'");
    auto num = [&](const json& v, const std::string& where) {
      if (!v.is_number()) throw input_error(path, where, "expected a number");
      double d = v.get<double>();
      if (!std::isfinite(d)) throw input_error(path, where, "value is not finite");
      return d;
    };
    if (it->is_array()) {
      if (int(it->size()) != p->n)
        throw input_error(path, ptr, "parameter '" + it.key() + "' has " + std::to_string(p->n) +
                                         " component(s), got " + std::to_string(it->size()));
      for (int k = 0; k < p->n; ++k) x[p->offset + k] = num((*it)[k], ptr + "/" + std::to_string(k));
    } else {
      if (p->n != 1)
        throw input_error(path, ptr, "parameter '" + it.key() + "' has " + std::to_string(p->n) +
                                         " components: give an array");
      x[p->offset] = num(*it, ptr);
    }
  }
  return x;
}

int cmd_nll(const std::vector<std::string>& args) {
  arg_parser p("hfx nll", "hfx nll WS [--patchset PS --patch NAME] [--pars PARS.json] [--json]");
  add_model_options(p);
  p.option("--pars", "JSON object {\"name\": value or [values]}; unnamed parameters take their inits");
  p.option("--backend", "cpu|cuda|auto (auto: cuda when a device is present)", std::string("auto"));
  p.flag("--json", "print JSON");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  const backend_kind be = choose_backend(p.get("--backend"), true);
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  const compiled_model& m = lm.model;
  std::vector<double> x = m.init;
  if (auto pp = p.get_opt("--pars")) x = read_pars(m, *pp);
  std::vector<double> data = m.data();
  double v;
  if (be == backend_kind::cuda) {
    // The batched point evaluation (eval_op) on the GPU.
    const model_batch mb = single_batch(m);
    v = batch_evaluate(mb.view(), x, data, be).twice_nll[0];
  } else {
    std::vector<double> work(nll_work_size(m.structure()));
    v = twice_nll(m.view(), x.data(), data.data(), work.data());
  }
  if (p.has("--json")) {
    json out = {{"twice_nll", json_number(v)}};
    if (!std::isfinite(v)) out["status"] = "infeasible: a bin has a non-positive expected rate";
    std::cout << out.dump() << "\n";
  } else {
    std::cout << std::setprecision(17) << v << "\n";
  }
  if (!std::isfinite(v)) {
    std::cerr << "hfx nll: twice_nll is not finite at this point (a bin has a non-positive expected rate)\n";
    return 1;
  }
  return 0;
}

// The fit of cmd_fit on the batched path: one item of fit_op on backend `be` (the CPU
// backend gives fit_model()'s numbers bit for bit); the uncertainties come from the Hessian
// at the best fit, computed on the host by fit_model() run for zero iterations from there.
fit_result batched_fit(const compiled_model& m, const std::vector<double>& data, const fit_options& opt,
                       backend_kind be) {
  const model_batch mb = single_batch(m);
  fit_items items;
  items.n = 1;
  items.data = data;
  if (!opt.fix.empty()) {
    items.start = m.init;
    items.fixed = m.fixed;
    for (auto [c, v] : opt.fix) {
      items.fixed[c] = 1;
      items.start[c] = v;
    }
  }
  const batch_fit_result br = batch_fit(mb.view(), items, opt.settings, be);
  fit_result r;
  r.x = br.x;
  r.twice_nll = br.outcome[0].twice_nll;
  r.status = br.outcome[0].status;
  r.iterations = br.outcome[0].iterations;
  r.at_bound = br.outcome[0].at_bound != 0;
  if (opt.uncertainties) {
    fit_options u = opt;
    u.start = r.x;
    u.settings.max_iter = 0;
    r.err = fit_model(m, data, u).err;
  }
  return r;
}

int cmd_fit(const std::vector<std::string>& args) {
  arg_parser p("hfx fit",
               "hfx fit WS [--patchset PS --patch NAME] [--fix name=value]... [--asimov MU] "
               "[--backend cpu|cuda|auto] [--batched] [--json]");
  add_model_options(p);
  p.multi("--fix", "hold a parameter fixed: name=value or name[k]=value (repeatable)");
  p.option("--asimov", "fit Asimov data built from the fit with the POI fixed at this value to the observed data");
  add_backend_options(p);
  p.flag("--json", "print JSON");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  const backend_choice bc = backend_from_args(p);
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  const compiled_model& m = lm.model;
  auto run_fit = [&](const std::vector<double>& d, const fit_options& o) {
    return bc.batched ? batched_fit(m, d, o, bc.kind) : fit_model(m, d, o);
  };
  std::vector<double> data = m.data();
  if (auto a = p.get_opt("--asimov")) {
    if (m.poi < 0) throw model_error("--asimov needs a model with a POI");
    fit_options aopt;
    aopt.fix.push_back({m.poi, parse_double(*a, "--asimov")});
    fit_result ar = run_fit(data, aopt);
    std::vector<double> work(nll_work_size(m.structure()));
    expected_data(m.view(), ar.x.data(), data.data(), work.data());
  }
  fit_options opt;
  opt.uncertainties = true;
  for (const auto& f : p.get_multi("--fix")) opt.fix.push_back(parse_fix(m, f));
  fit_result r = run_fit(data, opt);
  json out;
  out["twice_nll"] = json_number(r.twice_nll);
  out["status"] = fit_status_name(r.status);
  out["iterations"] = r.iterations;
  out["at_bound"] = r.at_bound;
  out["poi"] = m.poi_name.empty() ? json(nullptr) : json(m.poi_name);
  out["parameters"] = params_by_name(m, r.x);
  out["uncertainties"] = params_by_name(m, r.err);
  if (p.has("--json")) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "twice_nll  " << std::setprecision(12) << r.twice_nll << "\nstatus     "
              << fit_status_name(r.status) << (r.at_bound ? " (a parameter is at a bound)" : "")
              << "\niterations " << r.iterations << "\n";
    for (int i = 0; i < m.n_pars; ++i)
      std::cout << "  " << std::left << std::setw(40) << m.comp_name(i) << std::right << std::setw(16)
                << std::setprecision(8) << r.x[i] << " +- " << std::setprecision(4) << r.err[i] << "\n";
  }
  if (r.status != fit_status::converged) {
    std::cerr << "hfx fit: the fit did not converge (" << fit_status_name(r.status) << ")\n";
    return 1;
  }
  return 0;
}

}  // namespace

HFX_COMMAND("nll", "twice the negative log-likelihood at a parameter point", cmd_nll);
HFX_COMMAND("fit", "maximum-likelihood fit (optionally with parameters fixed)", cmd_fit);

}  // namespace hfx::cli
