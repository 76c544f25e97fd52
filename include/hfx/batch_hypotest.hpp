// hfx/batch_hypotest.hpp - hypothesis tests of a whole batch, one control flow for both
// backends: every hypothesis runs hypotest_one() (math/hypotest_body.hpp, the same fits as
// hypotest_engine::prepare() + at(mu)); the CPU backend with parallel_for over hypotheses,
// the CUDA backend with a grid-stride kernel over hypotheses (cuda_backend.hpp).
#pragma once
#include <string>
#include <vector>

#include "hfx/batch_ops.hpp"
#include "hfx/cuda_backend.hpp"
#include "hfx/infer.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

enum class backend_kind { cpu, cuda, automatic };

// "cpu", "cuda" or "auto" (usage_error otherwise).
backend_kind parse_backend(const std::string& name);
// automatic -> cuda when cuda_device_count() > 0, else cpu; cuda without a device throws
// hfx::error naming the reason (cuda_device_description()).
backend_kind resolve_backend(backend_kind k);
const char* backend_name(backend_kind k);

// hypotest_options -> the device-compatible settings.
hypotest_settings to_settings(const hypotest_options& opt);
// A record as the hypotest_engine's outcome type (fits in infer.hpp fit_index order).
hypotest_outcome to_outcome(const hypotest_record& r);

struct batch_options {
  hypotest_options hypotest;
  int threads = 0;           // CPU backend: worker threads (0 = all cores)
  cuda_options cuda;         // CUDA backend
};

// One hypothesis test per hypothesis of b at POI value mu_test; records in hypothesis
// order. Throws model_error when the batch has no POI.
std::vector<hypotest_record> batch_hypotest(const batch_view& b, double mu_test, const batch_options& opt,
                                            backend_kind backend);
std::vector<hypotest_record> cpu_batch_hypotest(const batch_view& b, double mu_test, const hypotest_settings& st,
                                                int threads = 0);

// One hypothesis test per item: item k tests hypothesis hyp[k] of b at POI value mu[k]
// (one launch for many POI values of one hypothesis: limits, cls at several mu). Each item
// is independent: its record equals hypotest_engine's first at(mu[k]) on that hypothesis.
std::vector<hypotest_record> batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                  const std::vector<double>& mu, const batch_options& opt,
                                                  backend_kind backend);
std::vector<hypotest_record> cpu_batch_hypotest_items(const batch_view& b, const std::vector<std::int32_t>& hyp,
                                                      const std::vector<double>& mu, const hypotest_settings& st,
                                                      int threads = 0);

// One maximum-likelihood fit per item (fit_op; fit_items in cuda_backend.hpp). On the CPU
// each item's result is fit_model()'s with the same start and fixed mask, bit for bit.
batch_fit_result batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st, backend_kind backend,
                           int threads = 0, const cuda_options& cuda = {});
batch_fit_result cpu_batch_fit(const batch_view& b, const fit_items& items, const fit_settings& st, int threads = 0);

// eval_op for every hypothesis (pars: n_hyp * n_pars, data: n_hyp * (n_bins + n_aux)).
batch_eval_result batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                 const std::vector<double>& data, backend_kind backend, int threads = 0);
batch_eval_result cpu_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                     const std::vector<double>& data, int threads = 0);

}  // namespace hfx
