// hfx/hypotest_session.hpp - hypothesis tests of a batch at many (hypothesis, mu) points,
// with the mu-independent fits (free, Asimov-defining, Asimov-free) done once per
// hypothesis when the session is made and kept in backend memory (host memory on the CPU,
// device memory with the uploaded model on the GPU). Each at() call then runs only the two
// fixed-POI fits per item: the limit search's rounds (batch_limits.hpp) cost 2 fits per
// point instead of 5 and, on the GPU, no model upload per round.
//
// Without warm starts, at()'s records are bit for bit batch_hypotest_items()'s (batch_ops.hpp
// hypotest_prepare_op + hypotest_at_op run the same fits from the same starts as
// hypotest_one). With them (default), later calls start near earlier solutions: published
// likelihoods have several fixed-POI minima, and a chain of nearby starts finds the lower
// one more often (sbottom RegionA 650_180_50 at mu = 2.0992: Asimov fixed-POI fit 117.532
// from the chain, 118.309 from the free fits).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "hfx/batch_hypotest.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

namespace detail {
// A backend's session: the prepared records and at().
struct hypotest_session_impl {
  std::vector<hypotest_record> base;  // per hypothesis: fits 0..2, muhat, muhat_asimov, valid
  virtual ~hypotest_session_impl() = default;
  // start: empty or 2 * n_pars per item (hypotest_at_op::item_start); x_out: 2 * n_pars per
  // item, the fitted points.
  virtual std::vector<hypotest_record> at(const std::vector<std::int32_t>& hyp, const std::vector<double>& mu,
                                          const std::vector<double>& start, std::vector<double>& x_out) = 0;
};
// kernels/hypotest_session.cu (throws hfx::error in builds without CUDA).
std::unique_ptr<hypotest_session_impl> make_cuda_hypotest_session(const batch_view& b, const hypotest_settings& st,
                                                                  const cuda_options& opt);
}  // namespace detail

class hypotest_session {
 public:
  // Runs the mu-independent fits of every hypothesis of b (which must outlive the session)
  // on `backend` (cpu or cuda; automatic is resolved). Throws model_error without POI.
  hypotest_session(const batch_view& b, const batch_options& opt, backend_kind backend);
  ~hypotest_session();
  hypotest_session(const hypotest_session&) = delete;
  hypotest_session& operator=(const hypotest_session&) = delete;

  // The prepared part of each hypothesis' record (mu_test unset, fits 3 and 4 empty).
  const std::vector<hypotest_record>& prepared() const { return impl_->base; }
  // Item k: hypothesis hyp[k] at POI value mu[k]; records in item order. With warm starts
  // (the default), each item's fixed-POI fits start from the fitted points of the nearest
  // POI value this session already tested for that hypothesis (as the engine warm-starts
  // from the previous mu; both keep the better of that start and pyhf's inits), else from
  // the free fits. Without, every item is hypotest_one's record.
  std::vector<hypotest_record> at(const std::vector<std::int32_t>& hyp, const std::vector<double>& mu);
  void set_warm_starts(bool on) { warm_ = on; }
  backend_kind backend() const { return backend_; }

 private:
  backend_kind backend_;
  std::int32_t n_hyp_;
  std::int32_t n_pars_;
  bool warm_ = true;
  std::vector<std::map<double, std::vector<double>>> points_;  // per hypothesis: mu -> fitted points (2 n_pars)
  std::unique_ptr<detail::hypotest_session_impl> impl_;
};

}  // namespace hfx
