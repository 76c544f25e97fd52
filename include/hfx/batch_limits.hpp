// hfx/batch_limits.hpp - upper limits for many hypotheses at once: one upper_limit_search
// (limits.hpp, pyhf 0.7.6's toms748_scan in ask/tell form) per hypothesis, driven in rounds.
// Each round gathers every unfinished search's pending POI values into one list of
// (hypothesis, mu) items and evaluates them with one call of the caller's function: on the
// batched backends one launch per round over all hypotheses' points (GPU: thousands of
// items per launch instead of one hypothesis test at a time).
//
// Each search sees exactly the values it asked for, in its own order, so every
// hypothesis gets the limits toms748_scan would give with the same hypotest values.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "hfx/batch_hypotest.hpp"
#include "hfx/limits.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

struct limit_item {
  std::int32_t hyp;  // index into the hypotheses of the call
  double mu;         // POI value to test
};

// Hypotest values for each item, same order and count (throws hfx::error otherwise).
using limit_items_fn = std::function<std::vector<hypotest_values>(const std::vector<limit_item>& items)>;

struct batch_limits_stats {
  int rounds = 0;              // calls of the items function
  std::int64_t items = 0;      // hypotest evaluations in all rounds
  std::int64_t max_items = 0;  // largest round
};

// One upper limit search per hypothesis h on [bounds_low[h], bounds_up[h]] (pyhf's bracket:
// the POI's bounds); results in hypothesis order.
std::vector<upper_limit_result> batch_upper_limits(const limit_items_fn& f, const std::vector<double>& bounds_low,
                                                   const std::vector<double>& bounds_up,
                                                   const toms748_scan_options& opt = {},
                                                   batch_limits_stats* stats = nullptr);

// The limits of every hypothesis of b (bracket: its POI bounds, as pyhf) on `backend`: a
// hypotest_session does the mu-independent fits once per hypothesis, then each round's
// points are one at() call (2 fits per point; on the GPU one launch per round). Unlike the
// per-hypothesis engine, the fixed-POI fits start from the free fits at every point, not
// from the previous POI value. Throws model_error when the
// batch has no POI.
std::vector<upper_limit_result> batch_upper_limits(const batch_view& b, const batch_options& opt, backend_kind backend,
                                                   const toms748_scan_options& lim = {},
                                                   batch_limits_stats* stats = nullptr);

class hypotest_session;
// The same on an existing session over b (e.g. one that also gave the records at mu_test).
std::vector<upper_limit_result> batch_upper_limits(hypotest_session& session, const batch_view& b, test_stat stat,
                                                   const toms748_scan_options& lim = {},
                                                   batch_limits_stats* stats = nullptr);

}  // namespace hfx
