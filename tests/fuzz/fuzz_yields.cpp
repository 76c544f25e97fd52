// libFuzzer target: numbers, not syntax. A fixed workspace structure with every modifier
// type (two channels; normfactor, normsys, histosys, staterror, shapesys, shapefactor,
// lumi) gets all its numbers - yields, histosys templates, normsys factors, staterror and
// shapesys uncertainties, observations, lumi config - from the input bytes (two bytes per
// number: zero, small integers, or +-mantissa x 10^(-12..12)). Whatever compiles is
// evaluated at its inits and at a byte-driven point inside the bounds: twice_nll must be
// finite or +inf (never NaN or -inf), and where it is finite so must the gradient be.
// (The syntax-level targets rarely produce a workspace that compiles; this one always
// reaches compile_model with a well-formed spec.)
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/math/nll.hpp"
#include "hfx/workspace.hpp"

namespace {

struct byte_reader {
  const std::uint8_t* p;
  std::size_t n, i = 0;
  std::uint8_t next() { return n ? p[i++ % n] : 0; }
  double number() {
    const std::uint8_t a = next(), b = next();
    switch (a % 8) {
      case 0: return 0.0;
      case 1: return double(b % 16);                       // small counts
      case 2: return 1.0 + (double(b) - 128.0) / 256.0;    // factors near 1
      default: {
        const double mant = 1.0 + double(b) / 64.0;        // 1 .. 5
        const int exp10 = int(a / 8) % 25 - 12;            // -12 .. 12
        const double v = mant * std::pow(10.0, exp10);
        return (a & 0x80) && (b & 1) ? -v : v;             // some negatives
      }
    }
  }
  hfx::json numbers(int k) {
    hfx::json a = hfx::json::array();
    for (int j = 0; j < k; ++j) a.push_back(number());
    return a;
  }
};

[[noreturn]] void fail(double v, const char* what) {
  std::fprintf(stderr, "%s is %g\n", what, v);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader r{data, size};
  using hfx::json;
  const int nb = 1 + r.next() % 3;  // bins of SR (CR has 1)
  json sig_mods = json::array({{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}},
                               {{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}}});
  json bkg_mods = json::array(
      {{{"name", "xs"}, {"type", "normsys"}, {"data", {{"hi", r.number()}, {"lo", r.number()}}}},
       {{"name", "jes"}, {"type", "histosys"}, {"data", {{"hi_data", r.numbers(nb)}, {"lo_data", r.numbers(nb)}}}},
       {{"name", "stat"}, {"type", "staterror"}, {"data", r.numbers(nb)}},
       {{"name", "unc"}, {"type", "shapesys"}, {"data", r.numbers(nb)}},
       {{"name", "sf"}, {"type", "shapefactor"}, {"data", nullptr}}});
  json cr_mods = json::array({{{"name", "jes"}, {"type", "normsys"}, {"data", {{"hi", r.number()}, {"lo", r.number()}}}},
                              {{"name", "stat"}, {"type", "staterror"}, {"data", r.numbers(1)}}});
  json lumi_cfg = {{"name", "lumi"}, {"auxdata", r.numbers(1)}, {"sigmas", r.numbers(1)},
                   {"bounds", json::array({json::array({0.0, 1.0 + std::fabs(r.number())})})},
                   {"inits", json::array({1.0})}};
  json config = {{"poi", "mu"}, {"parameters", json::array({lumi_cfg})}};
  json sr = {{"name", "SR"},
             {"samples", json::array({json{{"name", "sig"}, {"data", r.numbers(nb)}, {"modifiers", sig_mods}},
                                      json{{"name", "bkg"}, {"data", r.numbers(nb)}, {"modifiers", bkg_mods}}})}};
  json cr = {{"name", "CR"},
             {"samples", json::array({json{{"name", "bkg"}, {"data", r.numbers(1)}, {"modifiers", cr_mods}}})}};
  json obs = json::array({json{{"name", "SR"}, {"data", r.numbers(nb)}}, json{{"name", "CR"}, {"data", r.numbers(1)}}});
  json spec = {{"version", "1.0.0"},
               {"channels", json::array({sr, cr})},
               {"observations", obs},
               {"measurements", json::array({json{{"name", "m"}, {"config", config}}})}};
  hfx::model_options opt;
  if (r.next() & 1) opt.normsys_code = hfx::interp_code::code1;
  if (r.next() & 1) opt.histosys_code = (r.next() & 1) ? hfx::interp_code::code0 : hfx::interp_code::code2;
  hfx::compiled_model m;
  try {
    m = hfx::compile_model(spec, opt, "fuzz_yields.json");
  } catch (const hfx::error&) {
    return 0;
  }
  const hfx::model_view v = m.view();
  std::vector<double> work(hfx::nll_work_size(v.s) + 1), grad(std::size_t(m.n_pars));
  const std::vector<double> d = m.data();
  std::vector<double> x = m.init;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1)
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!m.fixed[i]) x[i] = m.lo[i] + (double(r.next()) / 255.0) * (m.hi[i] - m.lo[i]);
    const double t = hfx::twice_nll(v, x.data(), d.data(), work.data());
    if (std::isnan(t) || t == -INFINITY) fail(t, pass ? "twice_nll at a point in the bounds" : "twice_nll at the inits");
    const double tg = hfx::twice_nll_grad_hess(v, x.data(), d.data(), grad.data(), nullptr, work.data());
    if (std::isnan(tg) || tg == -INFINITY) fail(tg, "twice_nll_grad_hess value");
    if (std::isfinite(tg))
      for (double g : grad)
        if (std::isnan(g)) fail(g, "a gradient component at a finite twice_nll");
  }
  return 0;
}
