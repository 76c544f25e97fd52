// Workspace validation: every bad fixture tests/data/bad/ws_*.json (made by
// ws_make_fixtures.py, one defect each) fails with its exact pointer and message, in
// process and through `hfx inspect` (exit 1, one line); what pyhf accepts passes (with
// warnings where documented); `hfx inspect` output and usage errors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>
#include <sstream>
#include <typeinfo>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/workspace.hpp"
#include "test_paths.hpp"

namespace {

using hfx::json;

struct bad_case {
  const char* name;      // tests/data/bad/ws_<name>.json
  const char* pointer;   // input_error::pointer ("" when the JSON does not parse)
  const char* fragment;  // part of the message
};

// clang-format off
const bad_case bad_cases[] = {
  {"not_object", "", "expected object, got array"},
  {"missing_channels", "", "missing required key 'channels'"},
  {"missing_version", "", "missing required key 'version'"},
  {"bad_version", "/version", "unsupported version '2.0.0'"},
  {"unknown_key", "", "unknown key 'foo'"},
  {"empty_channels", "/channels", "empty array"},
  {"empty_samples", "/channels/0/samples", "empty array"},
  {"channel_name_number", "/channels/0/name", "expected string, got number"},
  {"sample_data_string", "/channels/0/samples/0/data", "expected array of numbers, got string"},
  {"sample_data_bool", "/channels/0/samples/0/data/0", "expected number, got boolean"},
  {"sample_data_empty", "/channels/0/samples/0/data", "empty array"},
  {"sample_missing_modifiers", "/channels/0/samples/0", "missing required key 'modifiers'"},
  {"sample_bins", "/channels/0/samples/1/data", "sample 'bkg' has 3 bins, channel 'SR' has 2"},
  {"histosys_hi_bins", "/channels/0/samples/1/modifiers/0 (histosys 'jes')", "hi_data has 1 bins, channel 'SR' has 2"},
  {"histosys_lo_bins", "/channels/0/samples/1/modifiers/0 (histosys 'jes')", "lo_data has 3 bins, channel 'SR' has 2"},
  {"histosys_missing_lo", "/channels/0/samples/1/modifiers/0 (histosys 'jes'): data", "missing required key 'lo_data'"},
  {"normsys_missing_hi", "/channels/0/samples/1/modifiers/1 (normsys 'xs'): data", "missing required key 'hi'"},
  {"normsys_lo_zero", "/channels/0/samples/1/modifiers/1 (normsys 'xs')", "lo = 0.0 must be > 0"},
  {"normsys_hi_negative", "/channels/0/samples/1/modifiers/1 (normsys 'xs')", "hi = -1.1 must be > 0"},
  {"staterror_bins", "/channels/0/samples/1/modifiers/2 (staterror 'stat')", "data has 3 bins, channel 'SR' has 2"},
  {"shapesys_bins", "/channels/0/samples/1/modifiers/3 (shapesys 'unc')", "data has 1 bins, channel 'SR' has 2"},
  {"normfactor_data", "/channels/0/samples/0/modifiers/0/data", "expected null, got array"},
  {"lumi_name", "/channels/0/samples/0/modifiers/1 (lumi 'Lumi')", "must be named 'lumi'"},
  {"unknown_modifier_type", "/channels/0/samples/1/modifiers/3", "unknown modifier type 'shapesyss'"},
  {"modifier_missing_type", "/channels/0/samples/1/modifiers/1", "missing required key 'type'"},
  {"negative_observation", "/observations/0/data/0", "negative observed count -1.0"},
  {"missing_observation", "/channels/0", "channel 'SR' has no observation"},
  {"observation_bins", "/observations/0/data", "observation has 1 bins, channel 'SR' has 2"},
  {"duplicate_observation", "/observations/1", "duplicate observation for channel 'SR'"},
  {"duplicate_channel", "/channels/1", "duplicate channel name 'SR' (also channels/0)"},
  {"duplicate_sample", "/channels/0/samples/2", "duplicate sample name 'bkg' in channel 'SR'"},
  {"duplicate_modifier", "/channels/0/samples/1/modifiers/4 (normsys 'xs')", "sample 'bkg' already has normsys 'xs' at modifiers/1"},
  {"conflicting_types", "/channels/0/samples/0/modifiers/1 (normfactor 'xs')", "already used by a normsys modifier"},
  {"shapesys_shared", "/channels/0/samples/0/modifiers/1 (shapesys 'unc')", "pyhf does not share shapesys"},
  {"staterror_channels", "/channels/1", "staterror 'stat' is carried by sample 'bkg' in some channels but not in channel 'CR'"},
  {"shapefactor_bins", "/channels/0/samples/0/modifiers/1 (shapefactor 'sf')", "shapefactor 'sf' has 1 parameters"},
  {"bounds_reversed", "/measurements/0/config/parameters/0/bounds/0", "lower bound 5.0 > upper bound 1.0"},
  {"bounds_one_value", "/measurements/0/config/parameters/0/bounds/0", "a bound needs 2 numbers"},
  {"init_outside_bounds", "/measurements/0/config/parameters/0", "initial value 20.0 of free parameter 'mu' is outside its bounds [0.0, 10.0]"},
  {"no_measurements", "/measurements", "empty array"},
  {"measurement_missing_poi", "/measurements/0/config", "missing required key 'poi'"},
  {"duplicate_parameter_config", "/measurements/0/config/parameters/1", "second configuration for parameter 'mu'"},
  {"sigmas_on_normsys", "/measurements/0/config/parameters/0/sigmas", "'sigmas' does not apply to normsys parameter 'xs'"},
  {"auxdata_on_normfactor", "/measurements/0/config/parameters/0/auxdata", "'auxdata' does not apply to unconstrained normfactor"},
  {"inits_length", "/measurements/0/config/parameters/0/inits", "1 values for staterror parameter 'stat', which has 2"},
  {"parameter_unknown_key", "/measurements/0/config/parameters/0", "unknown key 'foo'"},
  {"fixed_not_bool", "/measurements/0/config/parameters/0/fixed", "expected boolean, got number"},
  {"lumi_without_config", "/measurements/0/config/parameters", "lumi parameter 'lumi' needs 'inits', 'bounds' and 'auxdata'"},
  {"non_scalar_poi", "/measurements/0/config/poi", "POI 'stat' is a staterror with 2 components"},
  // not JSON for nlohmann: Python writes NaN and 1e999 (inf)
  {"nan", "", "invalid JSON at line"},
  {"overflow", "", "number overflow"},
};
// clang-format on

std::string bad_path(const std::string& name) { return hfx::test::data("bad/ws_" + name + ".json"); }

TEST(Workspace, EveryBadFixtureFailsWithPointerAndMessage) {
  for (const bad_case& c : bad_cases) {
    SCOPED_TRACE(c.name);
    const std::string path = bad_path(c.name);
    ASSERT_TRUE(std::filesystem::exists(path));
    try {
      json ws = hfx::load_json_file(path);
      hfx::validate_workspace(ws, path);
      ADD_FAILURE() << "no error";
    } catch (const hfx::input_error& e) {
      EXPECT_EQ(e.file, path);
      EXPECT_EQ(e.pointer, c.pointer);
      EXPECT_NE(std::string(e.what()).find(c.fragment), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(Workspace, EveryBadFixtureIsInTheTable) {
  std::set<std::string> listed;
  for (const bad_case& c : bad_cases) listed.insert(std::string("ws_") + c.name + ".json");
  for (const auto& f : std::filesystem::directory_iterator(hfx::test::data("bad"))) {
    const std::string n = f.path().filename().string();
    if (n.rfind("ws_", 0) == 0 && n.size() > 5 && n.substr(n.size() - 5) == ".json" && n != "ws_valid.json")
      EXPECT_TRUE(listed.count(n)) << n << " has no expected error";
  }
}

TEST(Workspace, CompileValidatesFirst) {
  json ws = hfx::load_json_file(bad_path("histosys_hi_bins"));
  EXPECT_THROW(hfx::compile_model(ws, {}, "x.json"), hfx::input_error);
}

json valid() { return hfx::load_json_file(bad_path("valid")); }

TEST(Workspace, WhatPyhfAcceptsPassesWithWarnings) {
  std::vector<std::string> w;
  hfx::validate_workspace(valid(), "v.json", &w);
  EXPECT_TRUE(w.empty());

  json ws = valid();
  ws["channels"][0]["samples"][1]["data"][0] = -1.0;  // negative nominal
  ws["channels"][0]["samples"][1]["modifiers"][0]["data"]["lo_data"][1] = -0.5;  // negative histosys
  ws["measurements"][0]["config"]["parameters"].push_back({{"name", "not_in_model"}, {"fixed", true}});
  ws["observations"].push_back({{"name", "removed_channel"}, {"data", {1.0, 2.0, 3.0}}});
  ws["measurements"][0]["config"]["poi"] = "mu_SIG";  // no modifier provides it
  w.clear();
  hfx::validate_workspace(ws, "v.json", &w);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("v.json: /channels/0/samples/1/data: negative nominal rate in bin 0"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("(histosys 'jes'): negative lo_data entry in bin 1"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("/measurements/0/config/parameters/0: configures parameter 'not_in_model'"), std::string::npos) << w[2];
  auto m = hfx::compile_model(ws, {}, "v.json");
  EXPECT_EQ(m.poi, -1);
  EXPECT_EQ(m.poi_name, "");
  EXPECT_EQ(m.warnings.size(), 3u);
  EXPECT_EQ(m.obs, (std::vector<double>{12.0, 25.0}));
}

TEST(Workspace, FixedParameterMayStartOutsideItsBounds) {
  // pyhf does not check inits against bounds; hfx rejects it for free parameters only
  json ws = valid();
  ws["measurements"][0]["config"]["parameters"].push_back({{"name", "mu"}, {"inits", {20.0}}, {"fixed", true}});
  auto m = hfx::compile_model(ws, {}, "v.json");
  EXPECT_EQ(m.init[size_t(m.poi)], 20.0);
  EXPECT_EQ(m.fixed[size_t(m.poi)], 1);
}

TEST(Workspace, OnlyTheChosenMeasurementMustFitTheModel) {
  json ws = valid();
  ws["measurements"].push_back({{"name", "broken"}, {"config", {{"poi", "mu"}, {"parameters", {{{"name", "xs"}, {"sigmas", {2.0}}}}}}}});
  EXPECT_THROW(hfx::validate_workspace(ws, "v.json"), hfx::input_error);  // the file as a whole is bad
  EXPECT_NO_THROW(hfx::compile_model(ws, {}, "v.json"));                 // pyhf builds measurement 0
  hfx::model_options o;
  o.measurement = "broken";
  EXPECT_THROW(hfx::compile_model(ws, o, "v.json"), hfx::input_error);
}

void all_pointers(const json& j, const std::string& at, std::vector<std::string>* out) {
  out->push_back(at);
  if (j.is_object())
    for (const auto& [k, v] : j.items()) all_pointers(v, at + "/" + hfx::json_pointer_escape(k), out);
  else if (j.is_array())
    for (size_t i = 0; i < j.size(); ++i) all_pointers(j[i], at + "/" + std::to_string(i), out);
}

// Any damage to any node of a valid workspace gives an input_error or a valid model, never
// another exception (or a crash under the sanitizers).
TEST(Workspace, DamagedWorkspacesNeverCrash) {
  const json base = valid();
  std::vector<std::string> ptrs;
  all_pointers(base, "", &ptrs);
  const json replacements[] = {nullptr, "x", -1.0, 0, json::array(), json::object(), true, 1e300};
  int n_errors = 0, n_ok = 0;
  for (const std::string& p : ptrs) {
    std::vector<json> variants;
    for (const json& r : replacements) {
      json ws = base;
      if (p.empty()) ws = r; else ws[json::json_pointer(p)] = r;
      variants.push_back(std::move(ws));
    }
    if (!p.empty()) {
      json ws = base;
      json::json_pointer jp(p);
      json& parent = ws[jp.parent_pointer()];
      if (parent.is_object()) parent.erase(jp.back());
      else parent.erase(std::stoul(jp.back()));
      variants.push_back(std::move(ws));
    }
    for (const json& ws : variants) {
      try {
        hfx::validate_workspace(ws, "d.json");
        hfx::compile_model(ws, {}, "d.json");
        ++n_ok;
      } catch (const hfx::input_error&) {
        ++n_errors;
      } catch (const std::exception& e) {
        ADD_FAILURE() << p << ": " << typeid(e).name() << ": " << e.what() << "\n" << ws.dump();
      }
    }
  }
  EXPECT_GT(n_errors, 100);
  EXPECT_GT(n_ok, 10);
}

TEST(Workspace, EveryPublishedWorkspaceValidates) {
  int n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(hfx::test::published(""))) {
    const std::string p = f.path().string();
    if (!f.is_regular_file() || (p.find(".json") == std::string::npos)) continue;
    json doc = hfx::load_json_file(p);
    if (!doc.is_object() || !doc.contains("channels") || !doc.contains("observations")) continue;
    SCOPED_TRACE(p);
    std::vector<std::string> w;
    EXPECT_NO_THROW(hfx::validate_workspace(doc, p, &w));
    ++n;
  }
  EXPECT_GE(n, 80);
}

// ---- CLI -----------------------------------------------------------------------------

struct run_result {
  int rc = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

run_result run_cli(const std::string& args) {
  const std::string base = testing::TempDir() + "hfx_ws_test_" + std::to_string(::getpid());
  const std::string cmd = hfx::test::cli() + " " + args + " > " + base + ".out 2> " + base + ".err";
  run_result r;
  int st = std::system(cmd.c_str());
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

TEST(InspectCli, BadFixturesExitOneWithOneLine) {
  for (const bad_case& c : bad_cases) {
    SCOPED_TRACE(c.name);
    run_result r = run_cli("inspect " + bad_path(c.name));
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.err.find(c.fragment), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(InspectCli, SbottomBkgOnlyHasNoPoi) {
  const std::string ws = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz");
  run_result r = run_cli("inspect " + ws + " --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_TRUE(j["poi"].is_null());
  EXPECT_EQ(j["measurements"][0]["poi"], "mu_SIG");  // named by the measurement, provided by no modifier
  // against pyhf (tests/data/pyhf/inspect, from gen_inspect_fixtures.py)
  json fx = hfx::load_json_file(hfx::test::data("pyhf/inspect/scan-configs__data__ATLAS-SUSY-2018-31_sbottom__RegionA__BkgOnly.json.gz"));
  EXPECT_EQ(j["n_main_data"], fx["nmaindata"]);
  EXPECT_EQ(j["n_aux_data"], fx["nauxdata"]);
  ASSERT_EQ(j["channels"].size(), fx["channels"].size());
  for (size_t c = 0; c < j["channels"].size(); ++c) {
    EXPECT_EQ(j["channels"][c]["name"], fx["channels"][c]);
    EXPECT_EQ(j["channels"][c]["bins"], fx["channel_nbins"][c]);
  }
  EXPECT_EQ(j["samples"], fx["samples"]);
  ASSERT_EQ(j["parameters"].size(), fx["par_order"].size());
  size_t comp = 0;
  for (size_t i = 0; i < j["parameters"].size(); ++i) {
    const json& p = j["parameters"][i];
    EXPECT_EQ(p["name"], fx["par_order"][i]);
    EXPECT_EQ(p["type"], fx["params"][i]["kind"]);
    EXPECT_EQ(p["n"], fx["params"][i]["n"]);
    for (int k = 0; k < p["n"].get<int>(); ++k, ++comp) {
      EXPECT_EQ(p["inits"][size_t(k)].get<double>(), fx["suggested_init"][comp].get<double>());
      EXPECT_EQ(p["bounds"][size_t(k)], fx["suggested_bounds"][comp]);
      EXPECT_EQ(p["fixed"][size_t(k)], fx["suggested_fixed"][comp]);
    }
  }
  // the text form names the POI situation
  r = run_cli("inspect " + ws);
  ASSERT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("POI of the model: none"), std::string::npos);
  EXPECT_NE(r.out.find("(*) NormalMeasurement"), std::string::npos);
}

TEST(InspectCli, PatchedWorkspaceHasThePoi) {
  const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
  run_result r = run_cli("inspect " + dir + "BkgOnly.json.gz --patchset " + dir +
                         "patchset.DERIVED.json.gz --patch sbottom_1000_131_1 --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["poi"], "mu_SIG");
  json fx = hfx::load_json_file(hfx::test::data("pyhf/inspect/ATLAS-SUSY-2018-31_sbottom__RegionA__sbottom_1000_131_1.json.gz"));
  EXPECT_EQ(j["n_parameters"], fx["suggested_init"].size());
}

TEST(InspectCli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli("inspect").rc, 2);                                         // no workspace
  EXPECT_EQ(run_cli("inspect " + bad_path("valid") + " --bogus").rc, 2);       // unknown option
  EXPECT_EQ(run_cli("inspect " + bad_path("valid") + " --patch x").rc, 2);     // --patch without --patchset
  EXPECT_EQ(run_cli("inspect " + bad_path("valid") + " --normsys-code code0").rc, 2);
  EXPECT_EQ(run_cli("inspect a.json b.json").rc, 2);
  run_result r = run_cli("inspect " + bad_path("valid") + " --measurement nope");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no measurement named 'nope' (have 'meas')"), std::string::npos) << r.err;
  r = run_cli("inspect /nonexistent/ws.json");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cannot open file"), std::string::npos) << r.err;
}

}  // namespace
