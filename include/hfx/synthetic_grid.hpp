// hfx/synthetic_grid.hpp - large synthetic signal grids made from a real patchset, for
// throughput and memory benchmarks (bench/, `hfx bench`) and for scaling studies.
//
// A real patchset has a few hundred signal points; scans of interest have 10^4..10^5. The
// grid makes N hypotheses (any N) by interpolating between neighbouring real signal points:
//
//  * neighbours: for every real patch a, its `neighbours` nearest other patches in label
//    space (each numeric label scaled by its range over the patchset; patches whose labels
//    are not all numbers use their neighbours in file order). Each unordered pair {a, b} is
//    kept once; the pair list is shuffled with the seed.
//  * hypothesis k uses pair p = k mod P with a = the pair's first patch (the "template"),
//    b = the other, and t = van der Corput(k / P + 1) in (0, 1): 1/2, 1/4, 3/4, 1/8, ...
//    so the first P hypotheses put one point in the middle of every segment, the next P
//    halve the segments, and so on: a progressively finer mass grid.
//  * the patch is a's operations (same ops, paths, sample names, modifier names and types,
//    removed channels: the real structure) with every number x_a replaced by
//    (1 - t) x_a + t x_b, where b has the same number at the same place. Matching is
//    structural: ops by (op, path); object members by key; arrays of objects that carry a
//    "name" (modifier lists) by (name, type); other arrays element-wise when the lengths
//    agree. Numbers without a counterpart in b (a modifier b does not have, a differently
//    binned histogram) keep a's value. So every number lies between a's and b's values
//    (convex combination), which keeps yields, uncertainties and normsys factors positive
//    where the real ones are.
//  * the labels' values are interpolated the same way (non-numeric labels keep a's value);
//    the patch is named "<prefix><k>" and its metadata carries
//    "synthetic": {"from": a's name, "to": b's name, "t": t}.
//
// Deterministic: the result depends only on (patchset, seed, neighbours, k), not on the
// order or thread in which hypotheses are generated; patch(k) is const and thread-safe.
// Nothing is stored per hypothesis: memory is the source patchset plus the pair list, so
// a 100,000-point grid costs no more than a 100-point one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

namespace hfx {

struct synthetic_grid_options {
  std::size_t size = 1000;       // number of hypotheses N
  std::uint64_t seed = 1;        // shuffles the pair list
  int neighbours = 4;            // nearest real neighbours per real point
  std::string prefix = "syn_";   // patch names: prefix + k
};

struct synthetic_origin {
  std::size_t from = 0, to = 0;  // indices into the source patchset's patches (a, b)
  double t = 0.0;                // interpolation weight of `to`
};

class synthetic_grid {
 public:
  // Copies `source` (its patches' operations are shared read-only by all hypotheses).
  // input_error when the patchset has fewer than 2 patches or size == 0.
  synthetic_grid(patchset source, const synthetic_grid_options& opt);

  std::size_t size() const { return opt_.size; }
  const patchset& source() const { return src_; }
  const synthetic_grid_options& options() const { return opt_; }
  std::size_t n_pairs() const { return pairs_.size(); }

  synthetic_origin origin(std::size_t k) const;
  // Hypothesis k (k < size()): a patch with the template's structure (see above).
  patch_entry patch(std::size_t k) const;
  // A one-patch patchset holding patch(k) with the source's labels (for evaluate_hypothesis
  // and apply_patch, which take a patchset for messages).
  patchset single(std::size_t k) const;
  // The workspace `ws` with patch(k) applied, and its compiled model.
  json patched_workspace(const json& ws, std::size_t k) const;
  compiled_model model(const json& ws, std::size_t k, const model_options& mopt,
                       const std::string& ws_file = "workspace") const;
  // A pyhf patchset document (schema 1.0.0, the source's metadata and digests) with the
  // given hypotheses; for running pyhf on a sample of the grid.
  json to_patchset_json(const std::vector<std::size_t>& ks) const;

 private:
  patchset src_;
  synthetic_grid_options opt_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
};

// The interpolation rule above on two JSON values: a's structure, numbers mixed with b's
// where b has a counterpart. Exposed for tests.
json interpolate_json(const json& a, const json& b, double t);

// A bigger model made from a real one, for the model-size scaling curve: every channel of
// `ws` (a patched workspace, observations included) is repeated `copies` times; copy r > 0
// renames the channel and its observation to "<name>_rep<r>" and every modifier except the
// measurement's POI and "lumi" to "<name>_rep<r>" (independent regions that share only the
// signal strength and the luminosity), so bins and parameters grow ~linearly with
// `copies`. The measurement's parameter configs are copied for renamed parameters.
// input_error when copies < 1.
json replicate_channels(const json& ws, int copies, const std::string& ws_file = "workspace");

// van der Corput radical inverse in base 2 of j >= 1: 1/2, 1/4, 3/4, 1/8, 5/8, ...
double van_der_corput(std::uint64_t j);

}  // namespace hfx
