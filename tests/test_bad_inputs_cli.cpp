// The hfx CLI over every bad-input fixture of tests/data/bad/ and two hostile files made at
// test time (100,000 nested arrays; one 200 MB string): each gives exit code 1 (never a
// signal, never 0), exactly one line on stderr that names the file, quickly.
//
// Commands by prefix: ws_* and json_* -> `hfx inspect F`; patch_* -> `hfx patchset verify
// WS F` and, when the file is a patchset whose defect only shows when a patch is applied
// (a missing path, a failed test), `hfx patchset apply WS F --name N` for each of its
// patches. WS is patch_bkg_workspace.json, the workspace the patch fixtures were made for.
// Every command runs under `timeout 10`, so a hang fails instead of blocking the suite.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hfx/json_io.hpp"
#include "test_paths.hpp"

namespace fs = std::filesystem;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool under_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool under_asan = true;
#else
constexpr bool under_asan = false;
#endif
#else
constexpr bool under_asan = false;
#endif

// A bad file is read, parsed and rejected in milliseconds; 2 s leaves room for a loaded
// machine (the fixtures are < 2 kB). Sanitizer builds run ~3-10x slower.
const double max_seconds_fixture = under_asan ? 10.0 : 2.0;
// The 200 MB file must be read before the pre-scan rejects it: ~0.5 s of CPU. Judged by
// the child's CPU time (a loaded machine stretches the wall time; `timeout 10` bounds that).
const double max_cpu_seconds_huge = under_asan ? 30.0 : 3.0;
// Virtual memory bound for the hostile files (KiB, as `ulimit -v` takes it): 4 GB is 20x
// the 200 MB file. ASan reserves terabytes of shadow address space, so no bound there.
constexpr long vmem_limit_kib = 4000000;

// Files in tests/data/bad/ that are valid companions of the bad ones, not bad inputs.
const std::set<std::string> companions = {"ws_valid.json", "patch_good_patchset.json", "ws_make_fixtures.py"};

fs::path tmp_dir() {
  fs::path d = fs::temp_directory_path() / ("hfx_bad_inputs_cli_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

double children_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct cli_run {
  int status = 0;          // raw wait status of std::system
  bool exited = false;
  int code = -1;
  std::string err;         // stderr
  double seconds = 0.0;      // wall time around std::system
  double cpu_seconds = 0.0;  // user + system time of the waited-for children
  std::string cmd;
};

cli_run run_cli(const std::string& args, bool limit_memory = false) {
  static int counter = 0;
  const fs::path errf = tmp_dir() / ("stderr_" + std::to_string(counter++) + ".txt");
  cli_run r;
  std::string shell = "timeout 10 " + quote(hfx::test::cli()) + " " + args + " >/dev/null 2>" + quote(errf.string());
  if (limit_memory && !under_asan) shell = "ulimit -v " + std::to_string(vmem_limit_kib) + "; " + shell;
  r.cmd = shell;
  const double c0 = children_cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  r.status = std::system(shell.c_str());  // sh -c: a signal shows as exit 128+n
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.cpu_seconds = children_cpu_seconds() - c0;
  r.exited = WIFEXITED(r.status);
  r.code = r.exited ? WEXITSTATUS(r.status) : -1;
  r.err = slurp(errf);
  fs::remove(errf);
  return r;
}

// The contract of a rejected input: exit 1, one stderr line naming the file, in time.
void expect_rejected(const cli_run& r, const std::string& file_name, double max_seconds) {
  EXPECT_TRUE(r.exited) << r.cmd << ": status " << r.status;
  EXPECT_EQ(r.code, 1) << r.cmd << "\nstderr: " << r.err;  // 124 = timeout, 128+n = signal n
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.cmd << "\nstderr: " << r.err;
  EXPECT_FALSE(r.err.empty() || r.err.back() != '\n') << r.cmd << "\nstderr: " << r.err;
  EXPECT_NE(r.err.find(file_name), std::string::npos) << r.cmd << "\nstderr does not name " << file_name << ": " << r.err;
  EXPECT_LT(r.seconds, max_seconds) << r.cmd;
}

std::vector<fs::path> bad_files(const std::string& prefix) {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(hfx::test::data("bad"))) {
    const std::string n = e.path().filename().string();
    if (e.is_regular_file() && n.rfind(prefix, 0) == 0 && !companions.count(n)) v.push_back(e.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

TEST(BadInputsCli, EveryFixtureHasAKnownPrefix) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(hfx::test::data("bad"))) {
    const std::string name = e.path().filename().string();
    if (companions.count(name)) continue;
    ++n;
    EXPECT_TRUE(name.rfind("ws_", 0) == 0 || name.rfind("json_", 0) == 0 || name.rfind("patch_", 0) == 0 ||
                name.rfind("ps_", 0) == 0)
        << name << ": unknown prefix; add its command to this test";
  }
  EXPECT_GT(n, 50);
}

TEST(BadInputsCli, WorkspaceAndJsonFixturesFailInspect) {
  auto files = bad_files("ws_");
  const auto js = bad_files("json_");
  files.insert(files.end(), js.begin(), js.end());
  ASSERT_GT(files.size(), 40u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    expect_rejected(run_cli("inspect " + quote(f.string())), f.filename().string(), max_seconds_fixture);
  }
}

TEST(BadInputsCli, ValidCompanionsPass) {
  // The companions are what makes the bad files bad by one defect each.
  EXPECT_EQ(run_cli("inspect " + quote(hfx::test::data("bad/ws_valid.json"))).code, 0);
  EXPECT_EQ(run_cli("patchset verify " + quote(hfx::test::data("bad/patch_bkg_workspace.json")) + " " +
                    quote(hfx::test::data("bad/patch_good_patchset.json")))
                .code,
            0);
}

TEST(BadInputsCli, PatchFixturesFailVerifyOrApply) {
  const std::string ws = hfx::test::data("bad/patch_bkg_workspace.json");
  auto files = bad_files("patch_");
  const auto ps = bad_files("ps_");
  files.insert(files.end(), ps.begin(), ps.end());
  ASSERT_GT(files.size(), 8u);
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    SCOPED_TRACE(name);
    // patch_bkg_workspace.json is a workspace: as a patchset it is the "swapped" mistake.
    const cli_run v = run_cli("patchset verify " + quote(ws) + " " + quote(f.string()));
    ASSERT_TRUE(v.exited) << v.cmd << ": status " << v.status;
    if (v.code != 0) {
      expect_rejected(v, name, max_seconds_fixture);
      continue;
    }
    // Loads and verifies: the defect is in a patch. Apply each; at least one must fail.
    const hfx::json doc = hfx::load_json_file(f.string());
    ASSERT_TRUE(doc.contains("patches")) << name;
    int failed = 0;
    for (const auto& p : doc["patches"]) {
      const std::string pname = p["metadata"]["name"].get<std::string>();
      const cli_run a = run_cli("patchset apply " + quote(ws) + " " + quote(f.string()) + " --name " + quote(pname));
      ASSERT_TRUE(a.exited) << a.cmd << ": status " << a.status;
      EXPECT_TRUE(a.code == 0 || a.code == 1) << a.cmd << ": exit " << a.code << "\n" << a.err;
      EXPECT_LT(a.seconds, max_seconds_fixture) << a.cmd;
      if (a.code == 1) {
        expect_rejected(a, name, max_seconds_fixture);
        ++failed;
      }
    }
    EXPECT_GT(failed, 0) << name << " verifies and every patch applies: not a bad input";
  }
}

// ---- hostile files made at test time ----------------------------------------------------------

TEST(BadInputsCli, HundredThousandNestedArraysFailFast) {
  const fs::path f = tmp_dir() / "deep_nesting.json";
  {
    std::ofstream o(f, std::ios::binary);
    constexpr int depth = 100000;
    o << std::string(depth, '[') << std::string(depth, ']');
  }
  expect_rejected(run_cli("inspect " + quote(f.string()), true), "deep_nesting.json", max_seconds_fixture);
  expect_rejected(run_cli("patchset verify " + quote(hfx::test::data("bad/patch_bkg_workspace.json")) + " " + quote(f.string()), true),
                  "deep_nesting.json", max_seconds_fixture);
  fs::remove(f);
}

TEST(BadInputsCli, TwoHundredMegabyteStringFailsFastInBoundedMemory) {
  const fs::path f = tmp_dir() / "huge_string.json";
  {
    std::ofstream o(f, std::ios::binary);
    o << "{\"version\": \"";
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 200; ++i) o << chunk;
    o << "\"}";
  }
  ASSERT_GT(fs::file_size(f), 200u * 1000 * 1000);
  const cli_run r = run_cli("inspect " + quote(f.string()), true);
  expect_rejected(r, "huge_string.json", 10.0);  // the timeout's bound
  EXPECT_LT(r.cpu_seconds, max_cpu_seconds_huge) << r.cmd;
  RecordProperty("huge_string_cpu_seconds", std::to_string(r.cpu_seconds));
  fs::remove(f);
}

}  // namespace
