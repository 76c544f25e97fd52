// prepared_workspace (the background parsed once, patches applied to its typed
// representation) against the full path compile_model(apply_patch(...)):
//  * every patch of every bundled patchset gives the same compiled_model, field by field
//    and bit for bit (warnings included), and takes the fast path;
//  * the bad-patch fixtures and hand-made patches that break a rule (bin counts, names,
//    modifier reuse, staterror channels, observations, pointers...) fail with the full
//    path's message; patches the fast path does not handle give the full path's model;
//  * scan records (per-hypothesis and batched paths of run_scan) equal those of the full
//    path apart from time_s.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/patchset.hpp"
#include "hfx/prepared_workspace.hpp"
#include "hfx/scan.hpp"
#include "hfx/scan_record.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

using hfx::json;
using path_taken = hfx::prepared_workspace::path;

// ---- exact comparison of two compiled models ----

// Bit patterns, so that -0.0 != 0.0 and NaN == NaN (the same bits).
template <class T>
void expect_bits(const std::vector<T>& a, const std::vector<T>& b, const char* field, const std::string& where) {
  static_assert(std::is_trivially_copyable_v<T>);
  ASSERT_EQ(a.size(), b.size()) << where << ": " << field << " sizes";
  EXPECT_TRUE(a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0) << where << ": " << field;
}

void expect_same_model(const hfx::compiled_model& a, const hfx::compiled_model& b, const std::string& where) {
  EXPECT_EQ(a.measurement, b.measurement) << where;
  EXPECT_EQ(a.poi_name, b.poi_name) << where;
  EXPECT_EQ(a.channel_names, b.channel_names) << where;
  expect_bits(a.channel_nbins, b.channel_nbins, "channel_nbins", where);
  expect_bits(a.channel_bin0, b.channel_bin0, "channel_bin0", where);
  EXPECT_EQ(a.sample_names, b.sample_names) << where;
  expect_bits(a.block_channel, b.block_channel, "block_channel", where);
  expect_bits(a.block_sample, b.block_sample, "block_sample", where);
  ASSERT_EQ(a.params.size(), b.params.size()) << where;
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    const hfx::param_set &p = a.params[i], &q = b.params[i];
    EXPECT_TRUE(p.name == q.name && p.kind == q.kind && p.offset == q.offset && p.n == q.n &&
                p.is_scalar == q.is_scalar && p.constraint == q.constraint)
        << where << ": params[" << i << "] " << p.name << " vs " << q.name;
  }
  EXPECT_EQ(a.warnings, b.warnings) << where;
  EXPECT_EQ(a.n_bins, b.n_bins) << where;
  EXPECT_EQ(a.n_pars, b.n_pars) << where;
  EXPECT_EQ(a.poi, b.poi) << where;
  EXPECT_EQ(a.normsys_code, b.normsys_code) << where;
  EXPECT_EQ(a.histosys_code, b.histosys_code) << where;
  expect_bits(a.blocks, b.blocks, "blocks", where);
  expect_bits(a.histo_comp, b.histo_comp, "histo_comp", where);
  expect_bits(a.normsys_comp, b.normsys_comp, "normsys_comp", where);
  expect_bits(a.scalar_comp, b.scalar_comp, "scalar_comp", where);
  expect_bits(a.binwise_comp0, b.binwise_comp0, "binwise_comp0", where);
  expect_bits(a.aux_comp, b.aux_comp, "aux_comp", where);
  expect_bits(a.aux_kind, b.aux_kind, "aux_kind", where);
  expect_bits(a.comp_kind, b.comp_kind, "comp_kind", where);
  expect_bits(a.values, b.values, "values", where);
  expect_bits(a.block_value_offset, b.block_value_offset, "block_value_offset", where);
  expect_bits(a.aux_scale, b.aux_scale, "aux_scale", where);
  expect_bits(a.obs, b.obs, "obs", where);
  expect_bits(a.aux_obs, b.aux_obs, "aux_obs", where);
  expect_bits(a.init, b.init, "init", where);
  expect_bits(a.lo, b.lo, "lo", where);
  expect_bits(a.hi, b.hi, "hi", where);
  expect_bits(a.fixed, b.fixed, "fixed", where);
}

// Outcome of one path: a model or an error message (with its type).
struct outcome {
  std::optional<hfx::compiled_model> model;
  std::string error;
};

template <class F>
outcome run(const F& f) {
  outcome o;
  try {
    o.model = f();
  } catch (const hfx::input_error& e) {
    o.error = std::string("input_error: ") + e.what();
  } catch (const hfx::error& e) {
    o.error = std::string("error: ") + e.what();
  }
  return o;
}

// Compiles `pe` both ways and compares; returns the path the prepared workspace took.
// A patch that fails must be reported by the full path (the fast path never words errors).
path_taken compare(const json& ws, const hfx::prepared_workspace& pw, const hfx::patchset& ps,
                   const hfx::patch_entry& pe, const hfx::model_options& mo, const std::string& where) {
  const std::string file = "ws.json + patch " + pe.name;
  path_taken taken = path_taken::full;
  const outcome full = run([&] { return hfx::compile_model(hfx::apply_patch(ws, ps, pe), mo, file); });
  const outcome fast = run([&] { return pw.compile_patched(ps, pe, mo, file, &taken); });
  EXPECT_EQ(fast.error, full.error) << where;
  EXPECT_EQ(bool(fast.model), bool(full.model)) << where;
  if (fast.model && full.model) expect_same_model(*fast.model, *full.model, where);
  if (!full.model) EXPECT_EQ(taken, path_taken::full) << where;
  return taken;
}

// ---- every patch of every bundled patchset ----

struct corpus_case {
  std::string ws, ps, measurement;
};

// The patchsets under scan-configs/data with their background workspaces: the scan
// configs' (sbottom A/B/C, staus x3), the simplified sbottom ones and the discovery
// patchsets (one per signal region, workspace <SR>_BkgOnly/_bkgonly next to the folder).
std::vector<corpus_case> corpus() {
  namespace fs = std::filesystem;
  std::vector<corpus_case> out;
  const std::string sb = "ATLAS-SUSY-2018-31_sbottom/", st = "ATLAS-SUSY-2018-04_staus/";
  for (const char* r : {"RegionA", "RegionB", "RegionC"})
    out.push_back({sb + r + "/BkgOnly.json.gz", sb + r + "/patchset.DERIVED.json.gz", "NormalMeasurement"});
  for (const char* r : {"SRA", "SRB", "SRC"})
    out.push_back({sb + "simplified/simplified_" + r + "_BkgOnly.json",
                   sb + "simplified/simplified_" + r + "_patchset.json.gz", ""});
  for (const char* r : {"Region-combined", "Region-highMass", "Region-lowMass"})
    out.push_back({st + r + "/BkgOnly.json.gz", st + r + "/patchset.json.gz", "BasicMeasurement"});
  const fs::path root = hfx::test::published("");
  std::vector<fs::path> discovery;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().find("_discovery_patchset") != std::string::npos) discovery.push_back(e.path());
  std::sort(discovery.begin(), discovery.end());
  for (const fs::path& p : discovery) {
    const std::string name = p.filename().string();
    const std::string sr = name.substr(0, name.find("_discovery_patchset"));
    const fs::path dir = p.parent_path().parent_path();
    std::string ws;
    for (const char* suffix : {"_BkgOnly.json", "_BkgOnly.json.gz", "_bkgonly.json", "_bkgonly.json.gz"})
      if (fs::exists(dir / (sr + suffix))) ws = fs::relative(dir / (sr + suffix), root).string();
    EXPECT_FALSE(ws.empty()) << "no background workspace for " << p;
    if (!ws.empty()) out.push_back({ws, fs::relative(p, root).string(), ""});
  }
  return out;
}

TEST(PreparedWorkspace, EveryBundledPatchMatchesTheFullPath) {
  std::size_t patches = 0, compiled = 0;
  for (const corpus_case& c : corpus()) {
    SCOPED_TRACE(c.ps);
    const json ws = hfx::load_json_file(hfx::test::published(c.ws));
    const hfx::patchset ps = hfx::load_patchset(hfx::test::published(c.ps));
    const hfx::prepared_workspace pw(ws, "ws.json");
    ASSERT_TRUE(pw.fast_path()) << c.ws;
    hfx::model_options mo;
    mo.measurement = c.measurement;
    for (const hfx::patch_entry& pe : ps.patches) {
      // Published patches only add samples and remove channels: all that compile take
      // the fast path. (The simplified sbottom patches fail on their simplified
      // backgrounds: their signal's lumi modifier has no config there; the digests name
      // the full BkgOnly.json.)
      if (compare(ws, pw, ps, pe, mo, c.ps + " " + pe.name) == path_taken::fast) ++compiled;
      ++patches;
    }
  }
  // sbottom 2 x (217 + 218 + 215), staus 3 x 57, 25 one-patch discovery patchsets
  EXPECT_EQ(patches, 1496u);
  // All but the simplified sbottom ones, of which only SRB's empty patch sbottom_1500_1495_60
  // compiles.
  EXPECT_EQ(compiled, 847u);
}

TEST(PreparedWorkspace, OtherModelOptionsMatch) {
  const std::string dir = "ATLAS-SUSY-2018-31_sbottom/RegionB/";
  const json ws = hfx::load_json_file(hfx::test::published(dir + "BkgOnly.json.gz"));
  const hfx::patchset ps = hfx::load_patchset(hfx::test::published(dir + "patchset.DERIVED.json.gz"));
  const hfx::prepared_workspace pw(ws, "ws.json");
  hfx::model_options mo;
  mo.normsys_code = hfx::interp_code::code1;
  mo.histosys_code = hfx::interp_code::code0;
  EXPECT_EQ(compare(ws, pw, ps, ps.patches[3], mo, "code1/code0"), path_taken::fast);
  mo.poi_override = "mu_SIG";
  EXPECT_EQ(compare(ws, pw, ps, ps.patches[5], mo, "poi override"), path_taken::fast);
  mo.poi_override = "no_such_parameter";  // model_error from both
  compare(ws, pw, ps, ps.patches[5], mo, "unknown poi");
  mo = {};
  mo.measurement = "no_such_measurement";  // input_error from both
  compare(ws, pw, ps, ps.patches[5], mo, "unknown measurement");
}

// ---- bad-patch fixtures ----

TEST(PreparedWorkspace, BadPatchFixturesFailAsTheFullPath) {
  const json ws = hfx::load_json_file(hfx::test::data("bad/patch_bkg_workspace.json"));
  const hfx::prepared_workspace pw(ws, "ws.json");
  ASSERT_TRUE(pw.fast_path());
  int failing = 0;
  for (const char* f : {"patch_path_missing.json", "patch_test_failed.json", "patch_good_patchset.json"}) {
    SCOPED_TRACE(f);
    const hfx::patchset ps = hfx::load_patchset(hfx::test::data(std::string("bad/") + f));
    for (const hfx::patch_entry& pe : ps.patches) {
      const path_taken t = compare(ws, pw, ps, pe, {}, std::string(f) + " " + pe.name);
      try {
        hfx::compile_model(hfx::apply_patch(ws, ps, pe), {}, "x");
      } catch (const hfx::error&) {
        EXPECT_EQ(t, path_taken::full) << "a failing patch must be reported by the full path";
        ++failing;
      }
    }
  }
  EXPECT_GE(failing, 2);
}

// ---- hand-made patches on the small fixture workspace ----
// CR (2 bins: sample bkg), SR (1 bin: sample bkg); both carry normfactor mu_bkg; POI mu_SIG.

json sample(const std::string& name, json data, json mods) {
  return {{"name", name}, {"data", std::move(data)}, {"modifiers", std::move(mods)}};
}
json mod(const std::string& name, const std::string& type, json data = nullptr) {
  return {{"name", name}, {"type", type}, {"data", std::move(data)}};
}
json op(const std::string& o, const std::string& path, std::optional<json> value = std::nullopt) {
  json j = {{"op", o}, {"path", path}};
  if (value) j["value"] = *value;
  return j;
}

struct hand_case {
  std::string name;
  json ops;
  std::optional<path_taken> want;  // the path that must be taken (nullopt: either)
};

TEST(PreparedWorkspace, HandMadePatchesMatchTheFullPath) {
  const json ws = hfx::load_json_file(hfx::test::data("bad/patch_bkg_workspace.json"));
  const hfx::prepared_workspace pw(ws, "ws.json");
  ASSERT_TRUE(pw.fast_path());
  const json mu = mod("mu_SIG", "normfactor");
  const json sig1 = sample("signal", {1.0}, {mu});
  const json sig2 = sample("signal", {1.0, 2.0}, {mu});
  const json sr_channel = ws["channels"][1];
  const auto fast = path_taken::fast, full = path_taken::full;
  const std::vector<hand_case> cases = {
      // accepted on the fast path
      {"add", {op("add", "/channels/1/samples/1", sig1)}, fast},
      {"add_first", {op("add", "/channels/1/samples/0", sig1)}, fast},
      {"add_end", {op("add", "/channels/0/samples/-", sig2)}, fast},
      {"add_two", {op("add", "/channels/0/samples/0", sig2), op("add", "/channels/1/samples/1", sig1)}, fast},
      {"replace_sample", {op("replace", "/channels/1/samples/0", sig1)}, fast},
      {"remove_then_add", {op("remove", "/channels/0"), op("add", "/channels/0/samples/1", sig1)}, fast},
      {"remove_sample", {op("add", "/channels/1/samples/1", sig1), op("remove", "/channels/1/samples/0")}, fast},
      {"move_channel_by_hand", {op("remove", "/channels/1"), op("add", "/channels/0", sr_channel)}, fast},
      {"replace_channel", {op("replace", "/channels/1", sr_channel), op("add", "/channels/1/samples/-", sig1)}, fast},
      {"warn_negative_nominal", {op("add", "/channels/0/samples/1", sample("signal", {-1.0, 2.0}, {mu}))}, fast},
      {"warn_negative_histosys",
       {op("add", "/channels/0/samples/1",
           sample("signal", {1.0, 2.0}, {mu, mod("jes", "histosys", {{"lo_data", {-1.0, 1.0}}, {"hi_data", {2.0, 3.0}}})}))},
       fast},
      {"shared_histo_normsys",
       {op("add", "/channels/0/samples/1",
           sample("signal", {1.0, 2.0},
                  {mu, mod("jes", "histosys", {{"lo_data", {0.5, 1.0}}, {"hi_data", {2.0, 3.0}}}),
                   mod("jes", "normsys", {{"hi", 1.1}, {"lo", 0.9}})}))},
       fast},
      {"staterror_shapesys_shapefactor",
       {op("add", "/channels/0/samples/1",
           sample("signal", {1.0, 2.0},
                  {mu, mod("stat", "staterror", {0.1, 0.2}), mod("sys", "shapesys", {0.3, 0.0}),
                   mod("sf", "shapefactor")})),
        op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mu, mod("stat", "staterror", {0.5})}))},
       fast},
      {"shapefactor_fewer_bins",
       {op("add", "/channels/0/samples/1", sample("signal", {1.0, 2.0}, {mu, mod("sf", "shapefactor")})),
        op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mu, mod("sf", "shapefactor")}))},
       fast},
      // errors (reported by the full path)
      {"lumi_without_config", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mu, mod("lumi", "lumi")}))}, full},
      {"wrong_bins", {op("add", "/channels/1/samples/1", sig2)}, full},
      {"wrong_bins_first", {op("add", "/channels/1/samples/0", sig2)}, full},
      {"duplicate_sample", {op("add", "/channels/1/samples/1", sample("bkg", {1.0}, {mu}))}, full},
      {"histosys_bins",
       {op("add", "/channels/1/samples/1",
           sample("signal", {1.0}, {mod("jes", "histosys", {{"lo_data", {0.5, 1.0}}, {"hi_data", {2.0, 3.0}}})}))},
       full},
      {"name_reuse", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("mu_bkg", "normsys", {{"hi", 1.1}, {"lo", 0.9}})}))}, full},
      {"shapesys_shared",
       {op("add", "/channels/0/samples/1", sample("signal", {1.0, 2.0}, {mod("sys", "shapesys", {0.3, 0.1})})),
        op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("sys", "shapesys", {0.3})}))},
       full},
      {"staterror_channels",
       {op("add", "/channels/0/samples/1", sample("signal", {1.0, 2.0}, {mod("stat", "staterror", {0.1, 0.2})})),
        op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("stat", "staterror", {0.5})})),
        op("add", "/channels/1/samples/2", sample("other", {1.0}, {mu}))},
       std::nullopt},  // valid: "other" does not carry it
      {"staterror_missing_channel",
       {op("add", "/channels/0/samples/1", sample("signal", {1.0, 2.0}, {mod("stat", "staterror", {0.1, 0.2})})),
        op("add", "/channels/1/samples/1", sample("other", {1.0}, {mod("stat", "staterror", {0.5})})),
        op("add", "/channels/0/samples/2", sample("other", {1.0, 1.0}, {mu}))},
       full},
      {"shapefactor_more_bins",
       {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("sf", "shapefactor")})),
        op("add", "/channels/0/samples/1", sample("signal", {1.0, 2.0}, {mod("sf", "shapefactor")}))},
       std::nullopt},
      {"normsys_zero", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("n", "normsys", {{"hi", 1.1}, {"lo", 0.0}})}))}, full},
      {"lumi_name", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("lumi2", "lumi")}))}, full},
      {"unknown_type", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mod("x", "shapeXsys")}))}, full},
      {"unknown_key", {op("add", "/channels/1/samples/1", json{{"name", "s"}, {"data", {1.0}}, {"modifiers", json::array()}, {"x", 1}})}, full},
      {"not_object", {op("add", "/channels/1/samples/1", 3)}, full},
      {"nonfinite", {op("add", "/channels/1/samples/1", sample("signal", {INFINITY}, {mu}))}, full},
      {"empty_data", {op("add", "/channels/1/samples/1", sample("signal", json::array(), {mu}))}, full},
      {"duplicate_modifier", {op("add", "/channels/1/samples/1", sample("signal", {1.0}, {mu, mu}))}, full},
      {"remove_all_samples", {op("remove", "/channels/1/samples/0")}, full},
      {"remove_all_channels", {op("remove", "/channels/0"), op("remove", "/channels/0")}, full},
      {"channel_without_observation",
       {op("add", "/channels/-", json{{"name", "VR"}, {"samples", {sig1}}})}, full},
      {"duplicate_channel", {op("add", "/channels/-", sr_channel)}, full},
      {"observation_bins", {op("add", "/channels/-", json{{"name", "SR"}, {"samples", {sig2}}}), op("remove", "/channels/1")}, full},
      {"channel_index_out_of_range", {op("add", "/channels/2/samples/0", sig1)}, full},
      {"sample_index_out_of_range", {op("add", "/channels/1/samples/2", sig1)}, full},
      {"leading_zero", {op("add", "/channels/01/samples/0", sig1)}, full},
      {"remove_missing", {op("remove", "/channels/5")}, full},
      {"replace_append", {op("replace", "/channels/1/samples/-", sig1)}, full},
      // other operations: the full path's model or error
      {"set_poi", {op("add", "/channels/1/samples/1", sig1), op("replace", "/measurements/0/config/poi", "mu_bkg")}, full},
      {"modifier_op", {op("add", "/channels/1/samples/0/modifiers/-", mu)}, full},
      {"test_op", {op("test", "/channels/0/name", "CR"), op("add", "/channels/1/samples/1", sig1)}, full},
      {"copy_op", {json{{"op", "copy"}, {"from", "/channels/1/samples/0"}, {"path", "/channels/1/samples/-"}}}, full},
      {"observation_op", {op("replace", "/observations/1/data/0", 9.0), op("add", "/channels/1/samples/1", sig1)}, full},
  };
  hfx::patchset ps;
  ps.file = "hand.json";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const hand_case& c = cases[i];
    hfx::patch_entry pe{c.name, json::array(), json::object(), c.ops, i};
    const path_taken t = compare(ws, pw, ps, pe, {}, c.name);
    if (c.want) {
      EXPECT_EQ(t, *c.want) << c.name;
    }
  }
}

TEST(PreparedWorkspace, InvalidBackgroundTakesTheFullPath) {
  json ws = hfx::load_json_file(hfx::test::data("bad/patch_bkg_workspace.json"));
  ws["channels"][1]["samples"][0]["data"] = {3.0, 4.0};  // SR: 2 bins, observation 1
  const hfx::prepared_workspace pw(ws, "ws.json");
  EXPECT_FALSE(pw.fast_path());
  hfx::patchset ps;
  ps.file = "hand.json";
  // Removing the broken channel repairs it; the full path compiles the result.
  hfx::patch_entry pe{"fix", json::array(), json::object(), json::array({op("remove", "/channels/1")}), 0};
  EXPECT_EQ(compare(ws, pw, ps, pe, {}, "fix"), path_taken::full);
}

// ---- scan records ----

TEST(PreparedWorkspace, ScanRecordsMatchTheFullPath) {
  const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
  hfx::scan_options opt;
  opt.workspace = dir + "BkgOnly.json.gz";
  opt.patchset = dir + "patchset.DERIVED.json.gz";
  opt.model.measurement = "NormalMeasurement";
  opt.threads = 2;
  opt.select = "::24";  // 10 of 217 patches keep the ASan run short
  const json ws = hfx::load_json_file(opt.workspace);
  const hfx::patchset ps = hfx::load_patchset(opt.patchset);
  std::vector<hfx::scan_record> want;  // the full path, per hypothesis
  for (std::size_t i = 0; i < ps.patches.size(); i += 24)
    want.push_back(hfx::evaluate_hypothesis(ws, opt.workspace, ps, i, opt));
  for (bool batched : {false, true}) {
    opt.batched = batched;
    std::vector<hfx::scan_record> got;
    hfx::run_scan(opt, [&](const hfx::scan_record& r) { got.push_back(r); });
    ASSERT_EQ(got.size(), want.size()) << "batched " << batched;
    for (std::size_t k = 0; k < got.size(); ++k) {
      EXPECT_EQ(got[k].patch, want[k].patch);
      ASSERT_FALSE(got[k].failed()) << got[k].patch;
      if (!batched) {
        EXPECT_TRUE(hfx::same_results(got[k], want[k])) << hfx::to_json_line(got[k]) << "\n" << hfx::to_json_line(want[k]);
        continue;
      }
      // The batch backend runs the same HFX_HD body on packed batches: equal to ~1e-9
      // (tests/test_bench_cli.cpp); its models are the exact ones checked above.
      constexpr double batched_cls_tol = 1e-9;
      EXPECT_NEAR(*got[k].CLs_obs, *want[k].CLs_obs, batched_cls_tol) << got[k].patch;
      for (int e = 0; e < 5; ++e) EXPECT_NEAR((*got[k].CLs_exp)[e], (*want[k].CLs_exp)[e], batched_cls_tol) << got[k].patch;
    }
  }
}

}  // namespace
