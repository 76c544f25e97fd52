// hfx/limits.hpp - upper limits on the POI from CLs(mu) curves, reproducing pyhf 0.7.6
// (pyhf/infer/intervals/upper_limits.py: toms748_scan, linear_grid_scan, upper_limit).
// Independent of the fitter: the hypotest values at a set of POI values come from a
// callback (or, for batched drivers, are fed to an upper_limit_search step by step).
//
// What pyhf does, and what hfx does differently (only where pyhf cannot finish):
// - toms748_scan(bounds_low, bounds_up): while any of the six curves (observed CLs and the
//   5 expected) is < level at bounds_low, halve bounds_low; while any is > level at
//   bounds_up, double bounds_up. pyhf loops without limit (checked with pyhf 0.7.6 and a
//   patched hypotest): with bounds_low = 0 (the usual POI bound) and a curve < level at 0
//   it never returns (0/2 = 0 is cached); with a curve that stays > level (e.g. CLs = 1,
//   a signal without yield) bounds_up doubles to inf and it never returns either; if the
//   values turn NaN at inf, scipy's toms748 raises ValueError("b is not finite").
//   hfx stops halving after
//   max_halvings (or when halving no longer changes bounds_low) and doubling before
//   bounds_up would exceed max_poi, and reports the curves left unbracketed with
//   limit_status::no_crossing_above_min / no_crossing_below_max (limit = NaN).
// - The observed limit: scipy toms748 on (bounds_low, bounds_up) with k=2, xtol=atol,
//   rtol. Each expected limit: toms748 on pyhf's best_bracket, i.e. among all points
//   evaluated so far (in evaluation order) the one with the smallest value >= level and
//   the one with the largest value < level. Evaluations are cached by exact POI value.
//   Where scipy raises (non-finite CLs, no sign change, 100 iterations), hfx reports a status.
// - pyhf's upper_limit(scan=None) takes the POI's suggested bounds as the bracket and
//   ignores its `level` argument (it does not pass it on; 0.05 is always used).
// - linear_grid_scan: np.interp(level, CLs[::-1], scan[::-1]) per curve, including numpy's
//   clamping to the end values when level is not crossed (reproduced exactly; hfx adds a
//   status saying so).
#pragma once
#include <cfloat>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "hfx/math/asymptotics.hpp"

namespace hfx {

// ---- TOMS748 (Alefeld, Potra & Shi 1995), ported from SciPy 1.10 scipy.optimize.toms748 ----

enum class root_status : std::uint8_t {
  converged,       // |a - b| <= xtol + rtol*|b| (root = midpoint), or f hit exactly 0
  max_iterations,  // scipy: RuntimeError("Failed to converge after ... iterations")
  not_bracketed,   // f(a), f(b) of the same sign; scipy: ValueError
  non_finite,      // f returned NaN/inf; scipy: ValueError("Invalid function value")
  bad_input,       // a >= b, non-finite a/b, xtol <= 0, rtol too small, maxiter < 1
};
const char* to_string(root_status s);

struct toms748_options {
  double xtol = 2e-12;             // scipy's defaults
  double rtol = 4 * DBL_EPSILON;
  int maxiter = 100;
  int k = 1;                       // pyhf passes k=2
};

struct toms748_result {
  double root;  // NaN unless converged
  int function_calls;
  int iterations;
  root_status status;
};

// Ask/tell form of scipy's TOMS748Solver: next_x() is where f is needed next; tell(f(x))
// advances. A caller can interleave many solvers and evaluate their points in batches.
class toms748_solver {
 public:
  toms748_solver(double a, double b, const toms748_options& opt = {});
  bool done() const { return state_ == state::done; }
  double next_x() const { return x_; }  // meaningful only while !done()
  void tell(double fx);
  toms748_result result() const { return {root_, calls_, iterations_, status_}; }

 private:
  enum class state : std::uint8_t { fa, fb, first_c, step_c, u_c, bisect, done };
  void finish(root_status s, double root);
  void begin_iteration();
  void choose_step_c();
  void choose_u_c();
  void end_iteration();
  std::pair<double, double> update_bracket(double c, double fc);

  toms748_options opt_;
  state state_ = state::fa;
  double x_ = 0;
  double ab_[2] = {0, 0}, fab_[2] = {0, 0};
  double d_ = 0, fd_ = 0, e_ = 0, fe_ = 0;  // solver-level d, e (e absent in the 1st iteration)
  bool have_e_ = false;
  // locals of scipy's iterate(), kept across tell() calls
  double ld_ = 0, lfd_ = 0, le_ = 0, lfe_ = 0, ab_width_ = 0, c_ = 0;
  bool lhave_e_ = false, c_set_ = false;
  int nsteps_ = 0;
  int calls_ = 0, iterations_ = 0;
  double root_;
  root_status status_ = root_status::converged;
};

// Synchronous convenience: runs toms748_solver with f.
toms748_result toms748(const std::function<double(double)>& f, double a, double b,
                       const toms748_options& opt = {});

// numpy.interp(x, xp, fp) for one x with default left/right (fp[0], fp[-1]), numpy 1.24's
// arr_interp + binary_search_with_guess exactly (also for unsorted xp, where numpy's result
// depends on its search path). Throws usage_error on empty xp or a size mismatch.
double np_interp(double x, std::span<const double> xp, std::span<const double> fp);

// ---- Upper limits ----

// Curve index: 0 = observed, 1 + i = expected i (pyhf's band order, i = 0 is "-2 sigma").
inline constexpr int n_limit_curves = 1 + n_expected;
HFX_HDI double curve_value(const hypotest_values& v, int curve) { return curve == 0 ? v.obs : v.exp[curve - 1]; }

enum class limit_status : std::uint8_t {
  ok,
  no_crossing_below_max,  // the curve is still > level at the largest POI tried (max_poi / end of grid)
  no_crossing_above_min,  // the curve is already < level at the smallest POI tried
  not_bracketed,          // no usable bracket (non-monotone curve: lower end >= upper end, ...)
  non_finite,             // a CLs value the root finder needed was NaN/inf
  max_iterations,         // toms748 did not converge in maxiter iterations
};
const char* to_string(limit_status s);

struct upper_limit_result {
  double obs = 0;                    // NaN where the status is not ok (toms748 mode)
  double exp[n_expected] = {};
  limit_status obs_status = limit_status::ok;
  limit_status exp_status[n_expected] = {};
  std::vector<double> mu;                 // evaluated POI values, in pyhf's cache order
  std::vector<hypotest_values> values;    // hypotest values at mu
  int batches = 0;                        // callback calls (batched evaluations)
  bool all_ok() const;
  double limit(int curve) const { return curve == 0 ? obs : exp[curve - 1]; }
  limit_status status(int curve) const { return curve == 0 ? obs_status : exp_status[curve - 1]; }
};

struct toms748_scan_options {
  double level = 0.05;  // pyhf toms748_scan defaults
  double atol = 2e-12;
  double rtol = 1e-4;
  double max_poi = 1e5;   // bounds_up is doubled only while the result stays <= max_poi
  int max_halvings = 30;  // bounds_low is halved at most this often (pyhf: unbounded)
  // false (default): pyhf's order, the six root finds one after the other, each expected
  // bracket taken from all points evaluated before it: identical results to pyhf.
  // true: the six root finds run in lockstep (brackets from the points of the bracket
  // search), so each batch carries up to 6 POI values; limits agree with pyhf within
  // the tolerance (rtol) but not bit for bit. On the test curves: ~1/3 of the rounds
  // (batches) for ~1.4x the evaluations, since later brackets no longer profit from the
  // points earlier root finds evaluated. For a non-monotone curve either mode may land
  // on a different crossing than the other.
  bool lockstep = false;
};

// Evaluates hypotest values (hypotest_result of asymptotic_cls) at each POI value given;
// returns one entry per input, same order. The POI values of one call are independent.
using hypotest_batch_fn = std::function<std::vector<hypotest_values>(const std::vector<double>& mu)>;

// Ask/tell form of toms748_scan, for drivers that batch many hypotheses: while !done(),
// evaluate pending() (distinct POI values) and pass the results to provide().
class upper_limit_search {
 public:
  upper_limit_search(double bounds_low, double bounds_up, const toms748_scan_options& opt = {});
  bool done() const { return pending_.empty(); }
  const std::vector<double>& pending() const { return pending_; }
  void provide(const std::vector<hypotest_values>& values);  // same order as pending()
  const upper_limit_result& result() const { return res_; }  // complete once done()

 private:
  enum class phase : std::uint8_t { widen_low, widen_up, solve, finished };
  const hypotest_values* lookup(double mu);  // pyhf's f_cached without evaluation
  void advance();
  void start_solver(int curve);
  void finish_curve(int curve);
  bool best_bracket(int curve, double& lo, double& hi) const;

  toms748_scan_options opt_;
  double low_, up_;
  int halvings_ = 0;
  bool low_exhausted_ = false, up_exhausted_ = false;
  phase phase_ = phase::widen_low;
  std::map<double, hypotest_values> known_;  // every value received
  std::map<double, std::size_t> order_idx_;  // position in res_.mu (pyhf's cache order)
  std::vector<double> pending_;
  int curve_ = 0;  // sequential mode: the curve being solved
  std::vector<toms748_solver> solvers_;
  std::vector<bool> active_;
  upper_limit_result res_;
};

// pyhf toms748_scan with a callback; throws hfx::error if the callback returns the wrong count.
upper_limit_result toms748_scan(const hypotest_batch_fn& f, double bounds_low, double bounds_up,
                                const toms748_scan_options& opt = {});

// pyhf linear_grid_scan: one batch call with the whole grid, then np_interp per curve.
upper_limit_result linear_grid_scan(const hypotest_batch_fn& f, const std::vector<double>& scan,
                                    double level = 0.05);
// The same from values already computed at the grid points.
upper_limit_result linear_grid_scan(const std::vector<double>& scan,
                                    const std::vector<hypotest_values>& values, double level = 0.05);

}  // namespace hfx
