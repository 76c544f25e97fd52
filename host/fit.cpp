#include "hfx/fit.hpp"

#include <cmath>
#include <cstdlib>

#include "hfx/error.hpp"
#include "hfx/local_components.hpp"
#include "hfx/math/linalg.hpp"

namespace hfx {

fit_workspace::fit_workspace(const model_structure& s)
    : work(fit_work_size(s)), iwork(fit_iwork_size(s)), local(local_components(s)), fixed(s.n_pars) {}

fit_result fit_model(const model_view& m, const double* data, const fit_options& opt, fit_workspace& ws) {
  const int P = m.s.n_pars;
  fit_result res;
  res.x.assign(m.init, m.init + P);
  if (!opt.start.empty()) res.x = opt.start;
  for (int i = 0; i < P; ++i) ws.fixed[i] = m.fixed[i];
  for (auto [c, v] : opt.fix) {
    ws.fixed[c] = 1;
    res.x[c] = v;
  }
  fit_outcome o = fit_one(m, data, ws.fixed.data(), ws.local.data(), res.x.data(), opt.settings,
                          ws.work.data(), ws.iwork.data());
  res.twice_nll = o.twice_nll;
  res.status = o.status;
  res.iterations = o.iterations;
  res.at_bound = o.at_bound != 0;
  if (opt.uncertainties) {
    // Covariance of the free components = (H_FF / 2)^-1, H the Hessian of twice_nll.
    res.err.assign(P, 0.0);
    std::vector<double> g(P), H(std::size_t(P) * P);
    twice_nll_grad_hess(m, res.x.data(), data, g.data(), H.data(), ws.work.data());
    std::vector<int> F;
    for (int i = 0; i < P; ++i)
      if (!ws.fixed[i]) F.push_back(i);
    const int n = int(F.size());
    std::vector<double> A(std::size_t(n) * n), e(n);
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) A[a * n + b] = 0.5 * H[F[a] * P + F[b]];
    if (la::cholesky(n, A.data(), n)) {
      for (int a = 0; a < n; ++a) {
        std::fill(e.begin(), e.end(), 0.0);
        e[a] = 1.0;
        la::cholesky_solve(n, A.data(), n, e.data());
        res.err[F[a]] = std::sqrt(std::max(e[a], 0.0));
      }
    } else {
      for (int a = 0; a < n; ++a) res.err[F[a]] = std::nan("");
    }
  }
  return res;
}

fit_result fit_model(const compiled_model& m, const std::vector<double>& data, const fit_options& opt) {
  fit_workspace ws(m.structure());
  return fit_model(m.view(), data.data(), opt, ws);
}

std::pair<int, double> parse_fix(const compiled_model& m, const std::string& spec) {
  auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    throw usage_error("--fix expects name=value, got '" + spec + "'");
  std::string name = spec.substr(0, eq), val = spec.substr(eq + 1);
  int k = 0;
  if (auto br = name.find('['); br != std::string::npos && name.back() == ']') {
    k = std::atoi(name.substr(br + 1, name.size() - br - 2).c_str());
    name = name.substr(0, br);
  }
  const param_set* p = m.find_param(name);
  if (!p) throw model_error("--fix: the model has no parameter '" + name + "'");
  if (k < 0 || k >= p->n)
    throw model_error("--fix: parameter '" + name + "' has " + std::to_string(p->n) + " component(s)");
  char* end = nullptr;
  double v = std::strtod(val.c_str(), &end);
  if (val.empty() || *end != '\0' || !std::isfinite(v))
    throw usage_error("--fix " + spec + ": value is not a finite number");
  return {p->offset + k, v};
}

}  // namespace hfx
