// Synthetic grids (hfx/synthetic_grid.hpp): deterministic, any size, real structure kept
// (same parameters and batch structure as the real template patch), every number inside
// the envelope of the two real neighbours it interpolates; on sbottom RegionA (all patches
// but one share a structure) and staus combined (every patch has its own modifier set).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "hfx/error.hpp"
#include "hfx/infer.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/synthetic_grid.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;

// Convex combinations computed in double round to within a few ulps of the envelope.
constexpr double envelope_rel_tol = 1e-14;

struct source {
  json ws;
  hfx::patchset ps;
  std::string ws_file;
};

const source& sbottom() {
  static const source s = [] {
    const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
    return source{hfx::load_json_file(dir + "BkgOnly.json.gz"), hfx::load_patchset(dir + "patchset.DERIVED.json.gz"),
                  dir + "BkgOnly.json.gz"};
  }();
  return s;
}

const source& staus() {
  static const source s = [] {
    const std::string dir = hfx::test::published("ATLAS-SUSY-2018-04_staus/Region-combined/");
    return source{hfx::load_json_file(dir + "BkgOnly.json.gz"), hfx::load_patchset(dir + "patchset.json.gz"),
                  dir + "BkgOnly.json.gz"};
  }();
  return s;
}

bool within(double x, double a, double b) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  const double slack = envelope_rel_tol * std::max({1.0, std::abs(a), std::abs(b)});
  return x >= lo - slack && x <= hi + slack;
}

const json* find_named(const json& arr, const json& e) {
  for (const auto& f : arr)
    if (f["name"] == e["name"] && f.value("type", "") == e.value("type", "")) return &f;
  return nullptr;
}

// Walks x (synthetic) and a (template) in lockstep; where b has a counterpart (same rule as
// the header documents), x must be inside [a, b]; elsewhere x must equal a. Counts numbers
// strictly inside so a test can check that interpolation happened at all.
void check_envelope(const json& x, const json& a, const json* b, const std::string& where, int& inside) {
  if (a.is_number()) {
    ASSERT_TRUE(x.is_number()) << where;
    if (b && b->is_number()) {
      EXPECT_TRUE(within(x.get<double>(), a.get<double>(), b->get<double>()))
          << where << ": " << x << " not in [" << a << ", " << *b << "]";
      if (x.get<double>() != a.get<double>()) ++inside;
    } else {
      EXPECT_EQ(x, a) << where;
    }
  } else if (a.is_object()) {
    ASSERT_TRUE(x.is_object()) << where;
    ASSERT_EQ(x.size(), a.size()) << where;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const json* bb = (b && b->is_object() && b->contains(it.key())) ? &(*b)[it.key()] : nullptr;
      check_envelope(x[it.key()], it.value(), bb, where + "/" + it.key(), inside);
    }
  } else if (a.is_array()) {
    ASSERT_TRUE(x.is_array()) << where;
    ASSERT_EQ(x.size(), a.size()) << where;
    const bool named = !a.empty() && a[0].is_object() && a[0].contains("name");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const json* bb = nullptr;
      if (b && b->is_array()) {
        if (named) bb = find_named(*b, a[i]);
        else if (b->size() == a.size()) bb = &(*b)[i];
      }
      check_envelope(x[i], a[i], bb, where + "/" + std::to_string(i), inside);
    }
  } else {
    EXPECT_EQ(x, a) << where;
  }
}

const json* find_op(const json& ops, const json& op) {
  for (const auto& q : ops)
    if (q["op"] == op["op"] && q["path"] == op["path"]) return &q;
  return nullptr;
}

TEST(SyntheticGrid, VanDerCorput) {
  EXPECT_EQ(hfx::van_der_corput(1), 0.5);
  EXPECT_EQ(hfx::van_der_corput(2), 0.25);
  EXPECT_EQ(hfx::van_der_corput(3), 0.75);
  EXPECT_EQ(hfx::van_der_corput(4), 0.125);
  EXPECT_EQ(hfx::van_der_corput(6), 0.375);
}

TEST(SyntheticGrid, InterpolateJsonRules) {
  const json a = {{"x", 1.0}, {"n", 4}, {"s", "keep"}, {"arr", {1.0, 2.0}}, {"short", {1.0, 2.0}},
                  {"mods", {{{"name", "m1"}, {"type", "normsys"}, {"v", 1.0}}, {{"name", "m2"}, {"type", "normsys"}, {"v", 2.0}}}},
                  {"only_a", 7.0}};
  const json b = {{"x", 3.0}, {"n", 4}, {"s", "other"}, {"arr", {3.0, 6.0}}, {"short", {5.0}},
                  {"mods", {{{"name", "m2"}, {"type", "normsys"}, {"v", 4.0}}, {{"name", "m1"}, {"type", "histosys"}, {"v", 9.0}}}}};
  const json r = hfx::interpolate_json(a, b, 0.25);
  EXPECT_DOUBLE_EQ(r["x"].get<double>(), 1.5);
  EXPECT_TRUE(r["n"].is_number_integer());  // equal numbers keep their text
  EXPECT_EQ(r["s"], "keep");
  EXPECT_DOUBLE_EQ(r["arr"][1].get<double>(), 3.0);
  EXPECT_EQ(r["short"], a["short"]);        // lengths differ: a's
  EXPECT_EQ(r["mods"][0]["v"], 1.0);        // (m1, normsys) absent from b: a's
  EXPECT_DOUBLE_EQ(r["mods"][1]["v"].get<double>(), 2.5);  // matched by (name, type), not position
  EXPECT_EQ(r["only_a"], 7.0);
  EXPECT_EQ(r.size(), a.size());
}

TEST(SyntheticGrid, DeterministicAndOrderIndependent) {
  hfx::synthetic_grid_options o;
  o.size = 100000;
  o.seed = 7;
  const hfx::synthetic_grid g1(sbottom().ps, o), g2(sbottom().ps, o);
  EXPECT_EQ(g1.size(), 100000u);
  const std::vector<std::size_t> ks = {99999, 0, 12345, 1, 50000, 217, 218};
  std::vector<json> first;
  for (std::size_t k : ks) first.push_back(g1.patch(k).ops);
  for (std::size_t i = ks.size(); i-- > 0;) EXPECT_EQ(g2.patch(ks[i]).ops, first[i]) << ks[i];
  EXPECT_EQ(g1.patch(12345).values, g2.patch(12345).values);
  EXPECT_EQ(g1.patch(12345).name, "syn_12345");

  o.seed = 8;
  const hfx::synthetic_grid g3(sbottom().ps, o);
  int differ = 0;
  for (std::size_t k = 0; k < 20; ++k) differ += g3.patch(k).ops != g1.patch(k).ops;
  EXPECT_GT(differ, 0) << "the seed does not change the grid";
  EXPECT_THROW(g1.patch(100000), hfx::input_error);
}

TEST(SyntheticGrid, AllHypothesesDistinct) {
  hfx::synthetic_grid_options o;
  o.size = 100000;
  const hfx::synthetic_grid g(sbottom().ps, o);
  std::set<std::tuple<std::size_t, std::size_t, double>> seen;
  for (std::size_t k = 0; k < g.size(); ++k) {
    const auto s = g.origin(k);
    ASSERT_GT(s.t, 0.0);
    ASSERT_LT(s.t, 1.0);
    ASSERT_NE(s.from, s.to);
    seen.insert({std::min(s.from, s.to), std::max(s.from, s.to), s.t});
  }
  EXPECT_EQ(seen.size(), g.size());
  EXPECT_GE(g.n_pairs(), sbottom().ps.patches.size());  // every real point has a segment
}

void check_grid(const source& src, std::size_t n_check) {
  hfx::synthetic_grid_options o;
  o.size = 5000;
  const hfx::synthetic_grid g(src.ps, o);
  int inside_total = 0;
  for (std::size_t k = 0; k < n_check; ++k) {
    const std::size_t kk = (k * 977) % o.size;
    SCOPED_TRACE("hypothesis " + std::to_string(kk));
    const auto s = g.origin(kk);
    const auto& a = src.ps.patches[s.from];
    const auto& b = src.ps.patches[s.to];
    const hfx::patch_entry e = g.patch(kk);
    // Labels inside the envelope.
    ASSERT_EQ(e.values.size(), a.values.size());
    for (std::size_t i = 0; i < a.values.size(); ++i)
      EXPECT_TRUE(within(e.values[i].get<double>(), a.values[i].get<double>(), b.values[i].get<double>()));
    // Same operations as the template, numbers inside the envelope.
    ASSERT_EQ(e.ops.size(), a.ops.size());
    int inside = 0;
    for (std::size_t i = 0; i < a.ops.size(); ++i) {
      EXPECT_EQ(e.ops[i]["op"], a.ops[i]["op"]);
      EXPECT_EQ(e.ops[i]["path"], a.ops[i]["path"]);
      check_envelope(e.ops[i], a.ops[i], find_op(b.ops, a.ops[i]), "/" + std::to_string(i), inside);
    }
    EXPECT_GT(inside, 0) << "nothing was interpolated between " << a.name << " and " << b.name;
    inside_total += inside;
    // Structure: same parameters (names, kinds, sizes) and batch structure as the template.
    const hfx::compiled_model ma = hfx::compile_model(hfx::apply_patch(src.ws, src.ps, a), {}, src.ws_file);
    const hfx::compiled_model ms = g.model(src.ws, kk, {}, src.ws_file);
    ASSERT_EQ(ms.params.size(), ma.params.size());
    for (std::size_t p = 0; p < ma.params.size(); ++p) {
      EXPECT_EQ(ms.params[p].name, ma.params[p].name);
      EXPECT_EQ(ms.params[p].kind, ma.params[p].kind);
      EXPECT_EQ(ms.params[p].n, ma.params[p].n);
    }
    EXPECT_EQ(ms.channel_names, ma.channel_names);
    EXPECT_EQ(ms.poi_name, ma.poi_name);
    EXPECT_TRUE(hfx::same_structure(ms, ma));
  }
  EXPECT_GT(inside_total, 0);
}

TEST(SyntheticGrid, SbottomStructureAndEnvelope) { check_grid(sbottom(), 12); }
TEST(SyntheticGrid, StausStructureAndEnvelope) { check_grid(staus(), 8); }

TEST(SyntheticGrid, SbottomSameStructureValuesInEnvelope) {
  // Where the two real neighbours share a structure (216 of 217 sbottom patches), the whole
  // compiled value array of the synthetic model lies between theirs.
  hfx::synthetic_grid_options o;
  o.size = 2000;
  const hfx::synthetic_grid g(sbottom().ps, o);
  int compared = 0;
  for (std::size_t k = 0; k < o.size && compared < 5; k += 131) {
    const auto s = g.origin(k);
    const auto& src = sbottom();
    const auto ma = hfx::compile_model(hfx::apply_patch(src.ws, src.ps, src.ps.patches[s.from]), {}, src.ws_file);
    const auto mb = hfx::compile_model(hfx::apply_patch(src.ws, src.ps, src.ps.patches[s.to]), {}, src.ws_file);
    if (!hfx::same_structure(ma, mb) || ma.values.size() != mb.values.size()) continue;
    const auto ms = g.model(src.ws, k, {});
    ASSERT_EQ(ms.values.size(), ma.values.size());
    for (std::size_t i = 0; i < ma.values.size(); ++i)
      ASSERT_TRUE(within(ms.values[i], ma.values[i], mb.values[i])) << "k " << k << " value " << i;
    ++compared;
  }
  EXPECT_EQ(compared, 5);
}

TEST(SyntheticGrid, HypothesesAreUsable) {
  hfx::synthetic_grid_options o;
  o.size = 1000;
  const hfx::synthetic_grid g(sbottom().ps, o);
  for (std::size_t k : {0u, 500u, 999u}) {
    const auto m = g.model(sbottom().ws, k, {});
    hfx::hypotest_engine eng(m.view(), {});
    const auto r = eng.at(1.0);
    EXPECT_GE(r.cls.cls, 0.0);
    EXPECT_LE(r.cls.cls, 1.0);
    EXPECT_TRUE(r.all_converged()) << k;
  }
}

TEST(SyntheticGrid, PatchsetDocumentRoundTrips) {
  hfx::synthetic_grid_options o;
  o.size = 300;
  const hfx::synthetic_grid g(staus().ps, o);
  const json doc = g.to_patchset_json({3, 7, 299});
  const hfx::patchset ps = hfx::parse_patchset(doc, "synthetic.json");
  ASSERT_EQ(ps.patches.size(), 3u);
  EXPECT_EQ(ps.patches[2].name, "syn_299");
  EXPECT_EQ(ps.patches[1].ops, g.patch(7).ops);
  EXPECT_EQ(ps.labels, staus().ps.labels);
  EXPECT_NO_THROW(hfx::verify_patchset(ps, staus().ws, staus().ws_file));
}

TEST(SyntheticGrid, Errors) {
  hfx::patchset one = sbottom().ps;
  one.patches.resize(1);
  EXPECT_THROW(hfx::synthetic_grid(one, {}), hfx::input_error);
  hfx::synthetic_grid_options o;
  o.size = 0;
  EXPECT_THROW(hfx::synthetic_grid(sbottom().ps, o), hfx::input_error);
}

}  // namespace
