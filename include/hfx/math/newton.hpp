// hfx/math/newton.hpp - the bounded, damped Newton fit of one hypothesis.
//
// One source for every backend: the CPU backend runs fit_one() in threads over hypotheses
// and the CUDA backend runs the same function per hypothesis on the device. It needs only
// twice_nll and its exact gradient and Hessian (math/nll.hpp) and caller-owned work memory.
//
// Method (Levenberg-Marquardt-damped Newton with a projected active set):
//  * free set: components not fixed, minus those at a bound whose gradient pushes outward
//    (they stay on the bound this iteration);
//  * step: (H_FF + lambda * diag(max(|H_ii|, 1))) p = -g_F, solved by Cholesky; the bin-wise
//    parameters that are alone in their bin ("local" components: staterror, shapesys,
//    shapefactor) have a diagonal block and are eliminated by a Schur complement, so the
//    dense factorisation only sees the other parameters;
//  * trial point projected onto the box; accepted when twice_nll does not increase and is
//    finite (points with a non-positive rate are +inf: rejected, lambda grows, the step shrinks);
//  * convergence: the Newton decrement g_F^T H_FF^-1 g_F (twice the predicted decrease of
//    twice_nll) below tol_decrement at an undamped step. With tol_decrement = 1e-10 the
//    remaining error in twice_nll is ~5e-11, which moves sqrt(q) and CLs by << 1e-7;
//  * saddle points: where H_FF is indefinite, damping only shortens the step, and a direction
//    of negative curvature with zero gradient is never left (a histosys whose variations are
//    both zero sits at alpha = 0 with gradient 0 and negative curvature under code4p; on
//    ATLAS-SUSY-2018-05 rjr_sr2l_low the fit stalled there 1.6e-2 above the minimum). When
//    H_FF stays indefinite for saddle_patience iterations (none positive definite in
//    between), or the fit would stop while it is, the fit takes a line search along a
//    direction of negative curvature (from the failed Cholesky pivot of the Schur
//    complement) instead of the damped step, and resumes Newton from there.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hfx/config.hpp"
#include "hfx/math/linalg.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/math/strided.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

enum class fit_status : std::uint8_t {
  converged = 0,       // Newton decrement below tolerance
  max_iterations = 1,  // iteration limit reached
  non_finite = 2,      // twice_nll is not finite at the start point
  singular = 3,        // no damping makes the system positive definite / step stalls
};

HFX_HDI const char* fit_status_name(fit_status s) {
  switch (s) {
    case fit_status::converged: return "converged";
    case fit_status::max_iterations: return "max_iterations";
    case fit_status::non_finite: return "non_finite";
    case fit_status::singular: return "singular";
  }
  return "unknown";
}

struct fit_settings {
  std::int32_t max_iter = 200;     // Newton converges in ~5-20 iterations on published models; flat directions need more
  double tol_decrement = 1e-10;    // see header comment
  double lambda0 = 1e-3;           // first damping when the undamped step fails
  double lambda_max = 1e12;        // beyond this the step is ~ gradient descent of size 1e-12: stalled
};

struct fit_outcome {
  double twice_nll;
  std::int32_t iterations;
  fit_status status;
  std::uint8_t at_bound;           // 1 when a free component ends on one of its bounds
};

HFX_HDI std::size_t fit_work_size(const model_structure& s) {
  const std::size_t P = std::size_t(s.n_pars);
  return nll_work_size(s) + 2 * P * P + 5 * P;
}
HFX_HDI std::size_t fit_iwork_size(const model_structure& s) { return 3 * std::size_t(s.n_pars); }

// Marks the local components (bin-wise and alone in their bin) in `local` (n_pars bytes).
// `bin_count` is scratch of n_bins ints. Host or device; called once per structure.
HFX_HDI void mark_local_components(const model_structure& s, std::uint8_t* local, int* bin_count) {
  for (int i = 0; i < s.n_pars; ++i) local[i] = 0;
  for (int b = 0; b < s.n_bins; ++b) bin_count[b] = 0;
  // Count distinct bin-wise components per bin (a component shared by two samples of a
  // bin counts once; two different components in one bin couple and are not local).
  for (int bl = 0; bl < s.n_blocks; ++bl) {
    const sample_block& B = s.blocks[bl];
    for (int e = B.binwise_begin; e < B.binwise_end; ++e) {
      for (int j = 0; j < B.nbins; ++j) {
        const int c = s.binwise_comp0[e] + j;
        if (local[c] == 0) { local[c] = 1; }
      }
    }
  }
  // local[c] == 1 now marks bin-wise components; count per bin, distinct components.
  for (int bl = 0; bl < s.n_blocks; ++bl) {
    const sample_block& B = s.blocks[bl];
    for (int e = B.binwise_begin; e < B.binwise_end; ++e) {
      for (int j = 0; j < B.nbins; ++j) {
        const int c = s.binwise_comp0[e] + j;
        if (local[c] == 1) { local[c] = 2; bin_count[B.bin0 + j] += 1; }
      }
    }
  }
  for (int i = 0; i < s.n_pars; ++i) local[i] = local[i] ? 1 : 0;
  // A bin-wise component touching a bin with several bin-wise components is not local.
  for (int bl = 0; bl < s.n_blocks; ++bl) {
    const sample_block& B = s.blocks[bl];
    for (int e = B.binwise_begin; e < B.binwise_end; ++e)
      for (int j = 0; j < B.nbins; ++j)
        if (bin_count[B.bin0 + j] > 1) local[s.binwise_comp0[e] + j] = 0;
  }
}

// Iterations with an indefinite H_FF (no positive-definite undamped solve in between) before the
// fit looks for a direction of negative curvature. On the ~820 sbottom/staus validation patches
// H_FF is indefinite at the start of about half of the 6586 fits and damped Newton usually
// leaves such regions within two iterations; with 2, 319 of those fits take an escape step
// (same minima, mean iterations 4.26 -> 4.29), while a saddle with zero gradient along the
// negative curvature keeps H_FF indefinite at every iteration.
constexpr int saddle_patience = 2;

namespace detail {

// Solves (H_FF + lambda*D) p_F = -g_F for the free components listed in F (nf of them, the
// first ng global, then nl local), writing p (full length, zero outside F). Returns false if
// the damped system is not positive definite. Work: M (P*P), r (P). W: double* or
// strided_ptr<double> (math/strided.hpp; see nll.hpp).
template <class W>
HFX_HDI bool damped_solve(int P, const_doubles<W> H, const_doubles<W> g, rebind_pointer_t<W, const int> F, int ng,
                          int nl, double lambda, W M, W r, W p) {
  for (int i = 0; i < P; ++i) p[i] = 0.0;
  // Local block: diagonal d_l, coupling column H[g, l].
  // Schur complement S = M_GG - M_GL D^-1 M_LG, rhs_G = r_G - M_GL D^-1 r_L.
  for (int a = 0; a < nl; ++a) {
    const int l = F[ng + a];
    const double hll = H[l * P + l];
    const double d = hll + lambda * fmax(fabs(hll), 1.0);
    if (!(d > 0.0)) return false;
    r[ng + a] = d;  // stash the damped diagonal
  }
  for (int a = 0; a < ng; ++a) {
    const int i = F[a];
    for (int b = 0; b <= a; ++b) {
      const int j = F[b];
      double v = H[i * P + j];
      if (a == b) v += lambda * fmax(fabs(H[i * P + i]), 1.0);
      for (int c = 0; c < nl; ++c) {
        const int l = F[ng + c];
        v -= H[i * P + l] * H[j * P + l] / r[ng + c];
      }
      M[a * P + b] = v;
      M[b * P + a] = v;
    }
  }
  for (int a = 0; a < ng; ++a) {
    const int i = F[a];
    double v = -g[i];
    for (int c = 0; c < nl; ++c) {
      const int l = F[ng + c];
      v -= H[i * P + l] * (-g[l]) / r[ng + c];
    }
    r[a] = v;
  }
  if (ng > 0) {
    if (!la::cholesky(ng, M, P)) return false;
    la::cholesky_solve(ng, M, P, r);
  }
  for (int a = 0; a < ng; ++a) p[F[a]] = r[a];
  for (int c = 0; c < nl; ++c) {
    const int l = F[ng + c];
    double v = -g[l];
    for (int a = 0; a < ng; ++a) v -= H[F[a] * P + l] * r[a];
    p[l] = v / r[ng + c];
  }
  return true;
}

// A direction v of negative curvature of H_FF (full length, zero outside F, max-norm 1) and
// its curvature v^T H v < 0; returns 0 (v unusable) when none is found. A local component
// with H_ll < 0 gives its own axis. Otherwise the Schur complement S over the globals is
// factorised at lambda = 0 until its first pivot j fails with d_j < 0: with the rows
// factorised so far, S = [L11 L11^T, L11 l; l^T L11^T, s_jj] and y = (-L11^-T l, 1) gives
// y^T S y = s_jj - l^T l = d_j; the locals follow as v_L = -D^-1 H_LG y, so that
// v^T H v = y^T S y. A pivot that fails by being ~0 (a flat direction) gives none: damping
// and step doubling handle those. Work: M (P*P), y (P).
template <class W>
HFX_HDI double negative_curvature(int P, const_doubles<W> H, rebind_pointer_t<W, const int> F, int ng, int nl, W M,
                                  W y, W v) {
  for (int i = 0; i < P; ++i) v[i] = 0.0;
  int lmin = -1;
  double hmin = 0.0;
  for (int c = 0; c < nl; ++c) {
    const int l = F[ng + c];
    if (H[l * P + l] < hmin) { hmin = H[l * P + l]; lmin = l; }
  }
  if (lmin >= 0) { v[lmin] = 1.0; return hmin; }
  for (int c = 0; c < nl; ++c)
    if (!(H[F[ng + c] * P + F[ng + c]] > 0.0)) return 0.0;  // zero or NaN: no Schur complement
  for (int a = 0; a < ng; ++a) {
    const int i = F[a];
    for (int b = 0; b <= a; ++b) {
      const int j = F[b];
      double val = H[i * P + j];
      for (int c = 0; c < nl; ++c) {
        const int l = F[ng + c];
        val -= H[i * P + l] * H[j * P + l] / H[l * P + l];
      }
      M[a * P + b] = val;
      M[b * P + a] = val;
    }
  }
  const int j = la::cholesky_pivots(ng, M, P);
  if (j >= ng) return 0.0;
  double d = M[j * P + j];
  for (int k = 0; k < j; ++k) d -= M[j * P + k] * M[j * P + k];
  if (!(d < 0.0)) return 0.0;
  y[j] = 1.0;
  for (int i = j - 1; i >= 0; --i) {  // L11^T y = -l, back substitution
    double sum = -M[j * P + i];
    for (int k = i + 1; k < j; ++k) sum -= M[k * P + i] * y[k];
    y[i] = sum / M[i * P + i];
  }
  for (int a = 0; a <= j; ++a) v[F[a]] = y[a];
  for (int c = 0; c < nl; ++c) {
    const int l = F[ng + c];
    double sum = 0.0;
    for (int a = 0; a <= j; ++a) sum += H[F[a] * P + l] * y[a];
    v[l] = -sum / H[l * P + l];
  }
  // The exact curvature along v (not d_j, which carries the factorisation's rounding).
  double vmax = 0.0, curv = 0.0;
  for (int a = 0; a < ng + nl; ++a) {
    const int i = F[a];
    vmax = fmax(vmax, fabs(v[i]));
    double hv = 0.0;
    for (int b = 0; b < ng + nl; ++b) hv += H[i * P + F[b]] * v[F[b]];
    curv += v[i] * hv;
  }
  if (!(vmax > 0.0) || !(curv < 0.0) || !isfinite(curv)) return 0.0;
  for (int a = 0; a < ng + nl; ++a) v[F[a]] /= vmax;
  return curv / (vmax * vmax);
}

// Line search along a direction of negative curvature (negative_curvature()) from x, where
// twice_nll is f and its gradient g: v is turned downhill (both signs are tried when g.v = 0,
// an exact saddle), the step t (in units of v's largest component) starts at 1/16 of a unit
// - for nuisance parameters in units of sigma - and is halved until twice_nll decreases,
// then doubled while it keeps decreasing; trial points are projected onto the box. On a
// decrease x and f receive the best point and the function returns true; the caller
// recomputes the gradient and Hessian there. Work: M (P*P), y, v, xt, xb (P each).
template <class W>
HFX_HDI bool negative_curvature_step(const model_view& m, const_doubles<W> data,
                                     rebind_pointer_t<W, const std::uint8_t> fixed, const_doubles<W> H,
                                     const_doubles<W> g, rebind_pointer_t<W, const int> F, int ng, int nl, W x,
                                     double& f, W M, W y, W v, W xt, W xb, W nllw) {
  const int P = m.s.n_pars;
  if (!(negative_curvature(P, H, F, ng, nl, M, y, v) < 0.0)) return false;
  double gv = 0.0;
  for (int a = 0; a < ng + nl; ++a) gv += g[F[a]] * v[F[a]];
  const double sign0 = gv > 0.0 ? -1.0 : 1.0;
  for (int side = 0; side < 2; ++side) {
    const double sign = side == 0 ? sign0 : -sign0;
    double fb = f, tb = 0.0;
    // 1/16: the first trial stays well inside the region where the quadratic model holds for
    // parameters of unit scale; 12 halvings reach 1.5e-5, where a decrease of 0.5*|c|*t^2 is
    // still above rounding for |c| >~ 1e-3; 30 doublings reach any point of the box.
    double t = 1.0 / 16.0;
    for (int k = 0; k < 42; ++k) {
      for (int i = 0; i < P; ++i) {
        xt[i] = x[i] + sign * t * v[i];
        if (!fixed[i]) xt[i] = fmin(fmax(xt[i], m.lo[i]), m.hi[i]);
      }
      const double ft = twice_nll(m, xt, data, nllw);
      const bool better = isfinite(ft) && ft < fb;
      if (better) {
        fb = ft;
        tb = t;
        for (int i = 0; i < P; ++i) xb[i] = xt[i];
      }
      if (tb == 0.0) {
        if (k >= 12) break;
        t *= 0.5;
      } else {
        if (!better) break;
        t *= 2.0;
      }
    }
    if (tb > 0.0) {
      for (int i = 0; i < P; ++i) x[i] = xb[i];
      f = fb;
      return true;
    }
    if (gv != 0.0) break;  // the other side starts uphill
  }
  return false;
}

}  // namespace detail

// Minimises twice_nll(x; data) over the box [m.lo, m.hi] with the components where
// fixed[i] != 0 held at their value in x. x holds the start point on entry and the best
// point on exit; grad receives the gradient there (n_pars) and hess the Hessian (n_pars^2)
// when not null. `local` marks the Schur-eliminable components (mark_local_components).
// W (deduced from x and work): double* or strided_ptr<double> (math/strided.hpp); data,
// fixed and iwork are the pointers of the same kind to const double, const std::uint8_t
// and int. Everything carved out of work has type W.
template <class W>
HFX_HDI fit_outcome fit_one(const model_view& m, const_doubles<W> data, rebind_pointer_t<W, const std::uint8_t> fixed,
                            const std::uint8_t* local, W x, const fit_settings& st, W work,
                            rebind_pointer_t<W, int> iwork) {
  const int P = m.s.n_pars;
  W nllw = work;
  W g = nllw + nll_work_size(m.s);
  W H = g + P;
  W M = H + std::size_t(P) * P;
  W r = M + std::size_t(P) * P;
  W p = r + P;
  W xt = p + P;
  W gt = xt + P;
  rebind_pointer_t<W, int> F = iwork;

  fit_outcome out{0.0, 0, fit_status::converged, 0};
  // Project the start point into the box.
  for (int i = 0; i < P; ++i)
    if (!fixed[i]) x[i] = fmin(fmax(x[i], m.lo[i]), m.hi[i]);
  double f = twice_nll_grad_hess(m, x, data, g, H, nllw);
  if (!isfinite(f)) {
    out.twice_nll = f;
    out.status = fit_status::non_finite;
    return out;
  }
  double lambda = 0.0;
  int indefinite_run = 0;  // consecutive iterations in which H_FF was not positive definite
  int it = 0;
  for (; it < st.max_iter; ++it) {
    // Free set: globals first, then locals.
    int ng = 0, nl = 0;
    for (int i = 0; i < P; ++i) {
      if (fixed[i]) continue;
      if (x[i] <= m.lo[i] && g[i] > 0.0) continue;
      if (x[i] >= m.hi[i] && g[i] < 0.0) continue;
      if (!local[i]) F[ng++] = i;
    }
    for (int i = 0; i < P; ++i) {
      if (fixed[i] || !local[i]) continue;
      if (x[i] <= m.lo[i] && g[i] > 0.0) continue;
      if (x[i] >= m.hi[i] && g[i] < 0.0) continue;
      F[ng + nl++] = i;
    }
    if (ng + nl == 0) break;  // every component fixed or pinned at a bound: converged

    // Saddle escape (header comment), at most once per iteration and instead of the damped
    // step: on the first failed solve once H_FF has been indefinite for saddle_patience
    // iterations, or where the fit would stop at an indefinite H_FF.
    bool indefinite = false, escape_tried = false, escaped = false;
    double lambda_solved = -1.0;  // the damping of the last successful solve
    auto escape = [&]() -> bool {
      if (escape_tried) return false;
      escape_tried = true;
      return detail::negative_curvature_step(m, data, fixed, H, g, F, ng, nl, x, f, M, r, p, xt, gt, nllw);
    };
    bool accepted = false;
    while (!accepted) {
      if (!detail::damped_solve(P, H, g, F, ng, nl, lambda, M, r, p)) {
        if (!indefinite && indefinite_run >= saddle_patience) {
          indefinite = true;
          if ((escaped = escape())) break;
        }
        indefinite = true;
        lambda = lambda == 0.0 ? st.lambda0 : lambda * 10.0;
        if (lambda > st.lambda_max) {
          if ((escaped = escape())) break;
          out.status = fit_status::singular;
          goto done;
        }
        continue;
      }
      lambda_solved = lambda;
      double dec = 0.0;
      for (int a = 0; a < ng + nl; ++a) dec -= g[F[a]] * p[F[a]];
      if (lambda == 0.0 && dec >= 0.0 && dec < st.tol_decrement) {
        out.status = fit_status::converged;
        goto done;
      }
      for (int i = 0; i < P; ++i) {
        xt[i] = x[i] + p[i];
        if (!fixed[i]) xt[i] = fmin(fmax(xt[i], m.lo[i]), m.hi[i]);
      }
      // The trial is evaluated with its gradient and Hessian (into gt and M, free after the
      // solve): steps are accepted far more often than rejected, so this saves recomputing
      // them at the accepted point.
      double ft = twice_nll_grad_hess(m, xt, data, gt, M, nllw);
      if (isfinite(ft) && ft <= f) {
        accepted = true;
        bool extended = false;
        if (lambda > 0.0) {
          // A damped step in a flat, badly conditioned direction (e.g. a POI with almost no
          // signal) is short: extend it by doublings while twice_nll keeps decreasing, so
          // the fit reaches a far minimum or a bound in a few iterations, not hundreds.
          for (int k = 0; k < 20; ++k) {
            const double scale = double(2 << k);
            for (int i = 0; i < P; ++i) {
              r[i] = x[i] + scale * p[i];
              if (!fixed[i]) r[i] = fmin(fmax(r[i], m.lo[i]), m.hi[i]);
            }
            const double f2 = twice_nll(m, r, data, nllw);
            if (!(isfinite(f2) && f2 < ft)) break;
            ft = f2;
            extended = true;
            for (int i = 0; i < P; ++i) xt[i] = r[i];
          }
        }
        for (int i = 0; i < P; ++i) x[i] = xt[i];
        double fnew;
        if (extended) {
          fnew = twice_nll_grad_hess(m, x, data, g, H, nllw);
        } else {
          fnew = ft;
          W t = g; g = gt; gt = t;
          t = H; H = M; M = t;
        }
        const double drop = f - fnew;
        f = fnew;
        lambda = lambda > st.lambda0 ? lambda * 0.1 : 0.0;
        // A damped or bound-limited step that no longer changes twice_nll at all: the
        // remaining decrease is below double precision.
        if (drop == 0.0 && dec < st.tol_decrement * 1e3) {
          if (indefinite && (escaped = escape())) break;
          out.status = fit_status::converged;
          ++it;
          goto done;
        }
      } else {
        lambda = lambda == 0.0 ? st.lambda0 : lambda * 10.0;
        if (lambda > st.lambda_max) {
          if (indefinite && (escaped = escape())) break;
          // No decrease even with tiny steps: we sit at the minimum to machine precision
          // if the decrement is tiny, otherwise the fit has stalled.
          out.status = dec < st.tol_decrement * 1e3 ? fit_status::converged : fit_status::singular;
          goto done;
        }
      }
    }
    // A solve that succeeded at lambda = 0 proves H_FF positive definite; one that succeeded
    // at lambda > 0 without a failure says nothing either way.
    if (indefinite) ++indefinite_run;
    else if (lambda_solved == 0.0) indefinite_run = 0;
    // x and f moved along the direction of negative curvature; Newton resumes from there.
    if (escaped) f = twice_nll_grad_hess(m, x, data, g, H, nllw);
  }
  if (it >= st.max_iter) out.status = fit_status::max_iterations;
done:
  out.twice_nll = f;
  out.iterations = it;
  for (int i = 0; i < P; ++i)
    if (!fixed[i] && (x[i] <= m.lo[i] || x[i] >= m.hi[i])) out.at_bound = 1;
  return out;
}

}  // namespace hfx
