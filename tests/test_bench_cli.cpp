// `hfx bench`: its timed child measures the same hypotheses as run_scan's path (CLs equal
// to evaluate_hypothesis in process, per-hypothesis and batched paths agree, synthetic
// hypotheses are the grid's), it counts what it ran, reports memory, and the parent's
// table/JSON have the documented shape. pyhf is not needed (--no-pyhf).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "hfx/scan.hpp"
#include "hfx/synthetic_grid.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;

// The batched CPU backend runs the same HFX_HD hypotest body as hypotest_engine; the two
// are documented to give the same records, but allow for a different summation order.
constexpr double batched_cls_tol = 1e-9;

struct run_result {
  int exit_code = -1;
  std::string out;
};

run_result run(const std::string& args) {
  const std::string cmd = hfx::test::cli() + " bench --root " + hfx::test::source_dir() + " " + args + " 2>/dev/null";
  run_result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

json child(const std::string& args) {
  const run_result r = run(args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::istringstream in(r.out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = line;
  return last.empty() ? json() : json::parse(last);
}

std::string config(const std::string& name) { return hfx::test::source_dir() + "/scan-configs/" + name + ".json"; }

struct published {
  json ws;
  hfx::patchset ps;
  std::string ws_file;
  hfx::scan_options opt;
};

const published& sbottom_a() {
  static const published p = [] {
    const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
    published q{hfx::load_json_file(dir + "BkgOnly.json.gz"), hfx::load_patchset(dir + "patchset.DERIVED.json.gz"),
                dir + "BkgOnly.json.gz", {}};
    q.opt.model.measurement = "NormalMeasurement";
    return q;
  }();
  return p;
}

TEST(BenchCli, ChildMatchesScanPath) {
  // Slice 0:200:50 of RegionA: patches 0, 50, 100, 150; CLs asked for two of them.
  const json r = child("--child " + config("sbottom_RegionA") + " --threads 2 --select 0:200:50 --cls-for 50 --cls-for 150");
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["n"], 4);
  EXPECT_EQ(r["failed"], 0);
  EXPECT_EQ(r["threads"], 2);
  EXPECT_GT(r["wall_s"].get<double>(), 0.0);
  EXPECT_GT(r["peak_rss_kib"].get<long>(), 1000);
  EXPECT_EQ(r["patchset_patches"], 217);
  ASSERT_EQ(r["cls"].size(), 2u);
  const auto& p = sbottom_a();
  for (int j = 0; j < 2; ++j) {
    const std::size_t idx = j == 0 ? 50 : 150;
    const hfx::scan_record rec = hfx::evaluate_hypothesis(p.ws, p.ws_file, p.ps, idx, p.opt);
    EXPECT_EQ(r["cls"][j]["patch"], p.ps.patches[idx].name);
    EXPECT_EQ(r["cls"][j]["cls_obs"].get<double>(), *rec.CLs_obs);  // same code, same bits
    for (int i = 0; i < 5; ++i) EXPECT_EQ(r["cls"][j]["cls_exp"][i].get<double>(), (*rec.CLs_exp)[i]);
  }
  // The batched path (model_batch + batch_hypotest on the CPU backend) on the same patches.
  const json b = child("--child " + config("sbottom_RegionA") +
                       " --threads 2 --select 0:200:50 --cls-for 50 --cls-for 150 --batched cpu --chunk 3");
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ(b["n"], 4);
  EXPECT_EQ(b["batched"], "cpu");
  EXPECT_GE(b["t_compile_s"].get<double>(), 0.0);
  for (int j = 0; j < 2; ++j) {
    EXPECT_EQ(b["cls"][j]["patch"], r["cls"][j]["patch"]);
    EXPECT_NEAR(b["cls"][j]["cls_obs"].get<double>(), r["cls"][j]["cls_obs"].get<double>(), batched_cls_tol);
  }
}

TEST(BenchCli, ChildSyntheticGrid) {
  const json r = child("--child " + config("sbottom_RegionA") + " --threads 1 --size 500 --seed 3 --select ::100 --cls-for 300");
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["n"], 5);  // 0, 100, 200, 300, 400
  EXPECT_EQ(r["failed"], 0);
  ASSERT_EQ(r["cls"].size(), 1u);
  hfx::synthetic_grid_options o;
  o.size = 500;
  o.seed = 3;
  const auto& p = sbottom_a();
  const hfx::synthetic_grid g(p.ps, o);
  const hfx::patchset one = g.single(300);
  const hfx::scan_record rec = hfx::evaluate_hypothesis(p.ws, p.ws_file, one, 0, p.opt);
  EXPECT_EQ(r["cls"][0]["patch"], "syn_300");
  EXPECT_EQ(r["cls"][0]["cls_obs"].get<double>(), *rec.CLs_obs);
}

TEST(BenchCli, QuickTableAndJson) {
  const std::string out = (std::filesystem::temp_directory_path() / "hfx_test_bench_cli.json").string();
  const run_result r = run("--quick --no-pyhf --models sbottom_RegionB --threads 2 --json-out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("sbottom_RegionB"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hfx/s"), std::string::npos);
  const json doc = hfx::load_json_file(out);
  std::filesystem::remove(out);
  ASSERT_EQ(doc["rows"].size(), 1u);
  const json& row = doc["rows"][0];
  EXPECT_EQ(row["model"], "sbottom_RegionB");
  EXPECT_EQ(row["n_pars"], 60);
  EXPECT_EQ(row["n_bins"], 2);
  EXPECT_EQ(row["hypotheses"], 218);
  EXPECT_EQ(row["hfx_all"]["n"], 28);  // --quick: 28 patches (every 7th of 218)
  EXPECT_EQ(row["hfx_all"]["threads"], 2);
  EXPECT_EQ(row["hfx_1t"]["threads"], 1);
  EXPECT_EQ(row["hfx_all"]["failed"], 0);
  EXPECT_GT(row["hfx_all_per_s"].get<double>(), 0.0);
  EXPECT_GT(row["peak_rss_mib"].get<double>(), 1.0);
  EXPECT_EQ(row["pyhf_per_s"], "not run");
  EXPECT_EQ(doc["threads_all"], 2);
}

TEST(BenchCli, UnknownRowIsUsageError) {
  EXPECT_EQ(run("--no-pyhf --models nonsense").exit_code, 2);
}

}  // namespace
