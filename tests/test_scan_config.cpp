// Scan configs: every config in scan-configs/ loads, its files exist, its patch selection and
// measurement fit its data; and the loader's validation errors name file and pointer.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "hfx/error.hpp"
#include "hfx/patch_select.hpp"
#include "hfx/scan_config.hpp"
#include "test_paths.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> patch_names(const hfx::json& patchset) {
  std::vector<std::string> names;
  for (const auto& p : patchset.at("patches")) names.push_back(p.at("metadata").at("name").get<std::string>());
  return names;
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "hfx_scan_config_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = (path / name).string();
    std::ofstream(p) << text;
    return p;
  }
};

}  // namespace

TEST(ScanConfigs, EveryBundledConfigLoadsAndFitsItsData) {
  auto files = hfx::list_scan_configs(hfx::test::source_dir() + "/scan-configs");
  std::set<std::string> stems;
  for (const auto& f : files) stems.insert(fs::path(f).stem().string());
  for (const char* required : {"sbottom_RegionA", "sbottom_RegionB", "sbottom_RegionC", "sbottom_RegionA_quick",
                               "staus_combined", "staus_lowMass", "staus_highMass"})
    EXPECT_TRUE(stems.count(required)) << "missing scan-configs/" << required << ".json";

  std::set<std::string> outs;
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    hfx::scan_config c = hfx::load_scan_config(f);
    EXPECT_EQ(c.name, fs::path(f).stem().string());
    EXPECT_FALSE(c.description.empty());
    EXPECT_TRUE(fs::is_regular_file(c.workspace)) << c.workspace;
    EXPECT_TRUE(fs::is_regular_file(c.patchset)) << c.patchset;
    EXPECT_TRUE(outs.insert(c.out).second) << "two configs write " << c.out;
    EXPECT_TRUE(c.provenance.contains("hepdata"));
    EXPECT_TRUE(c.provenance.contains("doi"));

    hfx::json ws = hfx::load_json_file(c.workspace);
    hfx::json ps = hfx::load_json_file(c.patchset);
    if (c.measurement) {
      bool found = false;
      for (const auto& m : ws.at("measurements")) found |= m.at("name") == *c.measurement;
      EXPECT_TRUE(found) << "measurement " << *c.measurement << " not in " << c.workspace;
    }
    auto names = patch_names(ps);
    ASSERT_FALSE(names.empty());
    auto selected = hfx::select_patches(names, c.patches.value_or("*"), c.file + " /patches");
    EXPECT_FALSE(selected.empty());
    // Every patch's values match the patchset's labels (they become the record's "values").
    const auto& labels = ps.at("metadata").at("labels");
    for (size_t i : selected) EXPECT_EQ(ps["patches"][i]["metadata"]["values"].size(), labels.size());
  }
}

TEST(ScanConfigs, QuickConfigSpreadsTwelvePointsOverTheGrid) {
  hfx::scan_config c = hfx::load_scan_config(hfx::test::source_dir() + "/scan-configs/sbottom_RegionA_quick.json");
  hfx::json ps = hfx::load_json_file(c.patchset);
  auto names = patch_names(ps);
  ASSERT_TRUE(c.patches);
  auto selected = hfx::select_patches(names, *c.patches);
  EXPECT_EQ(selected.size(), 12u);
  std::set<double> m_sbottom;
  std::set<double> m_chi1;
  for (size_t i : selected) {
    m_sbottom.insert(ps["patches"][i]["metadata"]["values"][0].get<double>());
    m_chi1.insert(ps["patches"][i]["metadata"]["values"][2].get<double>());
  }
  EXPECT_GE(m_sbottom.size(), 8u);                                    // spread along m_sbottom
  EXPECT_GE(*m_sbottom.rbegin() - *m_sbottom.begin(), 1000.0);        // over most of the 300..1600 range
  EXPECT_GE(m_chi1.size(), 3u);                                       // not only the m_chi1 = 60 plane
  for (const char* regression_point : {"sbottom_1300_205_60", "sbottom_1400_950_60", "sbottom_1500_850_60"})
    EXPECT_NE(c.patches->find(regression_point), std::string::npos) << regression_point;
}

TEST(ScanConfigs, PathsResolveRelativeToTheConfig) {
  temp_dir d;
  fs::create_directory(d.path / "data");
  d.write("data/ws.json", "{}");
  d.write("data/ps.json", "{}");
  d.write("list.txt", "a\n");
  std::string cfg = d.write("c.json", R"({"name": "t", "workspace": "data/ws.json", "patchset": "data/ps.json",
      "patches": ["b*", "@list.txt", "0:2"], "test_stat": "q", "mu_test": 2.5, "limits": true})");
  hfx::scan_config c = hfx::load_scan_config(cfg);
  EXPECT_EQ(fs::path(c.workspace), (d.path / "data/ws.json").lexically_normal());
  EXPECT_EQ(fs::path(c.patchset), (d.path / "data/ps.json").lexically_normal());
  EXPECT_EQ(c.out, "t.jsonl");
  EXPECT_EQ(c.test_stat, "q");
  EXPECT_EQ(c.mu_test, 2.5);
  EXPECT_TRUE(c.limits);
  EXPECT_FALSE(c.measurement);
  ASSERT_TRUE(c.patches);
  // The @FILE item now works from any working directory.
  auto sel = hfx::select_patches({"a", "b1", "b2", "c", "d"}, *c.patches);
  EXPECT_EQ(sel, (std::vector<size_t>{0, 1, 2}));
}

TEST(ScanConfigs, ValidationErrorsNameThePointer) {
  temp_dir d;
  d.write("ws.json", "{}");
  d.write("ps.json", "{}");
  const std::string base = R"("name": "t", "workspace": "ws.json", "patchset": "ps.json")";
  auto pointer_of = [&](const std::string& body) -> std::string {
    std::string cfg = d.write("c.json", "{" + body + "}");
    try {
      hfx::load_scan_config(cfg);
    } catch (const hfx::input_error& e) {
      EXPECT_EQ(e.file, cfg);
      return e.pointer.empty() ? "<root>: " + e.problem : e.pointer;
    }
    return "no error";
  };
  EXPECT_EQ(pointer_of(base), "no error");
  EXPECT_NE(pointer_of(R"("workspace": "ws.json", "patchset": "ps.json")").find("'name'"), std::string::npos);
  EXPECT_EQ(pointer_of(base + R"(, "wrkspace": "x")"), "/wrkspace");
  EXPECT_EQ(pointer_of(R"("name": "t", "workspace": "nope.json", "patchset": "ps.json")"), "/workspace");
  EXPECT_EQ(pointer_of(R"("name": "t", "workspace": "ws.json", "patchset": 3)"), "/patchset");
  EXPECT_EQ(pointer_of(R"("name": "a/b", "workspace": "ws.json", "patchset": "ps.json")"), "/name");
  EXPECT_EQ(pointer_of(base + R"(, "test_stat": "tmu")"), "/test_stat");
  EXPECT_EQ(pointer_of(base + R"(, "mu_test": "1")"), "/mu_test");
  EXPECT_EQ(pointer_of(base + R"(, "limits": 1)"), "/limits");
  EXPECT_EQ(pointer_of(base + R"(, "limits": true, "test_stat": "q0")"), "/limits");
  EXPECT_EQ(pointer_of(base + R"(, "patches": "0:10:0")"), "/patches");
  EXPECT_EQ(pointer_of(base + R"(, "patches": ["a", 3])"), "/patches/1");
  EXPECT_EQ(pointer_of(base + R"(, "patches": "@missing.txt")"), "/patches");
  EXPECT_EQ(pointer_of(base + R"(, "provenance": "x")"), "/provenance");
  EXPECT_EQ(pointer_of(base + R"(, "out": "")"), "/out");
  std::string not_object = d.write("arr.json", "[1]");
  EXPECT_THROW(hfx::load_scan_config(not_object), hfx::input_error);
  EXPECT_THROW(hfx::load_scan_config(d.path.string() + "/absent.json"), hfx::input_error);
}
