#include "hfx/batch_limits.hpp"

#include <algorithm>
#include <string>

#include "hfx/hypotest_session.hpp"
#include "hfx/math/asymptotics.hpp"

#include "hfx/error.hpp"

namespace hfx {

std::vector<upper_limit_result> batch_upper_limits(const limit_items_fn& f, const std::vector<double>& bounds_low,
                                                   const std::vector<double>& bounds_up,
                                                   const toms748_scan_options& opt, batch_limits_stats* stats) {
  if (bounds_low.size() != bounds_up.size())
    throw usage_error("batch_upper_limits: " + std::to_string(bounds_low.size()) + " lower and " +
                      std::to_string(bounds_up.size()) + " upper bounds");
  const std::size_t n = bounds_low.size();
  std::vector<upper_limit_search> searches;
  searches.reserve(n);
  for (std::size_t h = 0; h < n; ++h) searches.emplace_back(bounds_low[h], bounds_up[h], opt);
  batch_limits_stats st;
  std::vector<limit_item> items;
  std::vector<std::size_t> first;  // items[first[k]..] belong to active[k]
  std::vector<std::size_t> active;
  while (true) {
    items.clear();
    first.clear();
    active.clear();
    for (std::size_t h = 0; h < n; ++h) {
      if (searches[h].done()) continue;
      active.push_back(h);
      first.push_back(items.size());
      for (double mu : searches[h].pending()) items.push_back(limit_item{std::int32_t(h), mu});
    }
    if (active.empty()) break;
    std::vector<hypotest_values> v = f(items);
    if (v.size() != items.size())
      throw error("batch_upper_limits: the evaluation returned " + std::to_string(v.size()) + " values for " +
                  std::to_string(items.size()) + " points");
    ++st.rounds;
    st.items += std::int64_t(items.size());
    st.max_items = std::max(st.max_items, std::int64_t(items.size()));
    for (std::size_t k = 0; k < active.size(); ++k) {
      const std::size_t b = first[k], e = k + 1 < active.size() ? first[k + 1] : items.size();
      searches[active[k]].provide(std::vector<hypotest_values>(v.begin() + std::ptrdiff_t(b), v.begin() + std::ptrdiff_t(e)));
    }
  }
  if (stats) *stats = st;
  std::vector<upper_limit_result> out;
  out.reserve(n);
  for (const auto& s : searches) out.push_back(s.result());
  return out;
}

std::vector<upper_limit_result> batch_upper_limits(hypotest_session& session, const batch_view& b, test_stat stat,
                                                   const toms748_scan_options& lim, batch_limits_stats* stats) {
  const std::size_t n = std::size_t(std::max(b.n_hyp, 0));
  std::vector<double> lo(n), hi(n);
  for (std::size_t h = 0; h < n; ++h) {
    const model_view m = b.hyp(std::int32_t(h));
    lo[h] = m.lo[b.s.poi];
    hi[h] = m.hi[b.s.poi];
  }
  limit_items_fn f = [&](const std::vector<limit_item>& items) {
    std::vector<std::int32_t> hyp(items.size());
    std::vector<double> mu(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) {
      hyp[k] = items[k].hyp;
      mu[k] = items[k].mu;
    }
    const std::vector<hypotest_record> recs = session.at(hyp, mu);
    std::vector<hypotest_values> v;
    v.reserve(recs.size());
    for (const auto& r : recs) v.push_back(hypotest_result(stat, r.cls));
    return v;
  };
  return batch_upper_limits(f, lo, hi, lim, stats);
}

std::vector<upper_limit_result> batch_upper_limits(const batch_view& b, const batch_options& opt, backend_kind backend,
                                                   const toms748_scan_options& lim, batch_limits_stats* stats) {
  hypotest_session session(b, opt, backend);  // the mu-independent fits, once per hypothesis; throws without POI
  return batch_upper_limits(session, b, opt.hypotest.stat, lim, stats);
}

}  // namespace hfx
