// hfx/math/rates.hpp - expected rates of a packed model (host and device).
//
// For a (channel, sample) block and its bin j (model_view.hpp):
//   nu_j = A_j * N * B_j
//   A_j = nominal_j + sum_histosys delta_h(alpha_h)_j          (additive part)
//   N   = prod_normsys f_k(alpha_k) * prod_scalar theta_k        (bin-independent factors)
//   B_j = prod_binwise theta_{comp0 + j}                        (per-bin factors)
// pyhf 0.7.6 pdf.py _MainModel.expected_data: (nominal + sum of deltas) * product of
// factors, summed over the samples of a channel. The building blocks below are shared by
// the value path (expected_rates, twice_nll) and the derivative path (nll.hpp), so both
// compute bit-identical rates.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hfx/config.hpp"
#include "hfx/math/interp.hpp"
#include "hfx/math/strided.hpp"
#include "hfx/model_view.hpp"

namespace hfx {

// A product of factors that counts exact zeros apart, so that the product of all but one
// or two of its factors (needed by derivatives) is available without dividing by zero:
// a normfactor (the POI at mu = 0) or a shapefactor may be exactly 0.
struct factor_product {
  double nz = 1.0;  // product of the nonzero factors
  int zeros = 0;    // number of factors equal to 0

  HFX_HDI void mul(double f) {
    if (f == 0.0) ++zeros;
    else nz *= f;
  }
  HFX_HDI double value() const { return zeros ? 0.0 : nz; }
  // Product of all factors but f (f must be one of them).
  HFX_HDI double without(double f) const {
    if (f == 0.0) return zeros == 1 ? nz : 0.0;
    return zeros ? 0.0 : nz / f;
  }
  // Product of all factors but f and g (two distinct entries among them).
  HFX_HDI double without2(double f, double g) const {
    const int z = int(f == 0.0) + int(g == 0.0);
    if (zeros != z) return 0.0;
    double r = nz;
    if (f != 0.0) r /= f;
    if (g != 0.0) r /= g;
    return r;
  }
};

// One block's extents and pointers into its value segment (model_view.hpp layout).
struct block_data {
  sample_block b;
  const double* nom;      // nbins
  const double* histo;    // histosys e: lo at histo[2e*nbins + j], hi at histo[(2e+1)*nbins + j]
  const double* normsys;  // normsys e: lo at normsys[2e], hi at normsys[2e+1]
  std::int32_t n_histo, n_normsys, n_scalar, n_binwise;
};

HFX_HDI block_data block_at(const model_view& m, std::int32_t blk) {
  block_data d;
  d.b = m.s.blocks[blk];
  d.n_histo = d.b.histo_end - d.b.histo_begin;
  d.n_normsys = d.b.normsys_end - d.b.normsys_begin;
  d.n_scalar = d.b.scalar_end - d.b.scalar_begin;
  d.n_binwise = d.b.binwise_end - d.b.binwise_begin;
  d.nom = m.values + m.block_value_offset[blk];
  d.histo = d.nom + d.b.nbins;
  d.normsys = d.histo + std::int64_t(2) * d.n_histo * d.b.nbins;
  return d;
}

// One bin-independent factor entry k of a block: normsys entries first, then scalars.
struct factor_entry {
  std::int32_t comp;
  double f, d1, d2;  // value and derivatives in the component
};

// N = prod_normsys f_k(alpha_k) * prod_scalar theta_k. When nf is not null, stores each
// normsys's value and derivatives as nf[3k], nf[3k+1], nf[3k+2]. W: the scratch pointer
// type, double* or strided_ptr<double> (math/strided.hpp; see nll.hpp).
template <class W>
HFX_HDI factor_product block_norm_product(const model_view& m, const block_data& d,
                                          rebind_pointer_t<W, const double> pars, W nf) {
  factor_product p;
  for (std::int32_t k = 0; k < d.n_normsys; ++k) {
    const std::int32_t c = m.s.normsys_comp[d.b.normsys_begin + k];
    const interp_d f = normsys_interp(m.s.normsys_code, pars[c], d.normsys[2 * k], d.normsys[2 * k + 1]);
    if (nf) {
      nf[3 * k] = f.v;
      nf[3 * k + 1] = f.d1;
      nf[3 * k + 2] = f.d2;
    }
    p.mul(f.v);
  }
  for (std::int32_t k = 0; k < d.n_scalar; ++k) p.mul(pars[m.s.scalar_comp[d.b.scalar_begin + k]]);
  return p;
}

// Factor entry k (0 <= k < n_normsys + n_scalar) given the normsys values nf stored by
// block_norm_product.
template <class CW>
HFX_HDI factor_entry block_factor_entry(const model_view& m, const block_data& d, CW pars,
                                        std::type_identity_t<CW> nf, std::int32_t k) {
  if (k < d.n_normsys)
    return {m.s.normsys_comp[d.b.normsys_begin + k], nf[3 * k], nf[3 * k + 1], nf[3 * k + 2]};
  const std::int32_t c = m.s.scalar_comp[d.b.scalar_begin + (k - d.n_normsys)];
  return {c, pars[c], 1.0, 0.0};
}

// A_j = nominal_j + sum_h delta_h(alpha_h)_j. When dA is not null, stores d delta_h/d alpha
// at dA[h*stride] and the second derivative at d2A[h*stride].
template <class W>
HFX_HDI double bin_additive(const model_view& m, const block_data& d, std::int32_t j,
                            rebind_pointer_t<W, const double> pars, W dA, W d2A, std::int32_t stride) {
  const std::int32_t n = d.b.nbins;
  const double nom = d.nom[j];
  double a = nom;
  for (std::int32_t h = 0; h < d.n_histo; ++h) {
    const std::int32_t c = m.s.histo_comp[d.b.histo_begin + h];
    const double* lh = d.histo + std::int64_t(2) * h * n;
    const interp_d delta = histosys_interp(m.s.histosys_code, pars[c], lh[j], nom, lh[n + j]);
    a += delta.v;
    if (dA) {
      dA[h * stride] = delta.d1;
      d2A[h * stride] = delta.d2;
    }
  }
  return a;
}

// Component of binwise entry w at bin j.
HFX_HDI std::int32_t binwise_comp(const model_view& m, const block_data& d, std::int32_t w,
                                  std::int32_t j) {
  return m.s.binwise_comp0[d.b.binwise_begin + w] + j;
}

// B_j = prod_binwise theta_{comp0 + j}.
template <class CW>
HFX_HDI factor_product bin_binwise_product(const model_view& m, const block_data& d,
                                           std::int32_t j, CW pars) {
  factor_product p;
  for (std::int32_t w = 0; w < d.n_binwise; ++w) p.mul(pars[binwise_comp(m, d, w, j)]);
  return p;
}

// nu = A * N * B.
HFX_HDI double block_bin_rate(double A, const factor_product& N, const factor_product& B) {
  return (N.zeros + B.zeros) ? 0.0 : A * (N.nz * B.nz);
}

// Expected main rates nu (n_bins) at pars: the sum over the blocks covering each bin.
template <class W>
HFX_HDI void expected_rates(const model_view& m, rebind_pointer_t<W, const double> pars, W nu) {
  for (std::int32_t b = 0; b < m.s.n_bins; ++b) nu[b] = 0.0;
  for (std::int32_t blk = 0; blk < m.s.n_blocks; ++blk) {
    const block_data d = block_at(m, blk);
    const factor_product N = block_norm_product(m, d, pars, W(nullptr));
    for (std::int32_t j = 0; j < d.b.nbins; ++j) {
      const double A = bin_additive(m, d, j, pars, W(nullptr), W(nullptr), 0);
      nu[d.b.bin0 + j] += block_bin_rate(A, N, bin_binwise_product(m, d, j, pars));
    }
  }
}

// pyhf's expected auxiliary data (pdf.py _ConstraintModel.expected_auxdata): theta for a
// Gaussian constraint, gamma*tau for a Poisson one; aux (n_aux).
template <class W>
HFX_HDI void expected_auxdata(const model_view& m, rebind_pointer_t<W, const double> pars, W aux) {
  for (std::int32_t a = 0; a < m.s.n_aux; ++a) {
    const double t = pars[m.s.aux_comp[a]];
    aux[a] = constraint_kind(m.s.aux_kind[a]) == constraint_kind::poisson ? t * m.aux_scale[a] : t;
  }
}

// Main rates followed by the expected auxiliary data (n_bins + n_aux): with the
// parameters of a fit, this is pyhf's Asimov data. `work` is not used (kept so that
// every NLL entry point takes the same scratch argument).
template <class W>
HFX_HDI void expected_data(const model_view& m, rebind_pointer_t<W, const double> pars, W out, W work) {
  (void)work;
  expected_rates(m, pars, out);
  expected_auxdata(m, pars, out + m.s.n_bins);
}

}  // namespace hfx
