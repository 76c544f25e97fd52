#include "hfx/infer.hpp"

#include "hfx/batch_hypotest.hpp"
#include "hfx/error.hpp"
#include "hfx/local_components.hpp"

namespace hfx {

const char* const hypotest_fit_names[n_hypotest_fits] = {"free", "asimov_data", "asimov_free", "fixed_mu",
                                                         "asimov_fixed_mu"};

bool hypotest_outcome::all_converged() const {
  for (const auto& f : fits)
    if (f.status != fit_status::converged) return false;
  return true;
}

void check_hypotest_model(const model_view& m) {
  if (m.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
  if (m.fixed[m.s.poi])
    throw model_error("the POI is fixed by the measurement config; hypothesis tests and limits need it free");
}

hypotest_engine::hypotest_engine(const model_view& m, const hypotest_options& opt)
    : m_(m), st_(to_settings(opt)) {
  check_hypotest_model(m);
  local_ = local_components(m.s);
  work_.resize(hypotest_work_size(m.s));
  iwork_.resize(hypotest_iwork_size(m.s));
  bwork_.resize(hypotest_bwork_size(m.s));
  h_ = make_hypotest_state(m.s, work_.data(), iwork_.data(), bwork_.data());
}

void hypotest_engine::prepare() {
  if (prepared_) return;
  base_ = hypotest_record{};
  base_.valid = 1;
  hypotest_prepare(m_, st_, local_.data(), h_, base_);
  prepared_ = true;
}

double hypotest_engine::muhat() {
  prepare();
  return base_.muhat;
}

hypotest_outcome hypotest_engine::at(double mu) {
  prepare();
  hypotest_record r = base_;
  hypotest_at(m_, mu, st_, local_.data(), h_, r);
  return to_outcome(r);
}

}  // namespace hfx
