// Batched hypothesis tests: CPU backend (parallel_for over hypotheses) and the backend switch.
#include "hfx/local_components.hpp"
#include "hfx/batch_hypotest.hpp"

#include <algorithm>
#include <vector>

#include "hfx/cuda_device.hpp"
#include "hfx/error.hpp"
#include "hfx/math/newton.hpp"
#include "hfx/parallel.hpp"

namespace hfx {

backend_kind parse_backend(const std::string& name) {
  if (name == "cpu") return backend_kind::cpu;
  if (name == "cuda") return backend_kind::cuda;
  if (name == "auto") return backend_kind::automatic;
  throw usage_error("unknown backend '" + name + "' (expected cpu, cuda or auto)");
}

backend_kind resolve_backend(backend_kind k) {
  if (k == backend_kind::cpu) return k;
  const bool have = cuda_device_count() > 0;
  if (k == backend_kind::automatic) return have ? backend_kind::cuda : backend_kind::cpu;
  if (!have) throw error("backend cuda requested but " + cuda_device_description());
  return k;
}

const char* backend_name(backend_kind k) {
  switch (k) {
    case backend_kind::cpu: return "cpu";
    case backend_kind::cuda: return "cuda";
    case backend_kind::automatic: return "auto";
  }
  return "unknown";
}

hypotest_settings to_settings(const hypotest_options& opt) {
  hypotest_settings s;
  s.stat = opt.stat;
  s.fit = opt.settings;
  s.two_starts = opt.two_starts;
  return s;
}

hypotest_outcome to_outcome(const hypotest_record& r) {
  hypotest_outcome o;
  o.mu_test = r.mu_test;
  o.muhat = r.muhat;
  o.q_obs = r.q_obs;
  o.q_asimov = r.q_asimov;
  o.cls = r.cls;
  for (int k = 0; k < n_hypotest_fits; ++k)
    o.fits[k] = fit_summary{r.twice_nll[k], r.status[k], r.iterations[k], r.at_bound[k] != 0};
  return o;
}

namespace {

void require_poi(const batch_view& b) {
  if (b.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
}

void check_eval_sizes(const batch_view& b, const std::vector<double>& pars, const std::vector<double>& data) {
  const std::size_t n = std::size_t(b.n_hyp);
  if (pars.size() != n * std::size_t(b.s.n_pars) || data.size() != n * std::size_t(b.s.n_bins + b.s.n_aux))
    throw error("batch_evaluate: pars must hold n_hyp * n_pars and data n_hyp * (n_bins + n_aux) values");
}

}  // namespace

std::vector<hypotest_record> cpu_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                int threads) {
  require_poi(b);
  std::vector<hypotest_record> out(std::size_t(std::max(b.n_hyp, 0)));
  if (b.n_hyp <= 0) return out;
  const int T = std::max(1, std::min(resolve_threads(threads), int(b.n_hyp)));
  const std::vector<std::uint8_t> local = local_components(b.s);

  hypotest_op op;
  op.b = b;
  op.mu_test = mu_test;
  op.settings = st;
  op.local = local.data();
  op.work_stride = hypotest_work_size(b.s);
  op.iwork_stride = hypotest_iwork_size(b.s);
  op.bwork_stride = hypotest_bwork_size(b.s);
  std::vector<double> work(op.work_stride * T);
  std::vector<int> iwork(op.iwork_stride * T);
  std::vector<std::uint8_t> bwork(op.bwork_stride * T);
  op.work = work.data();
  op.iwork = iwork.data();
  op.bwork = bwork.data();
  op.out = out.data();
  parallel_for(std::size_t(b.n_hyp), T, [&](std::size_t i, int t) { op(std::int64_t(i), t); });
  return out;
}

batch_eval_result cpu_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                     const std::vector<double>& data, int threads) {
  check_eval_sizes(b, pars, data);
  const std::size_t n = std::size_t(b.n_hyp), P = std::size_t(b.s.n_pars);
  batch_eval_result r;
  r.twice_nll.resize(n);
  r.twice_nll_gh.resize(n);
  r.grad.resize(n * P);
  r.hess.resize(n * P * P);
  r.expected.resize(n * std::size_t(b.s.n_bins + b.s.n_aux));
  if (n == 0) return r;
  const int T = std::max(1, std::min(resolve_threads(threads), int(n)));
  eval_op op;
  op.b = b;
  op.pars = pars.data();
  op.data = data.data();
  op.work_stride = nll_work_size(b.s);
  std::vector<double> work(op.work_stride * T);
  op.work = work.data();
  op.twice_nll = r.twice_nll.data();
  op.twice_nll_gh = r.twice_nll_gh.data();
  op.grad = r.grad.data();
  op.hess = r.hess.data();
  op.expected = r.expected.data();
  parallel_for(n, T, [&](std::size_t i, int t) { op(std::int64_t(i), t); });
  return r;
}

std::vector<hypotest_record> batch_hypotest(const batch_view& b, double mu_test, const batch_options& opt,
                                            backend_kind backend) {
  const hypotest_settings st = to_settings(opt.hypotest);
  if (resolve_backend(backend) == backend_kind::cuda) {
    require_poi(b);
    return cuda_batch_hypotest(b, mu_test, st, opt.cuda);
  }
  return cpu_batch_hypotest(b, mu_test, st, opt.threads);
}

batch_eval_result batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                 const std::vector<double>& data, backend_kind backend, int threads) {
  if (resolve_backend(backend) == backend_kind::cuda) {
    check_eval_sizes(b, pars, data);
    return cuda_batch_evaluate(b, pars, data);
  }
  return cpu_batch_evaluate(b, pars, data, threads);
}

}  // namespace hfx
