// hypotest_session: the CPU backend (parallel_for over hypotheses / items, one scratch slot
// per worker thread) and the backend switch.
#include "hfx/hypotest_session.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <string>

#include "hfx/batch_ops.hpp"
#include "hfx/error.hpp"
#include "hfx/local_components.hpp"
#include "hfx/parallel.hpp"

namespace hfx {
namespace {

struct cpu_session final : detail::hypotest_session_impl {
  batch_view b;
  hypotest_settings st;
  int threads;
  std::vector<std::uint8_t> local;
  std::vector<double> keep;

  // The ops' shared view with scratch for T worker slots (owned by w).
  struct scratch {
    std::vector<double> work;
    std::vector<int> iwork;
    std::vector<std::uint8_t> bwork;
  };
  hypotest_session_view view(scratch& w, int T) {
    hypotest_session_view v;
    v.b = b;
    v.settings = st;
    v.local = local.data();
    v.work_stride = hypotest_work_size(b.s);
    v.iwork_stride = hypotest_iwork_size(b.s);
    v.bwork_stride = hypotest_bwork_size(b.s);
    w.work.resize(v.work_stride * std::size_t(T));
    w.iwork.resize(v.iwork_stride * std::size_t(T));
    w.bwork.resize(v.bwork_stride * std::size_t(T));
    v.work = w.work.data();
    v.iwork = w.iwork.data();
    v.bwork = w.bwork.data();
    v.keep = keep.data();
    v.keep_stride = hypotest_keep_size(b.s);
    v.base = base.data();
    return v;
  }
  int workers(std::size_t n) const {
    return int(std::max<std::int64_t>(1, std::min<std::int64_t>(resolve_threads(threads), std::int64_t(n))));
  }

  cpu_session(const batch_view& bv, const hypotest_settings& s, int t) : b(bv), st(s), threads(t) {
    const std::size_t n = std::size_t(std::max(b.n_hyp, 0));
    local = local_components(b.s);
    keep.resize(hypotest_keep_size(b.s) * n);
    base.resize(n);
    if (n == 0) return;
    const int T = workers(n);
    scratch w;
    hypotest_prepare_op op;
    op.v = view(w, T);
    parallel_for(n, T, [&](std::size_t i, int slot) { op(std::int64_t(i), slot); });
  }

  std::vector<hypotest_record> at(const std::vector<std::int32_t>& hyp, const std::vector<double>& mu,
                                  const std::vector<double>& start, std::vector<double>& x_out) override {
    std::vector<hypotest_record> out(hyp.size());
    if (hyp.empty()) return out;
    const int T = workers(hyp.size());
    scratch w;
    hypotest_at_op op;
    op.v = view(w, T);
    op.item_hyp = hyp.data();
    op.item_mu = mu.data();
    op.item_start = start.empty() ? nullptr : start.data();
    x_out.assign(hyp.size() * 2 * std::size_t(b.s.n_pars), 0.0);
    op.item_x = x_out.data();
    op.out = out.data();
    parallel_for(hyp.size(), T, [&](std::size_t i, int slot) { op(std::int64_t(i), slot); });
    return out;
  }
};

}  // namespace

hypotest_session::hypotest_session(const batch_view& b, const batch_options& opt, backend_kind backend)
    : backend_(resolve_backend(backend)), n_hyp_(b.n_hyp), n_pars_(b.s.n_pars),
      points_(std::size_t(std::max(b.n_hyp, 0))) {
  if (b.s.poi < 0) throw model_error("the model has no POI; hypothesis tests and limits need one");
  const hypotest_settings st = to_settings(opt.hypotest);
  if (backend_ == backend_kind::cuda) impl_ = detail::make_cuda_hypotest_session(b, st, opt.cuda);
  else impl_ = std::make_unique<cpu_session>(b, st, opt.threads);
}

hypotest_session::~hypotest_session() = default;

std::vector<hypotest_record> hypotest_session::at(const std::vector<std::int32_t>& hyp, const std::vector<double>& mu) {
  if (hyp.size() != mu.size())
    throw usage_error("hypotest_session::at: " + std::to_string(hyp.size()) + " hypothesis indices for " +
                      std::to_string(mu.size()) + " POI values");
  for (std::size_t k = 0; k < hyp.size(); ++k)
    if (hyp[k] < 0 || hyp[k] >= n_hyp_)
      throw usage_error("hypotest_session::at: item " + std::to_string(k) + " names hypothesis " +
                        std::to_string(hyp[k]) + " of " + std::to_string(n_hyp_));
  const std::size_t P2 = 2 * std::size_t(n_pars_);
  std::vector<double> start;
  if (warm_) {
    start.assign(hyp.size() * P2, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < hyp.size(); ++k) {
      const auto& pts = points_[std::size_t(hyp[k])];
      if (pts.empty()) continue;
      // The nearest POI value tested before (ties: the lower one).
      auto hi = pts.lower_bound(mu[k]);
      auto best = hi;
      if (hi == pts.end() || (hi != pts.begin() && mu[k] - std::prev(hi)->first <= hi->first - mu[k])) best = std::prev(hi);
      std::copy(best->second.begin(), best->second.end(), start.begin() + std::ptrdiff_t(k * P2));
    }
  }
  std::vector<double> x_out;
  std::vector<hypotest_record> recs = impl_->at(hyp, mu, start, x_out);
  if (warm_)
    for (std::size_t k = 0; k < hyp.size(); ++k)
      if (recs[k].valid)
        points_[std::size_t(hyp[k])][mu[k]] =
            std::vector<double>(x_out.begin() + std::ptrdiff_t(k * P2), x_out.begin() + std::ptrdiff_t((k + 1) * P2));
  return recs;
}

}  // namespace hfx
