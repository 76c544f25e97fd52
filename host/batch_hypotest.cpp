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

namespace {

// hypotest_op over n items (item_hyp / item_mu null: item i = hypothesis i at mu_test) on
// CPU threads, one scratch slot per worker.
std::vector<hypotest_record> cpu_run_hypotests(const batch_view& b, std::int64_t n, const std::int32_t* item_hyp,
                                               const double* item_mu, double mu_test, const hypotest_settings& st,
                                               int threads) {
  require_poi(b);
  std::vector<hypotest_record> out(std::size_t(std::max<std::int64_t>(n, 0)));
  if (n <= 0) return out;
  const int T = int(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(threads), n)));
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
  op.item_hyp = item_hyp;
  op.item_mu = item_mu;
  op.out = out.data();
  parallel_for(std::size_t(n), T, [&](std::size_t i, int t) { op(std::int64_t(i), t); });
  return out;
}

}  // namespace

std::vector<hypotest_record> cpu_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                int threads) {
  return cpu_run_hypotests(b, b.n_hyp, nullptr, nullptr, mu_test, st, threads);
}

std::vector<hypotest_record> cpu_batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                      const std::vector<double>& mu, const hypotest_settings& st,
                                                      int threads) {
  const std::int64_t n = hypotest_item_count(b, hyp, mu);
  return cpu_run_hypotests(b, n, hyp.data(), mu.data(), 1.0, st, threads);
}

batch_fit_result cpu_batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st, int threads) {
  const std::int64_t n = fit_item_count(b, items);
  const std::size_t P = std::size_t(b.s.n_pars);
  batch_fit_result r;
  r.x.resize(std::size_t(n) * P);
  r.outcome.resize(std::size_t(n));
  if (n == 0) return r;
  const int T = int(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(threads), n)));
  const std::vector<std::uint8_t> local = local_components(b.s);
  fit_op op;
  op.b = b;
  op.settings = st;
  op.local = local.data();
  op.work_stride = fit_op_work_size(b.s);
  op.iwork_stride = fit_iwork_size(b.s);
  op.bwork_stride = P;
  std::vector<double> work(op.work_stride * T);
  std::vector<int> iwork(op.iwork_stride * T);
  std::vector<std::uint8_t> bwork(op.bwork_stride * T);
  op.work = work.data();
  op.iwork = iwork.data();
  op.bwork = bwork.data();
  if (!items.hyp.empty()) op.item_hyp = items.hyp.data();
  if (!items.data.empty()) op.data = items.data.data();
  if (!items.start.empty()) op.start = items.start.data();
  if (!items.fixed.empty()) op.fixed = items.fixed.data();
  if (!items.fixed_poi.empty()) op.fixed_poi = items.fixed_poi.data();
  op.x = r.x.data();
  op.out = r.outcome.data();
  parallel_for(std::size_t(n), T, [&](std::size_t i, int t) { op(std::int64_t(i), t); });
  return r;
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

std::vector<hypotest_record> batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                  const std::vector<double>& mu, const batch_options& opt,
                                                  backend_kind backend) {
  const hypotest_settings st = to_settings(opt.hypotest);
  if (resolve_backend(backend) == backend_kind::cuda) {
    require_poi(b);
    hypotest_item_count(b, hyp, mu);
    return cuda_batch_hypotest_items(b, hyp, mu, st, opt.cuda);
  }
  return cpu_batch_hypotest_items(b, hyp, mu, st, opt.threads);
}

batch_fit_result batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st, backend_kind backend,
                           int threads, const cuda_options& cuda) {
  if (resolve_backend(backend) == backend_kind::cuda) {
    fit_item_count(b, items);
    return cuda_batch_fit(b, items, st, cuda);
  }
  return cpu_batch_fit(b, items, st, threads);
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
