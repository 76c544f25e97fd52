// compile_model against pyhf 0.7.6: every fixture of tests/data/pyhf/inspect (made by
// tests/pyhf/gen_inspect_fixtures.py from every bundled workspace and 18 patched ones),
// plus a hand-checked packed layout on a tiny model.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

using hfx::json;

// pyhf computes staterror sigmas and shapesys taus with numpy (other summation order and
// pow instead of x*x): agreement to a few ulp, checked at 1e-12 relative.
constexpr double kRelTol = 1e-12;

bool close(double a, double b) { return a == b || std::fabs(a - b) <= kRelTol * std::max(std::fabs(a), std::fabs(b)); }

const char* constraint_name(hfx::constraint_kind c) {
  switch (c) {
    case hfx::constraint_kind::normal: return "normal";
    case hfx::constraint_kind::poisson: return "poisson";
    default: return "none";
  }
}

void expect_close_vec(const std::vector<double>& got, const json& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(close(got[i], want[i].get<double>())) << what << "[" << i << "]: " << got[i] << " vs " << want[i];
}

// Internal consistency of the packed layout (model_view.hpp) of any compiled model.
void check_layout(const hfx::compiled_model& m) {
  ASSERT_EQ(m.block_value_offset.size(), m.blocks.size());
  std::int64_t off = 0;
  std::vector<int> covered(size_t(m.n_bins), 0);
  for (size_t b = 0; b < m.blocks.size(); ++b) {
    const auto& blk = m.blocks[b];
    EXPECT_EQ(m.block_value_offset[b], off);
    off += hfx::block_value_size(blk);
    EXPECT_EQ(blk.bin0, m.channel_bin0[size_t(m.block_channel[b])]);
    EXPECT_EQ(blk.nbins, m.channel_nbins[size_t(m.block_channel[b])]);
    for (int j = 0; j < blk.nbins; ++j) covered[size_t(blk.bin0 + j)]++;
    for (int e = blk.histo_begin; e < blk.histo_end; ++e)
      EXPECT_EQ(m.comp_kind[size_t(m.histo_comp[size_t(e)])], std::uint8_t(hfx::modifier_kind::histosys));
    for (int e = blk.normsys_begin; e < blk.normsys_end; ++e) {
      auto k = hfx::modifier_kind(m.comp_kind[size_t(m.normsys_comp[size_t(e)])]);
      EXPECT_TRUE(k == hfx::modifier_kind::normsys || k == hfx::modifier_kind::histosys);
    }
    for (int e = blk.scalar_begin; e < blk.scalar_end; ++e) {
      auto k = hfx::modifier_kind(m.comp_kind[size_t(m.scalar_comp[size_t(e)])]);
      EXPECT_TRUE(k == hfx::modifier_kind::normfactor || k == hfx::modifier_kind::lumi);
    }
    for (int e = blk.binwise_begin; e < blk.binwise_end; ++e) {
      std::int32_t c0 = m.binwise_comp0[size_t(e)];
      ASSERT_GE(c0, 0);
      ASSERT_LE(c0 + blk.nbins, m.n_pars);
      // all bins of the block stay inside one parameter set
      EXPECT_EQ(m.comp_name(c0).substr(0, m.comp_name(c0).find('[')),
                m.comp_name(c0 + blk.nbins - 1).substr(0, m.comp_name(c0 + blk.nbins - 1).find('[')));
    }
  }
  EXPECT_EQ(std::int64_t(m.values.size()), off);
  for (int c : covered) EXPECT_GE(c, 1);
  EXPECT_EQ(m.aux_kind.size(), m.aux_comp.size());
  EXPECT_EQ(m.aux_scale.size(), m.aux_comp.size());
  EXPECT_EQ(m.aux_obs.size(), m.aux_comp.size());
  EXPECT_EQ(m.comp_kind.size(), size_t(m.n_pars));
  EXPECT_EQ(m.obs.size(), size_t(m.n_bins));
}

void check_against_fixture(const hfx::compiled_model& m, const json& fx) {
  SCOPED_TRACE(fx["source"].get<std::string>() + (fx["patch"].is_null() ? "" : " + " + fx["patch"]["name"].get<std::string>()));
  EXPECT_EQ(m.measurement, fx["measurement"].get<std::string>());
  EXPECT_EQ(m.channel_names, fx["channels"].get<std::vector<std::string>>());
  EXPECT_EQ(m.channel_nbins, fx["channel_nbins"].get<std::vector<std::int32_t>>());
  EXPECT_EQ(m.sample_names, fx["samples"].get<std::vector<std::string>>());
  EXPECT_EQ(m.n_bins, fx["nmaindata"].get<int>());
  EXPECT_EQ(m.n_aux(), fx["nauxdata"].get<int>());
  const json& params = fx["params"];
  ASSERT_EQ(m.params.size(), params.size());
  std::vector<double> scales;
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = m.params[i];
    const json& q = params[i];
    EXPECT_EQ(p.name, q["name"].get<std::string>()) << "par_order[" << i << "]";
    EXPECT_EQ(hfx::modifier_kind_name(p.kind), q["kind"].get<std::string>()) << p.name;
    EXPECT_EQ(p.n, q["n"].get<int>()) << p.name;
    EXPECT_EQ(p.offset, q["offset"].get<int>()) << p.name;
    EXPECT_EQ(p.is_scalar, q["is_scalar"].get<bool>()) << p.name;
    EXPECT_EQ(constraint_name(p.constraint), q["constraint"].is_null() ? std::string("none") : q["constraint"].get<std::string>()) << p.name;
    for (const char* key : {"sigmas", "factors"})
      if (q.contains(key))
        for (const json& x : q[key]) scales.push_back(x.get<double>());
  }
  std::vector<std::string> names;
  for (int i = 0; i < m.n_pars; ++i) names.push_back(m.comp_name(i));
  EXPECT_EQ(names, fx["par_names"].get<std::vector<std::string>>());
  expect_close_vec(m.init, fx["suggested_init"], "init");
  ASSERT_EQ(m.lo.size(), fx["suggested_bounds"].size());
  for (size_t i = 0; i < m.lo.size(); ++i) {
    EXPECT_TRUE(close(m.lo[i], fx["suggested_bounds"][i][0].get<double>())) << "lo[" << i << "]";
    EXPECT_TRUE(close(m.hi[i], fx["suggested_bounds"][i][1].get<double>())) << "hi[" << i << "]";
  }
  ASSERT_EQ(m.fixed.size(), fx["suggested_fixed"].size());
  for (size_t i = 0; i < m.fixed.size(); ++i)
    EXPECT_EQ(bool(m.fixed[i]), fx["suggested_fixed"][i].get<bool>()) << names[i];
  expect_close_vec(m.aux_obs, fx["auxdata"], "auxdata");
  // aux_scale: sigma (normal) or tau (poisson), in parameter order like the aux data
  expect_close_vec(m.aux_scale, json(scales), "aux_scale");
  expect_close_vec(m.data(), fx["data"], "data");
  if (fx["poi"].is_null()) {
    EXPECT_EQ(m.poi, -1);
    EXPECT_EQ(m.poi_name, "");
  } else {
    EXPECT_EQ(m.poi_name, fx["poi"].get<std::string>());
    ASSERT_NE(m.find_param(m.poi_name), nullptr);
    EXPECT_EQ(m.poi, m.find_param(m.poi_name)->offset);
  }
  check_layout(m);
}

TEST(CompileModel, MatchesPyhfOnEveryFixture) {
  const std::string dir = hfx::test::data("pyhf/inspect/");
  json index = hfx::load_json_file(dir + "index.json");
  ASSERT_GE(index["fixtures"].size(), 100u);  // every bundled workspace + 18 patched ones
  size_t n_patched = 0;
  for (const json& e : index["fixtures"]) {
    json fx = hfx::load_json_file(dir + e["fixture"].get<std::string>());
    const std::string src = hfx::test::source_dir() + "/" + e["source"].get<std::string>();
    json ws = hfx::load_json_file(src);
    if (!e["patch"].is_null()) {
      hfx::patchset ps = hfx::load_patchset(hfx::test::source_dir() + "/" + e["patch"]["patchset"].get<std::string>());
      ws = hfx::apply_patch(ws, ps, ps.at(e["patch"]["name"].get<std::string>()));
      ++n_patched;
    }
    hfx::compiled_model m = hfx::compile_model(ws, hfx::model_options{}, src);
    check_against_fixture(m, fx);
  }
  EXPECT_EQ(n_patched, 18u);
}

// A tiny model whose packed layout is checked by hand.
//   channels (file order): "SR" (2 bins), "CR" (1 bin)  -> pyhf order CR, SR
//   SR: sig [1,2] {mu normfactor, lumi}, bkg [10,20] {jes histosys, xs normsys, stat staterror}
//   CR: bkg [5] {xs normsys, jes normsys, stat staterror, sf shapesys}
const char* tiny_ws = R"({
  "version": "1.0.0",
  "channels": [
    {"name": "SR", "samples": [
      {"name": "sig", "data": [1.0, 2.0], "modifiers": [
        {"name": "mu", "type": "normfactor", "data": null},
        {"name": "lumi", "type": "lumi", "data": null}]},
      {"name": "bkg", "data": [10.0, 20.0], "modifiers": [
        {"name": "xs", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
        {"name": "jes", "type": "histosys", "data": {"hi_data": [11.0, 22.0], "lo_data": [9.0, 18.0]}},
        {"name": "stat", "type": "staterror", "data": [3.0, 0.0]}]}]},
    {"name": "CR", "samples": [
      {"name": "bkg", "data": [5.0], "modifiers": [
        {"name": "xs", "type": "normsys", "data": {"hi": 1.2, "lo": 0.8}},
        {"name": "jes", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}},
        {"name": "stat", "type": "staterror", "data": [1.0]},
        {"name": "sf", "type": "shapesys", "data": [0.5]}]}]}],
  "observations": [{"name": "SR", "data": [12, 25]}, {"name": "CR", "data": [6]}, {"name": "gone", "data": [1]}],
  "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
    {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]},
    {"name": "absent", "fixed": true}]}}]
})";

TEST(CompileModel, TinyModelPackedLayoutByHand) {
  hfx::compiled_model m = hfx::compile_model(json::parse(tiny_ws), {}, "tiny.json");
  EXPECT_EQ(m.channel_names, (std::vector<std::string>{"CR", "SR"}));
  EXPECT_EQ(m.channel_bin0, (std::vector<std::int32_t>{0, 1}));
  EXPECT_EQ(m.n_bins, 3);
  EXPECT_EQ(m.sample_names, (std::vector<std::string>{"bkg", "sig"}));
  // groups: histosys [jes], lumi [lumi], normfactor [mu], normsys [xs], shapesys [sf], staterror [stat]
  std::vector<std::string> order;
  for (const auto& p : m.params) order.push_back(p.name);
  EXPECT_EQ(order, (std::vector<std::string>{"jes", "lumi", "mu", "xs", "sf", "stat"}));
  EXPECT_EQ(m.n_pars, 1 + 1 + 1 + 1 + 1 + 3);
  EXPECT_EQ(m.find_param("stat")->offset, 5);
  EXPECT_EQ(m.find_param("stat")->n, 3);  // CR bin + 2 SR bins
  EXPECT_EQ(m.poi, 2);
  EXPECT_EQ(m.poi_name, "mu");
  // blocks: (CR,bkg), (SR,bkg), (SR,sig)
  ASSERT_EQ(m.blocks.size(), 3u);
  EXPECT_EQ(m.block_channel, (std::vector<std::int32_t>{0, 1, 1}));
  EXPECT_EQ(m.block_sample, (std::vector<std::int32_t>{0, 0, 1}));
  const auto& cr = m.blocks[0];
  EXPECT_EQ(cr.bin0, 0); EXPECT_EQ(cr.nbins, 1);
  EXPECT_EQ(cr.histo_end - cr.histo_begin, 0);
  ASSERT_EQ(cr.normsys_end - cr.normsys_begin, 2);  // jes (as normsys), xs: name order
  EXPECT_EQ(m.normsys_comp[size_t(cr.normsys_begin)], 0);      // jes -> histosys group component
  EXPECT_EQ(m.normsys_comp[size_t(cr.normsys_begin) + 1], 3);  // xs
  ASSERT_EQ(cr.binwise_end - cr.binwise_begin, 2);  // shapesys sf, staterror stat
  EXPECT_EQ(m.binwise_comp0[size_t(cr.binwise_begin)], 4);
  EXPECT_EQ(m.binwise_comp0[size_t(cr.binwise_begin) + 1], 5);
  const auto& srb = m.blocks[1];
  EXPECT_EQ(srb.bin0, 1); EXPECT_EQ(srb.nbins, 2);
  ASSERT_EQ(srb.histo_end - srb.histo_begin, 1);
  EXPECT_EQ(m.histo_comp[size_t(srb.histo_begin)], 0);
  ASSERT_EQ(srb.binwise_end - srb.binwise_begin, 1);
  EXPECT_EQ(m.binwise_comp0[size_t(srb.binwise_begin)], 6);  // stat after the CR bin
  const auto& srs = m.blocks[2];
  ASSERT_EQ(srs.scalar_end - srs.scalar_begin, 2);  // lumi, then normfactor
  EXPECT_EQ(m.scalar_comp[size_t(srs.scalar_begin)], 1);
  EXPECT_EQ(m.scalar_comp[size_t(srs.scalar_begin) + 1], 2);
  // values
  EXPECT_EQ(m.block_value_offset, (std::vector<std::int64_t>{0, 5, 13}));
  EXPECT_EQ(m.values, (std::vector<double>{5.0, 0.95, 1.05, 0.8, 1.2,                  // CR bkg
                                           10.0, 20.0, 9.0, 18.0, 11.0, 22.0, 0.9, 1.1,  // SR bkg
                                           1.0, 2.0}));                                  // SR sig
  // main data in channel order; observation "gone" ignored
  EXPECT_EQ(m.obs, (std::vector<double>{6.0, 12.0, 25.0}));
  // aux: jes, lumi, xs, sf (poisson), stat x3
  EXPECT_EQ(m.aux_comp, (std::vector<std::int32_t>{0, 1, 3, 4, 5, 6, 7}));
  const double tau = 5.0 * 5.0 / (0.5 * 0.5);
  EXPECT_EQ(m.aux_obs, (std::vector<double>{0.0, 1.0, 0.0, tau, 1.0, 1.0, 1.0}));
  ASSERT_EQ(m.aux_scale.size(), 7u);
  EXPECT_EQ(m.aux_scale[1], 0.02);
  EXPECT_EQ(m.aux_scale[3], tau);
  EXPECT_DOUBLE_EQ(m.aux_scale[4], 1.0 / 5.0);   // stat CR: 1/5
  EXPECT_DOUBLE_EQ(m.aux_scale[5], 3.0 / 10.0);  // stat SR bin 0: only bkg carries it
  EXPECT_EQ(m.aux_scale[6], 1.0);                // sigma 0 -> 1, fixed
  EXPECT_EQ(m.aux_kind[3], std::uint8_t(hfx::constraint_kind::poisson));
  EXPECT_EQ(m.fixed[7], 1);
  EXPECT_EQ(m.fixed[6], 0);
  EXPECT_EQ(m.init[1], 1.0);
  EXPECT_EQ(m.lo[1], 0.5);
  ASSERT_EQ(m.warnings.size(), 1u);  // config for 'absent'
  EXPECT_NE(m.warnings[0].find("'absent'"), std::string::npos);
  check_layout(m);
}

TEST(CompileModel, OptionsMeasurementPoiAndCodes) {
  json ws = json::parse(tiny_ws);
  ws["measurements"].push_back({{"name", "other"}, {"config", {{"poi", "nothere"}, {"parameters", ws["measurements"][0]["config"]["parameters"]}}}});
  hfx::model_options o;
  o.measurement = "other";
  auto m = hfx::compile_model(ws, o, "tiny.json");
  EXPECT_EQ(m.measurement, "other");
  EXPECT_EQ(m.poi, -1);  // a POI that no modifier provides is not an error
  EXPECT_EQ(m.poi_name, "");
  o.poi_override = "xs";
  o.normsys_code = hfx::interp_code::code1;
  o.histosys_code = hfx::interp_code::code0;
  m = hfx::compile_model(ws, o, "tiny.json");
  EXPECT_EQ(m.poi, 3);
  EXPECT_EQ(m.normsys_code, hfx::interp_code::code1);
  EXPECT_EQ(m.histosys_code, hfx::interp_code::code0);
  o.poi_override = "nope";
  EXPECT_THROW(hfx::compile_model(ws, o, "tiny.json"), hfx::model_error);
  o.poi_override = "stat";  // per-bin parameter cannot be a POI
  EXPECT_THROW(hfx::compile_model(ws, o, "tiny.json"), hfx::model_error);
  o = {};
  o.measurement = "missing";
  EXPECT_THROW(hfx::compile_model(ws, o, "tiny.json"), hfx::input_error);
  o = {};
  o.normsys_code = hfx::interp_code::code4p;  // not a normsys code
  EXPECT_THROW(hfx::compile_model(ws, o, "tiny.json"), hfx::model_error);
}

TEST(CompileModel, MeasurementConfigOverrides) {
  json ws = json::parse(tiny_ws);
  auto& pars = ws["measurements"][0]["config"]["parameters"];
  pars.push_back({{"name", "stat"}, {"fixed", false}, {"sigmas", {0.1, 0.2, 0.3}}, {"inits", {1.1, 1.2, 1.3}}});
  pars.push_back({{"name", "xs"}, {"auxdata", {0.5}}, {"bounds", {{-3, 3}}}});
  pars.push_back({{"name", "sf"}, {"factors", {50.0}}});
  auto m = hfx::compile_model(ws, {}, "tiny.json");
  EXPECT_EQ(m.fixed[7], 0);  // config "fixed": false overrides the sigma-0 fixing (pyhf)
  EXPECT_EQ(m.aux_scale[6], 0.3);
  EXPECT_EQ(m.init[5], 1.1);
  EXPECT_EQ(m.aux_obs[2], 0.5);
  EXPECT_EQ(m.lo[3], -3.0);
  EXPECT_EQ(m.aux_scale[3], 50.0);
  EXPECT_EQ(m.aux_obs[3], 100.0);  // aux keeps the computed tau unless auxdata is configured
}

// Compilation cost: once per patch in scans; sbottom RegionA has ~1300 modifier entries.
TEST(CompileModel, SbottomCompilesQuickly) {
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "timing is only meaningful in optimised builds without sanitizers";
#endif
  json ws = hfx::load_json_file(hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz"));
  auto t0 = std::chrono::steady_clock::now();
  constexpr int reps = 20;
  for (int i = 0; i < reps; ++i) hfx::compile_model(ws, {}, "BkgOnly.json");
  double per = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  RecordProperty("compile_ms", std::to_string(per * 1e3));
  // generous: a loaded shared CI machine; typical is ~1 ms
  EXPECT_LT(per, 0.05);
}

}  // namespace
