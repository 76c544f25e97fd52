// Scan records, the resuming JSON-lines writer (including a real SIGKILL), patch selection,
// the progress meter and SIGINT/SIGTERM handling.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "hfx/error.hpp"
#include "hfx/scan_io.hpp"

namespace fs = std::filesystem;
using hfx::scan_record;

namespace {

// A fresh directory per test, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "hfx_scan_io_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void append_raw(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f << text;
}

// A record with every field set and awkward numbers.
scan_record full_record(const std::string& patch, double seed) {
  scan_record r;
  r.patch = patch;
  r.values = {{"m_sbottom", 1300}, {"m_chi2", 205}, {"m_chi1", 60.5}};
  r.mu_test = 1.0;
  r.test_stat = "qtilde";
  r.CLs_obs = 0.2444362776 + seed;
  r.CLs_exp = hfx::expected_set{0.1 / 3, 0.1937839195, 1.0 / 7, 0.6557757334, 0.8910420972 - seed};
  r.UL_obs = 2.25;
  r.UL_exp = hfx::expected_set{1e-300, 4.9e-324, 1e300, -0.0, 3.0};
  r.limit_status = "ok";
  r.muhat = -0.123456789012345678;
  r.twice_nll = {{hfx::fit_name::free, 123.45678901234567}, {hfx::fit_name::fixed_mu, 130.0 + seed}};
  r.status = {{hfx::fit_name::free, "converged"}, {hfx::fit_name::fixed_mu, "converged"}};
  r.time_s = 0.0125;
  r.extra = {{"backend", "cpu"}};
  return r;
}

// prefix + i (a function: GCC 12 warns falsely (-Wrestrict) on inlined "literal" + string).
std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

}  // namespace

// ---- records --------------------------------------------------------------------------------

TEST(ScanRecord, RoundTripKeepsEveryFieldBitExact) {
  scan_record a = full_record("sbottom_1300_205_60", 1e-17);
  std::string line = hfx::to_json_line(a);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.rfind("{\"patch\":\"sbottom_1300_205_60\",\"values\":", 0), 0u) << line;
  scan_record b = hfx::record_from_json_line(line, "t");
  EXPECT_EQ(b.patch, a.patch);
  EXPECT_EQ(b.values, a.values);
  EXPECT_EQ(bits(b.mu_test), bits(a.mu_test));
  EXPECT_EQ(b.test_stat, a.test_stat);
  EXPECT_EQ(bits(*b.CLs_obs), bits(*a.CLs_obs));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(bits((*b.CLs_exp)[i]), bits((*a.CLs_exp)[i])) << i;
    EXPECT_EQ(bits((*b.UL_exp)[i]), bits((*a.UL_exp)[i])) << i;  // includes -0.0 and a subnormal
  }
  EXPECT_EQ(bits(*b.muhat), bits(*a.muhat));
  EXPECT_EQ(b.limit_status, a.limit_status);
  EXPECT_EQ(b.twice_nll, a.twice_nll);
  EXPECT_EQ(b.status, a.status);
  EXPECT_FALSE(b.error);
  EXPECT_FALSE(b.p0);
  EXPECT_EQ(b.extra, a.extra);
  EXPECT_TRUE(hfx::same_results(a, b));
  EXPECT_EQ(hfx::to_json_line(b), line);
}

TEST(ScanRecord, RandomDoublesRoundTripBitExact) {
  std::mt19937_64 rng(12345);
  scan_record r = full_record("p", 0);
  int tested = 0;
  while (tested < 20000) {
    double x = std::bit_cast<double>(rng());
    if (!std::isfinite(x)) continue;
    r.CLs_obs = x;
    scan_record back = hfx::record_from_json_line(hfx::to_json_line(r), "t");
    ASSERT_EQ(bits(*back.CLs_obs), bits(x)) << hfx::to_json_line(r);
    ++tested;
  }
}

TEST(ScanRecord, SameResultsIgnoresTimeOnly) {
  scan_record a = full_record("p", 0), b = a;
  b.time_s = 99.0;
  EXPECT_TRUE(hfx::same_results(a, b));
  b.CLs_obs = std::nextafter(*a.CLs_obs, 1.0);  // one ulp
  EXPECT_FALSE(hfx::same_results(a, b));
  b = a;
  b.status["free"] = "max_iterations";
  EXPECT_FALSE(hfx::same_results(a, b));
}

TEST(ScanRecord, ErrorRecordHasNoResults) {
  scan_record r = hfx::error_record("sbottom_x", {{"m", 1}}, 1.0, "qtilde", "patch leaves no POI", 0.5);
  r.status["free"] = "non_finite";
  EXPECT_TRUE(r.failed());
  hfx::json j = hfx::parse_json_text(hfx::to_json_line(r), "t");
  EXPECT_EQ(j["error"], "patch leaves no POI");
  for (const char* k : {"CLs_obs", "CLs_exp", "p0", "p0_exp", "UL_obs", "UL_exp", "muhat", "twice_nll", "nonfinite"})
    EXPECT_FALSE(j.contains(k)) << k;
  scan_record back = hfx::record_from_json(j, "t");
  EXPECT_TRUE(back.failed());
  EXPECT_EQ(*back.error, *r.error);
  EXPECT_EQ(back.status.at("free"), "non_finite");
  EXPECT_TRUE(hfx::same_results(r, back));
}

TEST(ScanRecord, NonFiniteValuesBecomeNullAndAreListed) {
  scan_record r = full_record("p", 0);
  r.CLs_obs = std::numeric_limits<double>::quiet_NaN();
  (*r.CLs_exp)[1] = -std::numeric_limits<double>::infinity();
  r.twice_nll["free"] = std::numeric_limits<double>::infinity();
  std::string line = hfx::to_json_line(r);
  EXPECT_EQ(line.find("NaN"), std::string::npos);
  EXPECT_EQ(line.find("nan"), std::string::npos);
  EXPECT_EQ(line.find("inf"), std::string::npos);
  hfx::json j = hfx::parse_json_text(line, "t");  // valid JSON
  EXPECT_TRUE(j["CLs_obs"].is_null());
  EXPECT_TRUE(j["CLs_exp"][1].is_null());
  EXPECT_TRUE(j["twice_nll"]["free"].is_null());
  EXPECT_EQ(j["nonfinite"], (hfx::json{"/CLs_obs", "/CLs_exp/1", "/twice_nll/free"}));
  scan_record back = hfx::record_from_json(j, "t");
  EXPECT_TRUE(std::isnan(*back.CLs_obs));
  EXPECT_TRUE(std::isnan((*back.CLs_exp)[1]));
  EXPECT_TRUE(std::isnan(back.twice_nll.at("free")));
  EXPECT_FALSE(back.extra.contains("nonfinite"));  // derived, not stored
  EXPECT_EQ(hfx::to_json_line(back), line);        // stable after one round trip
}

TEST(ScanRecord, Q0RecordsCarryP0) {
  scan_record r;
  r.patch = "p";
  r.test_stat = "q0";
  r.mu_test = 0.0;
  r.p0 = 1.5e-7;
  r.p0_exp = hfx::expected_set{1e-5, 1e-4, 1e-3, 1e-2, 1e-1};
  hfx::json j = hfx::parse_json_text(hfx::to_json_line(r), "t");
  EXPECT_FALSE(j.contains("CLs_obs"));
  EXPECT_EQ(j["p0_exp"].size(), 5u);
  scan_record back = hfx::record_from_json(j, "t");
  EXPECT_EQ(bits(*back.p0), bits(1.5e-7));
  EXPECT_FALSE(back.CLs_exp);
}

TEST(ScanRecord, BadRecordsNameThePointer) {
  auto pointer_of = [](const std::string& text) -> std::string {
    try {
      hfx::record_from_json_line(text, "out.jsonl:7");
    } catch (const hfx::input_error& e) {
      EXPECT_EQ(e.file, "out.jsonl:7");
      return e.pointer.empty() ? "<root>: " + e.problem : e.pointer;
    }
    return "no error";
  };
  EXPECT_NE(pointer_of(R"({"mu_test":1,"test_stat":"q"})").find("missing required key 'patch'"), std::string::npos);
  EXPECT_EQ(pointer_of(R"({"patch":"p","mu_test":"1","test_stat":"q"})"), "/mu_test");
  EXPECT_EQ(pointer_of(R"({"patch":"p","mu_test":1,"test_stat":"q","CLs_exp":[1,2,3,4]})"), "/CLs_exp");
  EXPECT_EQ(pointer_of(R"({"patch":"p","mu_test":1,"test_stat":"q","CLs_exp":[1,2,"x",4,5]})"), "/CLs_exp/2");
  EXPECT_EQ(pointer_of(R"({"patch":"p","mu_test":1,"test_stat":"q","status":{"a/b":3}})"), "/status/a~1b");
  EXPECT_EQ(pointer_of(R"({"patch":"p","mu_test":1,"test_stat":"q","values":[1,2]})"), "/values");
  EXPECT_THROW(hfx::record_from_json_line(R"({"patch":"p", "mu_test":)", "t"), hfx::input_error);
}

TEST(ScanRecord, ExtraKeysRoundTripButCannotShadowFields) {
  scan_record r = full_record("p", 0);
  r.extra = {{"n_iter", 7}, {"note", "x"}};
  scan_record back = hfx::record_from_json_line(hfx::to_json_line(r), "t");
  EXPECT_EQ(back.extra, r.extra);
  r.extra = {{"CLs_obs", 1}};
  EXPECT_THROW(hfx::to_json_line(r), hfx::error);
}

TEST(ScanRecord, LabelValues) {
  hfx::json v = hfx::label_values({"m_sbottom", "m_chi2"}, {1300, 205.5});
  EXPECT_EQ(v, (hfx::json{{"m_sbottom", 1300}, {"m_chi2", 205.5}}));
  EXPECT_THROW(hfx::label_values({"a", "b"}, {1}), hfx::error);
  EXPECT_THROW(hfx::label_values({"a", 3}, {1, 2}), hfx::error);
}

// ---- writer -----------------------------------------------------------------------------------

TEST(ScanWriter, WritesOneLinePerRecordAndKnowsWhatIsDone) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  {
    hfx::scan_writer w(path);
    EXPECT_EQ(w.size(), 0u);
    for (int i = 0; i < 3; ++i) w.write(full_record(numbered("p", i), i));
    EXPECT_TRUE(w.done("p1"));
    EXPECT_FALSE(w.done("p3"));
    EXPECT_THROW(w.write(full_record("p1", 0)), hfx::error);  // each patch once
    w.close();
  }
  std::string text = slurp(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3);
  auto recs = hfx::read_scan_file(path);
  ASSERT_EQ(recs.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(hfx::same_results(recs[i], full_record(numbered("p", i), i)));
}

TEST(ScanWriter, ResumeAfterTruncatedLastLine) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  {
    hfx::scan_writer w(path);
    for (int i = 0; i < 3; ++i) w.write(full_record(numbered("p", i), i));
  }
  const size_t good_size = fs::file_size(path);
  std::string fourth = hfx::to_json_line(full_record("p3", 3));
  std::string half = fourth.substr(0, fourth.size() / 2);
  append_raw(path, half);  // what a kill in the middle of a write would leave
  EXPECT_THROW(hfx::read_scan_file(path), hfx::input_error);
  EXPECT_EQ(hfx::read_scan_file(path, true).size(), 3u);
  {
    hfx::scan_writer w(path);
    EXPECT_EQ(w.size(), 3u);
    EXPECT_EQ(w.resumed(), 3u);
    EXPECT_EQ(w.dropped_bytes(), half.size());
    EXPECT_NE(w.recovery_note().find("incomplete"), std::string::npos) << w.recovery_note();
    EXPECT_EQ(fs::file_size(path), good_size);
    std::string text = slurp(path);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(hfx::read_scan_file(path).size(), 3u);  // parses strictly
    EXPECT_FALSE(w.done("p3"));
    w.write(full_record("p3", 3));
  }
  auto recs = hfx::read_scan_file(path);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_TRUE(hfx::same_results(recs[3], full_record("p3", 3)));
}

TEST(ScanWriter, InvalidCompleteLastLineIsDropped) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  { hfx::scan_writer(path).write(full_record("a", 0)); }
  append_raw(path, "{\"patch\": \"b\"}\n");  // valid JSON, not a record (no mu_test)
  hfx::scan_writer w(path);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_NE(w.recovery_note().find("not a valid scan record"), std::string::npos) << w.recovery_note();
  EXPECT_EQ(hfx::read_scan_file(path).size(), 1u);
}

TEST(ScanWriter, DamageFollowedByGoodLinesIsAnErrorAndTheFileIsKept) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  { hfx::scan_writer(path).write(full_record("a", 0)); }
  append_raw(path, "garbage\n" + hfx::to_json_line(full_record("b", 0)) + "\n");
  std::string before = slurp(path);
  try {
    hfx::scan_writer w(path);
    FAIL() << "expected input_error";
  } catch (const hfx::input_error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(slurp(path), before);
}

TEST(ScanWriter, ResumeWithOtherSettingsIsRefused) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  { hfx::scan_writer(path).write(full_record("a", 0)); }  // mu_test 1, qtilde
  EXPECT_NO_THROW(hfx::scan_writer(path, {.expect_mu_test = 1.0, .expect_test_stat = "qtilde"}));
  hfx::scan_writer_options other_mu;
  other_mu.expect_mu_test = 2.0;
  try {
    hfx::scan_writer w(path, other_mu);
    FAIL() << "expected input_error";
  } catch (const hfx::input_error& e) {
    EXPECT_EQ(e.pointer, "/mu_test");
  }
  hfx::scan_writer_options other_stat;
  other_stat.expect_test_stat = "q";
  EXPECT_THROW(hfx::scan_writer(path, other_stat), hfx::input_error);
}

TEST(ScanWriter, UnwritablePathsRaiseErrors) {
  temp_dir d;
  auto message_of = [](const std::string& path) -> std::string {
    try {
      hfx::scan_writer w(path);
      w.write(full_record("a", 0));
    } catch (const hfx::error& e) {
      return e.what();
    }
    return "no error";
  };
  std::string missing_dir = d.file("no/such/dir/out.jsonl");
  std::string m = message_of(missing_dir);
  EXPECT_NE(m.find(missing_dir), std::string::npos) << m;
  EXPECT_NE(m.find("No such file or directory"), std::string::npos) << m;
  EXPECT_NE(message_of(d.path.string()).find("cannot open"), std::string::npos);  // a directory
  if (fs::exists("/dev/full")) {  // Linux: every write fails with ENOSPC
    std::string full = message_of("/dev/full");
    EXPECT_NE(full.find("No space left on device"), std::string::npos) << full;
  }
  if (::geteuid() != 0) {  // root ignores permissions
    fs::create_directory(d.file("ro"));
    fs::permissions(d.file("ro"), fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_NE(message_of(d.file("ro/out.jsonl")).find("Permission denied"), std::string::npos);
    fs::permissions(d.file("ro"), fs::perms::owner_all);
  }
}

TEST(ScanWriter, SecondWriterOnTheSameFileIsRefused) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  hfx::scan_writer a(path);
  EXPECT_THROW(hfx::scan_writer b(path), hfx::error);
  a.close();
  EXPECT_NO_THROW(hfx::scan_writer c(path));
}

TEST(ScanWriter, ConcurrentWritesGiveWholeLines) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  constexpr int threads = 4, per_thread = 200;
  {
    hfx::scan_writer w(path);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) w.write(full_record(numbered(numbered("t", t) + "_", i), i));
      });
    for (auto& t : ts) t.join();
  }
  auto recs = hfx::read_scan_file(path);
  ASSERT_EQ(recs.size(), size_t(threads * per_thread));
  std::set<std::string> names;
  for (const auto& r : recs) names.insert(r.patch);
  EXPECT_EQ(names.size(), recs.size());
}

namespace {
// Runs `body` in a forked child; returns the wait status.
template <class F>
int run_in_child(F body) {
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

std::vector<std::string> patch_names(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("sbottom_" + std::to_string(300 + 50 * i) + "_205_60");
  return v;
}

// The resuming loop of a scan driver.
void resume_all(const std::string& path, const std::vector<std::string>& names) {
  hfx::scan_writer w(path);
  for (size_t i = 0; i < names.size(); ++i)
    if (!w.done(names[i])) w.write(full_record(names[i], double(i)));
}

void expect_each_once(const std::string& path, const std::vector<std::string>& names) {
  auto recs = hfx::read_scan_file(path);
  std::map<std::string, int> count;
  for (const auto& r : recs) ++count[r.patch];
  EXPECT_EQ(recs.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(count[names[i]], 1) << names[i];
  for (const auto& r : recs) {
    size_t i = std::find(names.begin(), names.end(), r.patch) - names.begin();
    EXPECT_TRUE(hfx::same_results(r, full_record(names[i], double(i)))) << r.patch;
  }
}
}  // namespace

TEST(ScanWriter, KilledByTestHookThenResumed) {
  temp_dir d;
  std::string path = d.file("out.jsonl");
  auto names = patch_names(6);
  int status = run_in_child([&] {
    ::setenv("HFX_TEST_KILL_AFTER", "2", 1);
    resume_all(path, names);  // dies after the 2nd record
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited normally with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  {
    hfx::scan_writer w(path);
    EXPECT_EQ(w.size(), 2u);
    EXPECT_TRUE(w.done(names[0]));
    EXPECT_TRUE(w.done(names[1]));
    EXPECT_FALSE(w.done(names[2]));
  }
  resume_all(path, names);
  expect_each_once(path, names);
}

TEST(ScanWriter, KilledAtARandomMomentThenResumed) {
  // The parent kills a child that writes records as fast as it can; whatever it left (a
  // partial last line or not), resuming must give every patch exactly once.
  temp_dir d;
  std::string path = d.file("out.jsonl");
  auto names = patch_names(20000);
  pid_t pid = ::fork();
  if (pid == 0) {
    try {
      resume_all(path, names);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  // Kill once some records exist (or give up waiting after ~5 s).
  for (int i = 0; i < 5000 && (!fs::exists(path) || fs::file_size(path) < 20000); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) GTEST_SKIP() << "child finished before the kill (exit " << WEXITSTATUS(status) << ")";
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_GT(hfx::read_scan_file(path, true).size(), 0u);
  resume_all(path, names);
  expect_each_once(path, names);
}

// ---- patch selection ---------------------------------------------------------------------------

namespace {
const std::vector<std::string> kNames = {"a1", "a2", "b1", "b10", "c", "x*y"};
std::vector<size_t> sel(const std::string& s) { return hfx::select_patches(kNames, s); }
using idx = std::vector<size_t>;
std::string error_of(const std::string& s) {
  try {
    sel(s);
  } catch (const hfx::input_error& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(PatchSelect, NamesGlobsAndUnion) {
  EXPECT_EQ(sel("c"), idx({4}));
  EXPECT_EQ(sel("a*"), idx({0, 1}));
  EXPECT_EQ(sel("b?"), idx({2}));
  EXPECT_EQ(sel("?1*"), idx({0, 2, 3}));
  EXPECT_EQ(sel(" c , a1,a* "), idx({0, 1, 4}));  // sorted, unique, trimmed
  EXPECT_EQ(sel("x*y"), idx({5}));                // an exact name wins over the glob reading
  EXPECT_EQ(sel("*"), idx({0, 1, 2, 3, 4, 5}));
}

TEST(PatchSelect, SlicesFollowPython) {
  // Expected values are Python's: list(range(6))[s]
  EXPECT_EQ(sel("1:3"), idx({1, 2}));
  EXPECT_EQ(sel(":2"), idx({0, 1}));
  EXPECT_EQ(sel("-2:"), idx({4, 5}));
  EXPECT_EQ(sel("::2"), idx({0, 2, 4}));
  EXPECT_EQ(sel("3:0:-1"), idx({1, 2, 3}));
  EXPECT_EQ(sel("::-2"), idx({1, 3, 5}));     // [5, 3, 1]
  EXPECT_EQ(sel("-1:-4:-1"), idx({3, 4, 5}));  // [5, 4, 3]
  EXPECT_EQ(sel("-100:2"), idx({0, 1}));
  EXPECT_EQ(sel("8::-3"), idx({2, 5}));       // start clamps to 5: [5, 2]
  EXPECT_EQ(sel("4:100"), idx({4, 5}));
  EXPECT_EQ(sel("10:20,c"), idx({4}));        // an empty slice adds nothing
}

TEST(PatchSelect, Errors) {
  std::string e = error_of("a1,zz,yy");
  EXPECT_NE(e.find("'zz'"), std::string::npos) << e;
  EXPECT_NE(e.find("'yy'"), std::string::npos) << e;
  EXPECT_NE(e.find("--patches"), std::string::npos) << e;
  EXPECT_NE(error_of("q*").find("matches no patch"), std::string::npos);
  EXPECT_NE(error_of("::0").find("step 0"), std::string::npos);
  EXPECT_NE(error_of("1:x").find("not a patch name"), std::string::npos);
  EXPECT_NE(error_of("1:2:3:4").find("too many"), std::string::npos);
  EXPECT_NE(error_of("10:20").find("selects no patch"), std::string::npos);
  EXPECT_NE(error_of("").find("empty"), std::string::npos);
  EXPECT_NE(error_of(" , ").find("empty"), std::string::npos);
  EXPECT_NE(error_of("@/no/such/file").find("cannot read"), std::string::npos);
  EXPECT_THROW(hfx::check_patch_selection("1:2:0"), hfx::input_error);
  EXPECT_NO_THROW(hfx::check_patch_selection("name:with:colons,a*,0:5"));
}

TEST(PatchSelect, AtFile) {
  temp_dir d;
  std::string list = d.file("list.txt");
  { std::ofstream(list) << "# chosen points\n\n  c  \nb1\na*\n0:1\n"; }
  EXPECT_EQ(sel("@" + list), idx({0, 1, 2, 4}));
  EXPECT_EQ(sel("@" + list + ",b10"), idx({0, 1, 2, 3, 4}));
  std::string bad = d.file("bad.txt");
  { std::ofstream(bad) << "c\n\nnope\n"; }
  {
    std::string e = error_of("@" + bad);
    EXPECT_NE(e.find("'nope'"), std::string::npos) << e;
  }
  std::string bad_slice = d.file("bad_slice.txt");
  { std::ofstream(bad_slice) << "c\n1:2:0\n"; }
  std::string e = error_of("@" + bad_slice);
  EXPECT_NE(e.find(bad_slice), std::string::npos) << e;
  EXPECT_NE(e.find("line 2"), std::string::npos) << e;
}

TEST(PatchSelect, GlobMatch) {
  EXPECT_TRUE(hfx::glob_match("*", ""));
  EXPECT_TRUE(hfx::glob_match("a*b*c", "aXXbYc"));
  EXPECT_TRUE(hfx::glob_match("a*b", "ab"));
  EXPECT_TRUE(hfx::glob_match("a*b", "abab"));
  EXPECT_FALSE(hfx::glob_match("a*b", "abac"));
  EXPECT_FALSE(hfx::glob_match("a?c", "ac"));
  EXPECT_TRUE(hfx::glob_match("**?", "z"));
  EXPECT_TRUE(hfx::glob_match("[ab]", "[ab]"));  // no character classes
  EXPECT_FALSE(hfx::glob_match("sbottom_1300_*", "sbottom_130_5"));
}

// ---- progress ---------------------------------------------------------------------------------

TEST(Progress, ThrottledLinesWithRateAndEta) {
  double now = 100.0;
  std::ostringstream out;
  hfx::progress_meter m(10, 2, &out, false, [&] { return now; });
  now = 100.5;
  m.add();
  EXPECT_EQ(out.str(), "");  // less than a second since the start
  now = 101.0;
  m.add();  // 2 done in 1 s: 2/s, 6 left -> 3 s
  EXPECT_EQ(out.str(), "scan: 4/10 (40.0%), 2.00 hyp/s, ETA 0:00:03\n");
  now = 101.5;
  m.add();
  std::string so_far = out.str();
  EXPECT_EQ(std::count(so_far.begin(), so_far.end(), '\n'), 1);  // throttled
  now = 102.5;
  m.add(2, 1);  // 5 done in 2.5 s: 2/s, 3 left -> 1.5 s
  m.finish();
  m.finish();  // once
  EXPECT_EQ(out.str(),
            "scan: 4/10 (40.0%), 2.00 hyp/s, ETA 0:00:03\n"
            "scan: 7/10 (70.0%), 1 failed, 2.00 hyp/s, ETA 0:00:02\n"
            "scan: 7/10 (70.0%), 1 failed, 2.00 hyp/s, done in 0:00:03\n");  // 2.5 s rounds up
  EXPECT_EQ(m.done(), 7u);
}

TEST(Progress, OverwriteModeAndDisabled) {
  double now = 0;
  std::ostringstream out;
  hfx::progress_meter m(1000, 0, &out, true, [&] { return now; }, "RegionA");
  now = 2;
  m.add(300);  // 150/s, 700 left -> 4.67 s
  m.finish();
  EXPECT_EQ(out.str(),
            "\rRegionA: 300/1000 (30.0%), 150 hyp/s, ETA 0:00:05\x1b[K"
            "\rRegionA: 300/1000 (30.0%), 150 hyp/s, done in 0:00:02\x1b[K\n");
  hfx::progress_meter off(10, 0, nullptr, false, [&] { return now; });
  now = 10;
  off.add(5);
  off.finish();
  EXPECT_FALSE(off.enabled());
  EXPECT_EQ(off.line().rfind("scan: 5/10", 0), 0u);
  EXPECT_EQ(hfx::format_hms(3725), "1:02:05");
  EXPECT_EQ(hfx::format_hms(std::numeric_limits<double>::infinity()), "--:--:--");
}

// ---- interrupts ---------------------------------------------------------------------------------

namespace {
volatile sig_atomic_t g_previous_handler_calls = 0;
extern "C" void previous_handler(int) { g_previous_handler_calls = g_previous_handler_calls + 1; }
}  // namespace

TEST(Interrupt, FlagIsSetAndPreviousHandlerRestored) {
  struct sigaction sa {}, old_int {}, old_term {};
  sa.sa_handler = previous_handler;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  g_previous_handler_calls = 0;
  {
    hfx::scan_interrupt stop(false);
    EXPECT_FALSE(stop.interrupted());
    ::raise(SIGTERM);
    EXPECT_TRUE(stop.interrupted());
    EXPECT_EQ(stop.signal_number(), SIGTERM);
    EXPECT_EQ(g_previous_handler_calls, 0);
    std::string msg = stop.message(120, 217, "out.jsonl");
    EXPECT_NE(msg.find("SIGTERM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("120 of 217"), std::string::npos) << msg;
    EXPECT_NE(msg.find("resume"), std::string::npos) << msg;
  }
  {
    hfx::scan_interrupt stop(false);  // a new scan starts clean
    EXPECT_FALSE(stop.interrupted());
    ::raise(SIGINT);
    EXPECT_EQ(stop.signal_number(), SIGINT);
  }
  ::raise(SIGINT);  // handled by the restored previous handler
  ::raise(SIGTERM);
  EXPECT_EQ(g_previous_handler_calls, 2);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  EXPECT_EQ(hfx::scan_interrupt::exit_code, 130);
}

TEST(Interrupt, SecondSignalAbortsAtOnce) {
  int status = run_in_child([] {
    ::signal(SIGINT, SIG_DFL);
    hfx::scan_interrupt stop(false);
    ::raise(SIGINT);
    if (!stop.interrupted()) ::_exit(4);
    ::raise(SIGINT);  // default action: terminate
    ::_exit(5);
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGINT);
}
