// libFuzzer target: model compiler + one twice_nll evaluation. A workspace that compiles
// is evaluated at its inits and at a point built from the input's last bytes (clamped
// into the bounds); twice_nll must be finite or +inf, never NaN or -inf (DESIGN.md
// section 2: "Never propagate NaN"; nll.hpp: infeasible points give +infinity).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/workspace.hpp"

namespace {
void check_value(double v, const char* where) {
  if (std::isnan(v) || v == -INFINITY) {
    std::fprintf(stderr, "twice_nll is %g at %s\n", v, where);
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hfx::compiled_model m;
  try {
    const hfx::json spec = hfx::parse_json_text(text, "fuzz.json");
    m = hfx::compile_model(spec, hfx::model_options{}, "fuzz.json");
  } catch (const hfx::error&) {
    return 0;
  }
  const hfx::model_view v = m.view();
  std::vector<double> work(hfx::nll_work_size(v.s) + 1);
  const std::vector<double> d = m.data();
  check_value(hfx::twice_nll(v, m.init.data(), d.data(), work.data()), "inits");
  // A second point: each component moved within its bounds by the input's bytes.
  std::vector<double> x = m.init;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = double(data[(i * 7919u) % size]) / 255.0;
    const double lo = m.lo[i], hi = m.hi[i];
    if (std::isfinite(lo) && std::isfinite(hi)) x[i] = lo + u * (hi - lo);
  }
  check_value(hfx::twice_nll(v, x.data(), d.data(), work.data()), "byte-driven point");
  return 0;
}
