// Upper limits (see include/hfx/limits.hpp): scipy's TOMS748, numpy's interp, and pyhf
// 0.7.6's toms748_scan / linear_grid_scan.
#include "hfx/limits.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hfx/error.hpp"

namespace hfx {

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double eps = DBL_EPSILON;

double np_sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : (x == 0 ? 0.0 : nan_v)); }

// np.isclose(a, b, rtol, atol) for finite values: |a - b| <= atol + rtol * |b|.
bool np_isclose(double a, double b, double rtol, double atol) {
  return std::fabs(a - b) <= atol + rtol * std::fabs(b);
}

// scipy _secant: a secant step from the two bracket ends "taking a little care".
double secant(const double ab[2], const double fab[2]) {
  const double x0 = ab[0], x1 = ab[1], f0 = fab[0], f1 = fab[1];
  if (f0 == f1) return nan_v;
  if (std::fabs(f1) > std::fabs(f0)) return (-f0 / f1 * x1 + x0) / (1 - f0 / f1);
  return (-f1 / f0 * x0 + x1) / (1 - f1 / f0);
}

// scipy _interpolated_poly with N = 4 (Neville's algorithm), as used by _inverse_poly_zero:
// the polynomial through (xv[i], fv[i]) evaluated at x.
double interpolated_poly4(const double xv[4], const double fv[4], double x) {
  double Q[4][4] = {}, D[4][4] = {};
  for (int i = 0; i < 4; ++i) Q[i][0] = D[i][0] = fv[i];
  for (int k = 1; k < 4; ++k) {
    for (int i = k; i < 4; ++i) {
      const double alpha = D[i][k - 1] - Q[i - 1][k - 1];
      const double diffik = xv[i - k] - xv[i];
      Q[i][k] = (xv[i] - x) / diffik * alpha;
      D[i][k] = (xv[i - k] - x) / diffik * alpha;
    }
  }
  // np.sum(Q[-1, 1:]) (numpy's pairwise sum adds < 8 items in order) + Q[-1, 0]
  return ((-0.0 + Q[3][1]) + Q[3][2] + Q[3][3]) + Q[3][0];
}

// scipy _inverse_poly_zero: inverse cubic interpolation, x = IP(0).
double inverse_poly_zero(double a, double b, double c, double d, double fa, double fb, double fc,
                         double fd) {
  const double xv[4] = {fa, fb, fc, fd}, fv[4] = {a, b, c, d};
  return interpolated_poly4(xv, fv, 0.0);
}

// scipy _newton_quadratic: k Newton steps on the quadratic through (a,fa), (b,fb), (d,fd).
double newton_quadratic(const double ab[2], const double fab[2], double d, double fd, int k) {
  const double a = ab[0], b = ab[1], fa = fab[0], fb = fab[1];
  // _compute_divided_differences([a, b, d], [fa, fb, fd], forward=True, full=False)
  const double r0 = (fb - fa) / (b - a), r1 = (fd - fb) / (d - b);
  const double B = r0;
  const double A = (r1 - r0) / (d - a);
  auto P = [&](double x) { return (A * (x - b) + B) * (x - a) + fa; };
  double r;
  if (A == 0)
    r = a - fa / B;
  else
    r = np_sign(A) * np_sign(fa) > 0 ? a : b;
  for (int i = 0; i < k; ++i) {
    const double r1n = r - P(r) / (B + A * (2 * r - a - b));
    if (!(ab[0] < r1n && r1n < ab[1])) {
      if (ab[0] < r && r < ab[1]) return r;
      r = (ab[0] + ab[1]) / 2.0;
      break;
    }
    r = r1n;
  }
  return r;
}

// scipy _notclose(fs, rtol=0, atol=32*eps): all present, non-zero, finite and pairwise apart.
bool notclose4(const double fs[4], bool have_e) {
  if (!have_e) return false;  // fe is None in the first iteration: all(fs) is False
  for (int i = 0; i < 4; ++i)
    if (fs[i] == 0 || !std::isfinite(fs[i])) return false;
  for (int i = 0; i < 3; ++i)
    for (int j = i + 1; j < 4; ++j)
      if (np_isclose(fs[i], fs[j], 0.0, 32 * eps)) return false;
  return true;
}

}  // namespace

const char* to_string(root_status s) {
  switch (s) {
    case root_status::converged: return "converged";
    case root_status::max_iterations: return "max_iterations";
    case root_status::not_bracketed: return "not_bracketed";
    case root_status::non_finite: return "non_finite";
    case root_status::bad_input: return "bad_input";
  }
  return "unknown";
}

const char* to_string(limit_status s) {
  switch (s) {
    case limit_status::ok: return "ok";
    case limit_status::no_crossing_below_max: return "no_crossing_below_max";
    case limit_status::no_crossing_above_min: return "no_crossing_above_min";
    case limit_status::not_bracketed: return "not_bracketed";
    case limit_status::non_finite: return "non_finite";
    case limit_status::max_iterations: return "max_iterations";
  }
  return "unknown";
}

// ---- toms748_solver: scipy.optimize._zeros_py.TOMS748Solver (SciPy 1.10, BSD-3-Clause),
// restructured as a state machine: each place where scipy calls f is a state that waits
// for tell(). Quirks kept on purpose: in iterate(), `c` is not reset between the k inner
// steps, so a rejected inverse-cubic step re-evaluates the previous c.

toms748_solver::toms748_solver(double a, double b, const toms748_options& opt) : opt_(opt), root_(nan_v) {
  opt_.k = std::max(opt_.k, 1);
  opt_.k = std::min(opt_.k, 100);  // scipy's _K_MAX
  // scipy.optimize.toms748 argument checks (each a ValueError there).
  if (!(opt_.xtol > 0) || opt_.rtol < eps /* scipy: rtol < _rtol / 4 */ || opt_.maxiter < 1 || !std::isfinite(a) ||
      !std::isfinite(b) || !(a < b)) {
    finish(root_status::bad_input, nan_v);
    return;
  }
  ab_[0] = a;
  ab_[1] = b;
  state_ = state::fa;
  x_ = a;
}

void toms748_solver::finish(root_status s, double root) {
  state_ = state::done;
  status_ = s;
  root_ = s == root_status::converged ? root : nan_v;
}

std::pair<double, double> toms748_solver::update_bracket(double c, double fc) {
  const int idx = np_sign(fab_[0]) * np_sign(fc) > 0 ? 0 : 1;
  const std::pair<double, double> r{ab_[idx], fab_[idx]};
  ab_[idx] = c;
  fab_[idx] = fc;
  return r;
}

void toms748_solver::begin_iteration() {  // start of scipy iterate()
  ++iterations_;
  ld_ = d_; lfd_ = fd_; le_ = e_; lfe_ = fe_; lhave_e_ = have_e_;
  ab_width_ = ab_[1] - ab_[0];
  c_set_ = false;
  nsteps_ = 2;
  choose_step_c();
}

void toms748_solver::choose_step_c() {
  const double fs[4] = {fab_[0], fab_[1], lfd_, lfe_};
  if (notclose4(fs, lhave_e_)) {
    const double c0 = inverse_poly_zero(ab_[0], ab_[1], ld_, le_, fab_[0], fab_[1], lfd_, lfe_);
    if (ab_[0] < c0 && c0 < ab_[1]) { c_ = c0; c_set_ = true; }
  }
  if (!c_set_) { c_ = newton_quadratic(ab_, fab_, ld_, lfd_, nsteps_); c_set_ = true; }
  state_ = state::step_c;
  x_ = c_;
}

void toms748_solver::choose_u_c() {
  const int uix = std::fabs(fab_[0]) < std::fabs(fab_[1]) ? 0 : 1;
  const double u = ab_[uix], fu = fab_[uix];
  const double A = (fab_[1] - fab_[0]) / (ab_[1] - ab_[0]);  // divided difference f[a, b]
  double c = u - 2 * fu / A;
  if (std::fabs(c - u) > 0.5 * (ab_[1] - ab_[0])) {
    c = (ab_[0] + ab_[1]) / 2.0;
  } else if (np_isclose(c, u, eps, 0.0)) {
    int e0 = 0, e1 = 0;
    std::frexp(fab_[0], &e0);
    std::frexp(fab_[1], &e1);
    const int eu = uix == 0 ? e0 : e1, ev = uix == 0 ? e1 : e0;
    if (eu < ev - 50) {
      c = (31 * ab_[uix] + ab_[1 - uix]) / 32;
    } else {
      const double mm = uix == 0 ? 1 : -1;
      const double adj = mm * std::fabs(c) * opt_.rtol + mm * opt_.xtol;
      c = u + adj;
    }
    if (!(ab_[0] < c && c < ab_[1])) c = (ab_[0] + ab_[1]) / 2.0;
  }
  state_ = state::u_c;
  x_ = c;
}

void toms748_solver::end_iteration() {
  d_ = ld_; fd_ = lfd_; e_ = le_; fe_ = lfe_; have_e_ = lhave_e_;
  // get_status()
  if (np_isclose(ab_[0], ab_[1], opt_.rtol, opt_.xtol)) {
    finish(root_status::converged, (ab_[0] + ab_[1]) / 2.0);
    return;
  }
  if (iterations_ >= opt_.maxiter) {
    finish(root_status::max_iterations, nan_v);
    return;
  }
  begin_iteration();
}

void toms748_solver::tell(double fx) {
  if (state_ == state::done) return;
  ++calls_;
  if (!std::isfinite(fx)) {  // scipy _callf raises ValueError
    finish(root_status::non_finite, nan_v);
    return;
  }
  const double x = x_;
  switch (state_) {
    case state::fa:  // start()
      if (fx == 0) return finish(root_status::converged, x);
      fab_[0] = fx;
      state_ = state::fb;
      x_ = ab_[1];
      return;
    case state::fb: {
      if (fx == 0) return finish(root_status::converged, x);
      if (np_sign(fx) * np_sign(fab_[0]) > 0) return finish(root_status::not_bracketed, nan_v);
      fab_[1] = fx;
      // solve(): the first step only has two x-values.
      double c = secant(ab_, fab_);
      if (!(ab_[0] < c && c < ab_[1])) c = (ab_[0] + ab_[1]) / 2.0;
      state_ = state::first_c;
      x_ = c;
      return;
    }
    case state::first_c: {
      if (fx == 0) return finish(root_status::converged, x);
      const auto [d, fd] = update_bracket(x, fx);
      d_ = d; fd_ = fd; have_e_ = false;
      ++iterations_;
      begin_iteration();
      return;
    }
    case state::step_c: {
      if (fx == 0) return finish(root_status::converged, x);
      le_ = ld_; lfe_ = lfd_; lhave_e_ = true;
      const auto [d, fd] = update_bracket(x, fx);
      ld_ = d; lfd_ = fd;
      if (++nsteps_ < opt_.k + 2) choose_step_c();
      else choose_u_c();
      return;
    }
    case state::u_c: {
      if (fx == 0) return finish(root_status::converged, x);
      le_ = ld_; lfe_ = lfd_; lhave_e_ = true;
      const auto [d, fd] = update_bracket(x, fx);
      ld_ = d; lfd_ = fd;
      // If the width of the new interval did not decrease enough, bisect.
      if (ab_[1] - ab_[0] > 0.5 * ab_width_) {  // scipy _MU = 0.5
        le_ = ld_; lfe_ = lfd_;
        state_ = state::bisect;
        x_ = (ab_[0] + ab_[1]) / 2.0;
        return;
      }
      end_iteration();
      return;
    }
    case state::bisect: {
      if (fx == 0) return finish(root_status::converged, x);
      const auto [d, fd] = update_bracket(x, fx);
      ld_ = d; lfd_ = fd;
      end_iteration();
      return;
    }
    case state::done: return;
  }
}

toms748_result toms748(const std::function<double(double)>& f, double a, double b, const toms748_options& opt) {
  toms748_solver s(a, b, opt);
  while (!s.done()) s.tell(f(s.next_x()));
  return s.result();
}

// ---- numpy.interp (numpy/core/src/multiarray/compiled_base.c, numpy 1.24) ----

namespace {
constexpr std::ptrdiff_t likely_in_cache_size = 8;

std::ptrdiff_t binary_search_with_guess(double key, const double* arr, std::ptrdiff_t len, std::ptrdiff_t guess) {
  std::ptrdiff_t imin = 0, imax = len;
  if (key > arr[len - 1]) return len;
  if (key < arr[0]) return -1;
  if (len <= 4) {
    std::ptrdiff_t i = 1;
    for (; i < len && key >= arr[i]; ++i) {}
    return i - 1;
  }
  if (guess > len - 3) guess = len - 3;
  if (guess < 1) guess = 1;
  if (key < arr[guess]) {
    if (key < arr[guess - 1]) {
      imax = guess - 1;
      if (guess > likely_in_cache_size && key >= arr[guess - likely_in_cache_size])
        imin = guess - likely_in_cache_size;
    } else {
      return guess - 1;
    }
  } else {
    if (key < arr[guess + 1]) return guess;
    if (key < arr[guess + 2]) return guess + 1;
    imin = guess + 2;
    if (guess < len - likely_in_cache_size - 1 && key < arr[guess + likely_in_cache_size])
      imax = guess + likely_in_cache_size;
  }
  while (imin < imax) {
    const std::ptrdiff_t imid = imin + ((imax - imin) >> 1);
    if (key >= arr[imid]) imin = imid + 1;
    else imax = imid;
  }
  return imin - 1;
}
}  // namespace

double np_interp(double x, std::span<const double> xp, std::span<const double> fp) {
  const auto len = static_cast<std::ptrdiff_t>(xp.size());
  if (len == 0) throw usage_error("interp: array of sample points is empty");
  if (fp.size() != xp.size()) throw usage_error("interp: fp and xp are not of the same length");
  const double* dx = xp.data();
  const double* dy = fp.data();
  const double lval = dy[0], rval = dy[len - 1];
  if (len == 1) return x < dx[0] ? lval : (x > dx[0] ? rval : dy[0]);
  if (std::isnan(x)) return x;
  const std::ptrdiff_t j = binary_search_with_guess(x, dx, len, 0);
  if (j == -1) return lval;
  if (j == len) return rval;
  if (j == len - 1) return dy[j];
  if (dx[j] == x) return dy[j];
  const double slope = (dy[j + 1] - dy[j]) / (dx[j + 1] - dx[j]);
  double r = slope * (x - dx[j]) + dy[j];
  if (std::isnan(r)) {
    r = slope * (x - dx[j + 1]) + dy[j + 1];
    if (std::isnan(r) && dy[j] == dy[j + 1]) r = dy[j];
  }
  return r;
}

// ---- upper limits ----

bool upper_limit_result::all_ok() const {
  if (obs_status != limit_status::ok) return false;
  for (auto s : exp_status)
    if (s != limit_status::ok) return false;
  return true;
}

namespace {
std::string count_mismatch(const char* what, std::size_t got, std::size_t want) {
  std::string m(what);
  m += ": ";
  m += std::to_string(got);
  m += " hypotest results for ";
  m += std::to_string(want);
  m += " POI values";
  return m;
}

limit_status from_root(root_status s) {
  switch (s) {
    case root_status::converged: return limit_status::ok;
    case root_status::max_iterations: return limit_status::max_iterations;
    case root_status::non_finite: return limit_status::non_finite;
    default: return limit_status::not_bracketed;
  }
}
}  // namespace

upper_limit_search::upper_limit_search(double bounds_low, double bounds_up, const toms748_scan_options& opt)
    : opt_(opt), low_(bounds_low), up_(bounds_up) {
  advance();
}

const hypotest_values* upper_limit_search::lookup(double mu) {
  auto k = known_.find(mu);
  if (k == known_.end()) return nullptr;
  if (order_idx_.find(mu) == order_idx_.end()) {  // first use: pyhf inserts into its cache now
    order_idx_[mu] = res_.mu.size();
    res_.mu.push_back(mu);
    res_.values.push_back(k->second);
  }
  return &k->second;
}

void upper_limit_search::provide(const std::vector<hypotest_values>& values) {
  if (values.size() != pending_.size())
    throw error(count_mismatch("upper limit search", values.size(), pending_.size()));
  for (std::size_t i = 0; i < values.size(); ++i) known_[pending_[i]] = values[i];
  ++res_.batches;
  pending_.clear();
  advance();
}

// pyhf best_bracket(limit): among all cached points (in cache order), the one with the
// smallest value - level >= 0 and the one with the largest value - level < 0 (first on ties).
bool upper_limit_search::best_bracket(int curve, double& lo, double& hi) const {
  bool have_pos = false, have_neg = false;
  double best_pos = 0, best_neg = 0;
  for (std::size_t i = 0; i < res_.mu.size(); ++i) {
    const double v = curve_value(res_.values[i], curve) - opt_.level;
    if (v >= 0 && (!have_pos || v < best_pos)) { have_pos = true; best_pos = v; lo = res_.mu[i]; }
    if (v < 0 && (!have_neg || v > best_neg)) { have_neg = true; best_neg = v; hi = res_.mu[i]; }
  }
  return have_pos && have_neg;
}

void upper_limit_search::start_solver(int curve) {
  // Curves left unbracketed because the widening stopped (pyhf would go on forever).
  const hypotest_values* vlow = lookup(low_);
  const hypotest_values* vup = lookup(up_);
  limit_status pre = limit_status::ok;
  if (low_exhausted_ && curve_value(*vlow, curve) < opt_.level) pre = limit_status::no_crossing_above_min;
  else if (up_exhausted_ && curve_value(*vup, curve) > opt_.level) pre = limit_status::no_crossing_below_max;
  double a = low_, b = up_;
  if (pre == limit_status::ok && curve > 0 && !best_bracket(curve, a, b)) pre = limit_status::not_bracketed;
  if (pre != limit_status::ok) {
    solvers_[curve] = toms748_solver(1.0, 0.0);  // done at once (bad_input); status set below
    active_[curve] = false;
    if (curve == 0) { res_.obs = nan_v; res_.obs_status = pre; }
    else { res_.exp[curve - 1] = nan_v; res_.exp_status[curve - 1] = pre; }
    return;
  }
  toms748_options o;
  o.k = 2;  // pyhf: toms748(f, a, b, args=(level, idx), k=2, xtol=atol, rtol=rtol)
  o.xtol = opt_.atol;
  o.rtol = opt_.rtol;
  solvers_[curve] = toms748_solver(a, b, o);
  active_[curve] = true;
}

void upper_limit_search::finish_curve(int curve) {
  const toms748_result r = solvers_[curve].result();
  active_[curve] = false;
  if (curve == 0) { res_.obs = r.root; res_.obs_status = from_root(r.status); }
  else { res_.exp[curve - 1] = r.root; res_.exp_status[curve - 1] = from_root(r.status); }
}

void upper_limit_search::advance() {
  for (;;) {
    switch (phase_) {
      case phase::widen_low: {
        const hypotest_values* v = lookup(low_);
        if (!v) {
          pending_ = {low_};
          // The first batch also carries bounds_up (pyhf evaluates it after the halving
          // loop; the cache order, which best_bracket depends on, is kept as pyhf's).
          if (res_.batches == 0 && up_ != low_ && !known_.count(up_)) pending_.push_back(up_);
          return;
        }
        bool any_below = false;
        for (int c = 0; c < n_limit_curves; ++c) any_below |= curve_value(*v, c) < opt_.level;
        if (any_below) {
          if (halvings_ < opt_.max_halvings && low_ / 2 != low_) {
            low_ /= 2;
            ++halvings_;
            continue;
          }
          low_exhausted_ = true;
        }
        phase_ = phase::widen_up;
        continue;
      }
      case phase::widen_up: {
        const hypotest_values* v = lookup(up_);
        if (!v) { pending_ = {up_}; return; }
        bool any_above = false;
        for (int c = 0; c < n_limit_curves; ++c) any_above |= curve_value(*v, c) > opt_.level;
        if (any_above) {
          if (up_ * 2 <= opt_.max_poi) {
            up_ *= 2;
            continue;
          }
          up_exhausted_ = true;
        }
        phase_ = phase::solve;
        solvers_.assign(n_limit_curves, toms748_solver(1.0, 0.0));
        active_.assign(n_limit_curves, false);
        curve_ = 0;
        if (opt_.lockstep)
          for (int c = 0; c < n_limit_curves; ++c) start_solver(c);
        else
          start_solver(0);
        continue;
      }
      case phase::solve: {
        if (!opt_.lockstep) {
          while (curve_ < n_limit_curves) {
            if (active_[curve_]) {
              toms748_solver& s = solvers_[curve_];
              while (!s.done()) {
                const hypotest_values* v = lookup(s.next_x());
                if (!v) { pending_ = {s.next_x()}; return; }
                s.tell(curve_value(*v, curve_) - opt_.level);
              }
              finish_curve(curve_);
            }
            if (++curve_ < n_limit_curves) start_solver(curve_);
          }
        } else {
          std::vector<double> need;
          for (int c = 0; c < n_limit_curves; ++c) {
            if (!active_[c]) continue;
            toms748_solver& s = solvers_[c];
            while (!s.done()) {
              const hypotest_values* v = lookup(s.next_x());
              if (!v) {
                if (std::find(need.begin(), need.end(), s.next_x()) == need.end()) need.push_back(s.next_x());
                break;
              }
              s.tell(curve_value(*v, c) - opt_.level);
            }
            if (s.done()) finish_curve(c);
          }
          if (!need.empty()) { pending_ = std::move(need); return; }
        }
        phase_ = phase::finished;
        continue;
      }
      case phase::finished: return;
    }
  }
}

upper_limit_result toms748_scan(const hypotest_batch_fn& f, double bounds_low, double bounds_up,
                                const toms748_scan_options& opt) {
  upper_limit_search s(bounds_low, bounds_up, opt);
  while (!s.done()) {
    std::vector<double> mu = s.pending();
    s.provide(f(mu));
  }
  return s.result();
}

upper_limit_result linear_grid_scan(const std::vector<double>& scan, const std::vector<hypotest_values>& values,
                                    double level) {
  if (scan.empty()) throw usage_error("linear grid scan: empty list of POI values");
  if (values.size() != scan.size())
    throw error(count_mismatch("linear grid scan", values.size(), scan.size()));
  upper_limit_result res;
  res.mu = scan;
  res.values = values;
  // pyhf: np.interp(level, CLs[::-1], scan[::-1]) per curve.
  std::vector<double> xp(scan.size()), fp(scan.rbegin(), scan.rend());
  for (int c = 0; c < n_limit_curves; ++c) {
    for (std::size_t i = 0; i < scan.size(); ++i) xp[i] = curve_value(values[scan.size() - 1 - i], c);
    const double lim = np_interp(level, xp, fp);
    limit_status st = limit_status::ok;
    if (level < xp.front()) st = limit_status::no_crossing_below_max;    // clamped to scan[-1]
    else if (level > xp.back()) st = limit_status::no_crossing_above_min;  // clamped to scan[0]
    else if (!std::isfinite(lim)) st = limit_status::non_finite;
    if (c == 0) { res.obs = lim; res.obs_status = st; }
    else { res.exp[c - 1] = lim; res.exp_status[c - 1] = st; }
  }
  return res;
}

upper_limit_result linear_grid_scan(const hypotest_batch_fn& f, const std::vector<double>& scan, double level) {
  if (scan.empty()) throw usage_error("linear grid scan: empty list of POI values");
  std::vector<hypotest_values> values = f(scan);
  upper_limit_result res = linear_grid_scan(scan, values, level);
  res.batches = 1;
  return res;
}

}  // namespace hfx
