// hfx/local_components.hpp - host helper: the Schur-eliminable components of a structure
// (mark_local_components in math/newton.hpp) as an owned vector, for the fit drivers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "hfx/math/newton.hpp"

namespace hfx {

inline std::vector<std::uint8_t> local_components(const model_structure& s) {
  std::vector<std::uint8_t> local(std::size_t(s.n_pars));
  std::vector<int> bin_count(std::size_t(std::max(1, s.n_bins)));
  mark_local_components(s, local.data(), bin_count.data());
  return local;
}

}  // namespace hfx
