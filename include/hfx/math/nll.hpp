// hfx/math/nll.hpp - twice_nll = -2 log L(data | pars) of one hypothesis, with its exact
// gradient and Hessian (host and device; the caller provides scratch memory).
//
// twice_nll = sum_b -2 log Pois(n_b | nu_b) + sum_a -2 log C_a(aux_a | theta_{c_a})
// (pyhf 0.7.6 pdf.py Model.logpdf; pyhf.infer.mle.twice_nll = -2 * logpdf). `data` holds
// n_bins main counts followed by n_aux auxiliary data (observed or Asimov).
//
// Derivatives. With w2_b = d(term)/d(nu_b) = 2(1 - n_b/nu_b), w1_b = 2 n_b/nu_b^2 and
// J_b = d nu_b/d theta, the main part contributes grad = sum_b w2_b J_b and
// Hess = sum_b [w1_b J_b J_b^T + w2_b d2 nu_b], exact (not Gauss-Newton). For a block
// nu_j = A_j N B_j (rates.hpp), every modifier entry is treated as its own variable and
// scattered onto its component, so a component entering several entries (an alpha with
// both a histosys and a normsys, a normfactor on several samples) is exact:
//   d nu_j/d x_h = N B_j dA_hj                      (histosys h)
//   d nu_j/d x_k = A_j B_j dN_k                     (normsys / scalar factor k)
//   d nu_j/d x_w = A_j N dB_jw                      (per-bin factor w at bin j)
// and the second derivatives summed with weights a_j = w2 over the block's bins:
//   (h,h): sum_j a_j N B_j d2A_hj       (h,k): [sum_j a_j dA_hj B_j] dN_k
//   (k,k'): [sum_j a_j A_j B_j] d2N_kk' (h,w), (k,w), (w,w'): per bin.
// The bin-independent products are done once per block, so the cost is
// O(bins * entries) + O(blocks * factor entries^2) + O(bins * touched components^2).
// Scratch (nll_work_size): rates and weights per bin, the dense Jacobian (n_bins x
// n_pars), and each block's interpolation derivatives, kept between the two passes.
// Two-pass structure: pass 1 computes rates (and stores derivatives), the weights need
// every block's rate of a bin, pass 2 assembles J and the second-derivative terms.
//
// Infeasible points (a rate < 0, or 0 with data, or a Poisson constraint rate likewise)
// and NaN anywhere give +infinity with gradient and Hessian set to zero, never NaN.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "hfx/config.hpp"
#include "hfx/math/poisson.hpp"
#include "hfx/math/rates.hpp"
#include "hfx/math/strided.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// Doubles of derivative scratch a block keeps between the two passes: A_j, dA, d2A
// (n_histo*nbins each) and the normsys values and derivatives (3 per normsys).
HFX_HDI std::size_t nll_block_store_size(const sample_block& b) {
  return std::size_t(b.nbins) * (1 + 2 * std::size_t(b.histo_end - b.histo_begin)) +
         3 * std::size_t(b.normsys_end - b.normsys_begin);
}

// Doubles of scratch that twice_nll and twice_nll_grad_hess need (the latter's, larger).
HFX_HDI std::size_t nll_work_size(const model_structure& s) {
  std::size_t store = 0, tmp = 0;
  for (std::int32_t blk = 0; blk < s.n_blocks; ++blk) {
    const sample_block& b = s.blocks[blk];
    store += nll_block_store_size(b);
    const std::size_t k = std::size_t(b.normsys_end - b.normsys_begin + b.scalar_end - b.scalar_begin);
    const std::size_t t = std::size_t(b.histo_end - b.histo_begin) + 2 * k;
    if (t > tmp) tmp = t;
  }
  // nu, w1, w2 (n_bins each), J (n_bins x n_pars), sparse row (2 n_pars), blocks, temps
  return 3 * std::size_t(s.n_bins) + std::size_t(s.n_bins) * std::size_t(s.n_pars) +
         2 * std::size_t(s.n_pars) + store + tmp;
}

// Pointer types: the functions below are templates over the type W of their scratch
// pointers, double* or strided_ptr<double> (math/strided.hpp); every pointer carved out of
// `work` has type W, and the read-only inputs (pars, data) are rebind_pointer_t<W, const
// double>. With W = double* the signatures are the plain ones. Model data (model_view) stay
// plain pointers.
template <class W>
using const_doubles = rebind_pointer_t<W, const double>;

// twice_nll at pars; work holds at least nll_work_size(m.s) doubles.
template <class W>
HFX_HDI double twice_nll(const model_view& m, const_doubles<W> pars, const_doubles<W> data, W work) {
  const std::int32_t nb = m.s.n_bins;
  W nu = work;
  expected_rates(m, pars, nu);
  double total = 0.0;
  for (std::int32_t b = 0; b < nb; ++b) total += poisson_term(data[b], nu[b]).v;
  const const_doubles<W> aux = data + nb;
  for (std::int32_t a = 0; a < m.s.n_aux; ++a) {
    const double t = pars[m.s.aux_comp[a]];
    total += constraint_kind(m.s.aux_kind[a]) == constraint_kind::poisson
                 ? poisson_constraint_term(aux[a], t, m.aux_scale[a]).v
                 : gauss_constraint_term(aux[a], t, m.aux_scale[a]).v;
  }
  return total == total ? total : double(INFINITY);
}

namespace detail {

// Adds the symmetric pair (i, j), (j, i) of an entry-space Hessian to the lower triangle
// of hess: a pair of distinct entries on the same component adds twice to the diagonal.
template <class W>
HFX_HDI void add_pair(W hess, std::int32_t n, std::int32_t i, std::int32_t j, double v) {
  if (i == j) hess[std::int64_t(i) * n + i] += 2.0 * v;
  else if (i > j) hess[std::int64_t(i) * n + j] += v;
  else hess[std::int64_t(j) * n + i] += v;
}

template <class W>
HFX_HDI double nll_infeasible(W grad, W hess, std::int32_t n) {
  for (std::int32_t i = 0; i < n; ++i) grad[i] = 0.0;
  if (hess)
    for (std::int64_t i = 0; i < std::int64_t(n) * n; ++i) hess[i] = 0.0;
  return double(INFINITY);
}

// Below this magnitude a factor is not divided by (1/f would overflow in the products of
// the fast path); the exact zero-aware products are used instead.
constexpr double tiny_factor = 1e-150;

}  // namespace detail

// twice_nll at pars with its exact gradient (n_pars) and, when hess is not null, its
// Hessian (n_pars x n_pars, row-major, symmetric), for every component including fixed
// ones. work holds at least nll_work_size(m.s) doubles. W is deduced from grad and work (hess
// takes it over, so that a literal nullptr converts to it).
template <class W>
HFX_HDI double twice_nll_grad_hess(const model_view& m, const_doubles<W> pars, const_doubles<W> data, W grad,
                                   std::type_identity_t<W> hess, W work) {
  const model_structure& s = m.s;
  const std::int32_t nb = s.n_bins, np = s.n_pars;
  W nu = work;
  W w1 = nu + nb;
  W w2 = w1 + nb;
  W J = w2 + nb;
  W row_idx = J + std::int64_t(nb) * np;
  W row_val = row_idx + np;
  W store = row_val + np;
  std::size_t store_size = 0;
  for (std::int32_t blk = 0; blk < s.n_blocks; ++blk) store_size += nll_block_store_size(s.blocks[blk]);
  W tmp = store + store_size;

  for (std::int32_t b = 0; b < nb; ++b) nu[b] = 0.0;
  for (std::int64_t i = 0; i < std::int64_t(nb) * np; ++i) J[i] = 0.0;
  for (std::int32_t i = 0; i < np; ++i) grad[i] = 0.0;
  if (hess)
    for (std::int64_t i = 0; i < std::int64_t(np) * np; ++i) hess[i] = 0.0;

  // Pass 1: rates, keeping each block's interpolation derivatives.
  std::size_t so = 0;
  for (std::int32_t blk = 0; blk < s.n_blocks; ++blk) {
    const block_data d = block_at(m, blk);
    const std::int32_t n = d.b.nbins;
    W A = store + so;
    W dA = A + n;
    W d2A = dA + std::int64_t(d.n_histo) * n;
    W nf = d2A + std::int64_t(d.n_histo) * n;
    so += nll_block_store_size(d.b);
    const factor_product N = block_norm_product(m, d, pars, nf);
    for (std::int32_t j = 0; j < n; ++j) {
      A[j] = bin_additive(m, d, j, pars, dA + j, d2A + j, n);
      nu[d.b.bin0 + j] += block_bin_rate(A[j], N, bin_binwise_product(m, d, j, pars));
    }
  }

  // Main and constraint terms.
  double total = 0.0;
  for (std::int32_t b = 0; b < nb; ++b) {
    const term_d t = poisson_term(data[b], nu[b]);
    total += t.v;
    w2[b] = t.d1;
    w1[b] = t.d2;
  }
  if (!(total < double(INFINITY))) return detail::nll_infeasible(grad, hess, np);
  const const_doubles<W> aux = data + nb;
  for (std::int32_t a = 0; a < s.n_aux; ++a) {
    const std::int32_t c = s.aux_comp[a];
    const term_d t = constraint_kind(s.aux_kind[a]) == constraint_kind::poisson
                         ? poisson_constraint_term(aux[a], pars[c], m.aux_scale[a])
                         : gauss_constraint_term(aux[a], pars[c], m.aux_scale[a]);
    total += t.v;
    grad[c] += t.d1;
    if (hess) hess[std::int64_t(c) * np + c] += t.d2;
  }
  if (!(total < double(INFINITY))) return detail::nll_infeasible(grad, hess, np);

  // Pass 2: Jacobian rows and the w2-weighted second derivatives, block by block.
  so = 0;
  for (std::int32_t blk = 0; blk < s.n_blocks; ++blk) {
    const block_data d = block_at(m, blk);
    const std::int32_t n = d.b.nbins, H = d.n_histo, K = d.n_normsys + d.n_scalar;
    const const_doubles<W> A = store + so;
    const const_doubles<W> dA = A + n;
    const const_doubles<W> d2A = dA + std::int64_t(H) * n;
    const const_doubles<W> nf = d2A + std::int64_t(H) * n;
    so += nll_block_store_size(d.b);
    W ch = tmp;        // sum_j a_j dA_hj B_j   (H)
    W dN = ch + H;     // dN/dx_k              (K)
    W g = dN + K;      // f'_k / f_k           (K, fast path)

    factor_product N;
    bool fast = true;
    for (std::int32_t k = 0; k < K; ++k) {
      const double f = block_factor_entry(m, d, pars, nf, k).f;
      N.mul(f);
      if (!(std::fabs(f) >= detail::tiny_factor)) fast = false;
    }
    for (std::int32_t k = 0; k < K; ++k) {
      const factor_entry e = block_factor_entry(m, d, pars, nf, k);
      dN[k] = e.d1 * N.without(e.f);
      g[k] = fast ? e.d1 / e.f : 0.0;
    }
    for (std::int32_t h = 0; h < H; ++h) ch[h] = 0.0;
    const double Nv = N.value();
    double S = 0.0;  // sum_j a_j A_j B_j

    for (std::int32_t j = 0; j < n; ++j) {
      const std::int32_t bin = d.b.bin0 + j;
      const double a = w2[bin], Aj = A[j];
      const factor_product B = bin_binwise_product(m, d, j, pars);
      const double Bv = B.value();
      W Jr = J + std::int64_t(bin) * np;
      for (std::int32_t h = 0; h < H; ++h) {
        const std::int32_t c = s.histo_comp[d.b.histo_begin + h];
        const double da = dA[std::int64_t(h) * n + j];
        Jr[c] += Nv * Bv * da;
        ch[h] += a * da * Bv;
        if (hess) hess[std::int64_t(c) * np + c] += a * Nv * Bv * d2A[std::int64_t(h) * n + j];
      }
      for (std::int32_t k = 0; k < K; ++k) Jr[block_factor_entry(m, d, pars, nf, k).comp] += Aj * Bv * dN[k];
      for (std::int32_t w = 0; w < d.n_binwise; ++w) {
        const std::int32_t cw = binwise_comp(m, d, w, j);
        const double dB = B.without(pars[cw]);
        Jr[cw] += Aj * Nv * dB;
        if (!hess || a == 0.0) continue;
        for (std::int32_t h = 0; h < H; ++h)
          detail::add_pair(hess, np, s.histo_comp[d.b.histo_begin + h], cw,
                           a * dA[std::int64_t(h) * n + j] * Nv * dB);
        for (std::int32_t k = 0; k < K; ++k)
          detail::add_pair(hess, np, block_factor_entry(m, d, pars, nf, k).comp, cw, a * Aj * dN[k] * dB);
        for (std::int32_t w2i = w + 1; w2i < d.n_binwise; ++w2i) {
          const std::int32_t cw2 = binwise_comp(m, d, w2i, j);
          detail::add_pair(hess, np, cw, cw2, a * Aj * Nv * B.without2(pars[cw], pars[cw2]));
        }
      }
      S += a * Aj * Bv;
    }
    if (!hess) continue;
    for (std::int32_t h = 0; h < H; ++h) {
      const std::int32_t c = s.histo_comp[d.b.histo_begin + h];
      for (std::int32_t k = 0; k < K; ++k)
        detail::add_pair(hess, np, c, block_factor_entry(m, d, pars, nf, k).comp, ch[h] * dN[k]);
    }
    for (std::int32_t k = 0; k < K; ++k) {
      const factor_entry e = block_factor_entry(m, d, pars, nf, k);
      if (e.d2 != 0.0) hess[std::int64_t(e.comp) * np + e.comp] += S * e.d2 * N.without(e.f);
      for (std::int32_t k2 = k + 1; k2 < K; ++k2) {
        const factor_entry e2 = block_factor_entry(m, d, pars, nf, k2);
        const double d2N = fast ? dN[k] * g[k2] : e.d1 * e2.d1 * N.without2(e.f, e2.f);
        detail::add_pair(hess, np, e.comp, e2.comp, S * d2N);
      }
    }
  }

  // Gradient sum_b w2_b J_b, and the first-derivative part of the Hessian
  // sum_b w1_b J_b J_b^T over the nonzero entries of each row (contiguous when the row is
  // at least half full, through an index list otherwise).
  for (std::int32_t b = 0; b < nb; ++b) {
    const const_doubles<W> Jr = J + std::int64_t(b) * np;
    std::int32_t cnt = 0;
    for (std::int32_t c = 0; c < np; ++c) {
      if (Jr[c] == 0.0) continue;
      grad[c] += w2[b] * Jr[c];
      row_idx[cnt] = double(c);
      row_val[cnt++] = Jr[c];
    }
    if (!hess || w1[b] == 0.0) continue;
    if (2 * cnt >= np) {  // dense row: a contiguous (vectorisable) update beats the index list
      for (std::int32_t p = 0; p < np; ++p) {
        if (Jr[p] == 0.0) continue;
        const double vp = w1[b] * Jr[p];
        W hr = hess + std::int64_t(p) * np;
        for (std::int32_t q = 0; q <= p; ++q) hr[q] += vp * Jr[q];
      }
      continue;
    }
    for (std::int32_t p = 0; p < cnt; ++p) {
      const std::int64_t cp = std::int64_t(row_idx[p]);
      const double vp = w1[b] * row_val[p];
      W hr = hess + cp * np;
      for (std::int32_t q = 0; q < p; ++q) hr[std::int64_t(row_idx[q])] += vp * row_val[q];
      hr[cp] += vp * row_val[p];
    }
  }
  if (hess)
    for (std::int32_t i = 0; i < np; ++i)
      for (std::int32_t j = 0; j < i; ++j) hess[std::int64_t(j) * np + i] = hess[std::int64_t(i) * np + j];

  if (!(total == total)) return detail::nll_infeasible(grad, hess, np);
  for (std::int32_t i = 0; i < np; ++i)
    if (!(grad[i] == grad[i])) return detail::nll_infeasible(grad, hess, np);
  return total;
}

}  // namespace hfx
