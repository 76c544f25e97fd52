// hfx/fit.hpp - host API for maximum-likelihood fits of compiled models (CPU backend).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "hfx/math/newton.hpp"
#include "hfx/model.hpp"

namespace hfx {

struct fit_options {
  fit_settings settings;
  // Components held fixed at the given value in addition to the model's fixed ones.
  std::vector<std::pair<int, double>> fix;
  // Start point (n_pars); empty = the model's inits.
  std::vector<double> start;
  // Compute parameter uncertainties from the inverse Hessian at the minimum.
  bool uncertainties = false;
};

struct fit_result {
  std::vector<double> x;         // best-fit point (n_pars)
  std::vector<double> err;       // uncertainties (n_pars; 0 for fixed) when requested
  double twice_nll = 0.0;
  fit_status status = fit_status::converged;
  int iterations = 0;
  bool at_bound = false;
};

// Per-thread scratch for fits of one structure.
struct fit_workspace {
  std::vector<double> work;
  std::vector<int> iwork;
  std::vector<std::uint8_t> local;   // Schur-eliminable components
  std::vector<std::uint8_t> fixed;
  explicit fit_workspace(const model_structure& s);
};

// Fits one hypothesis to `data` (n_bins + n_aux; pyhf's data vector).
fit_result fit_model(const model_view& m, const double* data, const fit_options& opt, fit_workspace& ws);
fit_result fit_model(const compiled_model& m, const std::vector<double>& data, const fit_options& opt = {});

// Parses "name=value" or "name[k]=value" into (component, value); model_error if unknown.
std::pair<int, double> parse_fix(const compiled_model& m, const std::string& spec);

}  // namespace hfx
