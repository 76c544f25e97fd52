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

// eval_op for every hypothesis (pars: n_hyp * n_pars, data: n_hyp * (n_bins + n_aux)).
batch_eval_result batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                 const std::vector<double>& data, backend_kind backend, int threads = 0);
batch_eval_result cpu_batch_evaluate(const batch_view& b, const std::vector<double>& pars,
                                     const std::vector<double>& data, int threads = 0);

}  // namespace hfx
