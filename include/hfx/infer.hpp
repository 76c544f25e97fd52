// hfx/infer.hpp - hypothesis tests with the asymptotic calculator (pyhf 0.7.6
// infer.hypotest with calctype="asymptotics") on one compiled hypothesis.
//
// The five fits of pyhf's AsymptoticCalculator:
//   free        unconstrained fit to the observed data           (mu-independent)
//   asimov_def  fit with the POI fixed at 0 (1 for q0) to data   (mu-independent; defines Asimov data)
//   asimov_free unconstrained fit to the Asimov data             (mu-independent)
//   fixed_mu    fit with the POI fixed at mu_test to data
//   asimov_mu   fit with the POI fixed at mu_test to Asimov data
// The mu-independent fits run once per hypothesis (prepare()); every further test value
// costs two fits, warm-started from the nearest point already fitted.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "hfx/fit.hpp"
#include "hfx/math/asymptotics.hpp"
#include "hfx/math/hypotest_body.hpp"
#include "hfx/model.hpp"

namespace hfx {

enum fit_index : int { fit_free = 0, fit_asimov_def = 1, fit_asimov_free = 2, fit_fixed_mu = 3, fit_asimov_mu = 4 };
constexpr int n_hypotest_fits = 5;
extern const char* const hypotest_fit_names[n_hypotest_fits];

struct hypotest_options {
  test_stat stat = test_stat::qtilde;
  fit_settings settings;
  // Fixed-POI fits also start from the inits (pyhf's start) and keep the lower minimum.
  bool two_starts = true;
};

struct fit_summary {
  double twice_nll = 0.0;
  fit_status status = fit_status::converged;
  int iterations = 0;
  bool at_bound = false;
};

struct hypotest_outcome {
  double mu_test = 1.0;
  double muhat = 0.0;            // best-fit POI (free fit to data)
  double q_obs = 0.0, q_asimov = 0.0;
  cls_values cls;                // observed and expected p-values (pyhf order)
  std::array<fit_summary, n_hypotest_fits> fits;
  bool all_converged() const;
};

// Throws model_error when hypothesis tests cannot run on m (no POI, or a fixed POI).
void check_hypotest_model(const model_view& m);

// Evaluates hypothesis tests on one hypothesis: a host wrapper over the HFX_HD body
// (math/hypotest_body.hpp: hypotest_prepare, hypotest_at), the same code the batched CPU and
// CUDA backends run, so all three give the same bits. Not thread-safe; one per thread.
class hypotest_engine {
 public:
  // Throws model_error when the model has no POI or the POI is fixed.
  hypotest_engine(const model_view& m, const hypotest_options& opt);
  // The mu-independent fits (done lazily by the first at()).
  void prepare();
  // Hypothesis test at POI value mu (warm-started from the previous mu).
  hypotest_outcome at(double mu);
  double muhat();

 private:
  model_view m_;
  hypotest_settings st_;
  std::vector<std::uint8_t> local_, bwork_;
  std::vector<double> work_;
  std::vector<int> iwork_;
  hypotest_state h_{};
  hypotest_record base_{};
  bool prepared_ = false;
};

}  // namespace hfx
