// pyhf patchsets: every corpus patchset loads, verifies against its background workspace
// (except the simplified/ ones, which by design carry the full model's digest) and every
// one of its patches applies; validation errors; the `hfx patchset` CLI, including a
// byte-for-byte comparison with `pyhf patchset apply` (fixture: tests/pyhf/gen_digest_fixtures.py)
// and the bad-input fixtures of tests/data/bad/patch_* (tests/pyhf/gen_bad_patch_fixtures.py).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hfx/digest.hpp"
#include "hfx/error.hpp"
#include "hfx/patchset.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;
namespace fs = std::filesystem;

#define EXPECT_CONTAINS(hay, needle) EXPECT_NE(std::string(hay).find(needle), std::string::npos) << (hay)

// ---- corpus ------------------------------------------------------------------------------
struct corpus_patchset { fs::path patchset, workspace; };

// The background workspace of a patchset: strip "[discovery_]patchset..." from its file name
// and look for <prefix>{BkgOnly,bkgonly}.json[.gz] beside it or one directory up
// (RegionA/patchset.json -> RegionA/BkgOnly.json; discovery_patches/SR_discovery_patchset.json
// -> SR_bkgonly.json; simplified/simplified_SRA_patchset.json -> simplified_SRA_BkgOnly.json).
fs::path find_workspace(const fs::path& ps) {
  std::string name = ps.filename().string();
  std::string prefix = name.substr(0, name.rfind("patchset"));
  if (prefix.size() >= 10 && prefix.compare(prefix.size() - 10, 10, "discovery_") == 0)
    prefix.resize(prefix.size() - 10);
  for (const fs::path& dir : {ps.parent_path(), ps.parent_path().parent_path()})
    for (const char* stem : {"BkgOnly", "bkgonly"})
      for (const char* ext : {".json", ".json.gz"}) {
        fs::path p = dir / (prefix + stem + ext);
        if (fs::exists(p)) return p;
      }
  return {};
}

std::vector<corpus_patchset> corpus(const std::string& root) {
  std::vector<corpus_patchset> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string n = e.path().filename().string();
    if (!e.is_regular_file() || n.find("patchset") == std::string::npos) continue;
    if (n.find("bkgonly") != std::string::npos || n.find("BkgOnly") != std::string::npos) continue;
    if (n.size() < 5 || (n.substr(n.size() - 5) != ".json" && n.substr(n.size() - 3) != ".gz")) continue;
    out.push_back({e.path(), find_workspace(e.path())});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.patchset < b.patchset; });
  return out;
}

bool is_simplified(const fs::path& p) { return p.parent_path().filename() == "simplified"; }

TEST(PatchsetCorpus, EveryPatchsetVerifiesAndEveryPatchApplies) {
  auto all = corpus(hfx::test::published(""));
  ASSERT_GE(all.size(), 30u);
  size_t verified = 0, mismatched = 0, applied = 0;
  for (const auto& c : all) {
    SCOPED_TRACE(c.patchset.string());
    ASSERT_FALSE(c.workspace.empty()) << "no background workspace found for " << c.patchset;
    hfx::patchset ps = hfx::load_patchset(c.patchset.string());
    json ws = hfx::load_json_file(c.workspace.string());
    if (is_simplified(c.patchset)) {
      // by design: their digest is the full BkgOnly's, not the simplified workspace's
      EXPECT_THROW(hfx::verify_patchset(ps, ws, c.workspace.string()), hfx::input_error);
      ++mismatched;
    } else {
      EXPECT_NO_THROW(hfx::verify_patchset(ps, ws, c.workspace.string()));
      ++verified;
    }
    for (const auto& p : ps.patches) {  // one patched workspace at a time
      json patched = hfx::apply_patch(ws, ps, p);
      // simplified_SRB's sbottom_1500_1495_60 has an empty patch: it leaves the workspace as is
      if (!p.ops.empty()) {
        EXPECT_NE(patched, ws) << p.name;
      }
      ++applied;
    }
  }
  EXPECT_EQ(mismatched, 3u);
  EXPECT_EQ(verified, all.size() - 3);
  EXPECT_GT(applied, 1000u);
}

TEST(PatchsetCorpus, PyhfParserFixturesLoad) {
  auto all = corpus(hfx::test::data("pyhf-validation/test_fixtures"));
  ASSERT_GE(all.size(), 4u);
  for (const auto& c : all) {
    SCOPED_TRACE(c.patchset.string());
    hfx::patchset ps = hfx::load_patchset(c.patchset.string());
    EXPECT_FALSE(ps.patches.empty());
    if (!c.workspace.empty()) {  // the example patchset and its workspace do match
      EXPECT_NO_THROW(hfx::verify_patchset(ps, hfx::load_json_file(c.workspace.string()), c.workspace.string()));
    }
  }
}

TEST(Patchset, MetadataAndLookup) {
  auto ps = hfx::load_patchset(hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/patchset.DERIVED.json.gz"));
  EXPECT_EQ(ps.patches.size(), 217u);
  EXPECT_EQ(ps.labels, (std::vector<std::string>{"m_sbottom", "m_chi2", "m_chi1"}));
  EXPECT_EQ(ps.digests.at("sha256"), "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58");
  EXPECT_EQ(ps.references["hepdata"], "ins1748602");
  EXPECT_EQ(ps.version, "1.0.0");
  const hfx::patch_entry* p = ps.find("sbottom_1000_131_1");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->index, 0u);
  EXPECT_EQ(p->values, json::parse("[1000, 131, 1]"));
  EXPECT_EQ(p->ops_pointer(), "/patches/0/patch");
  EXPECT_EQ(ps.find_values(json::parse("[1000.0, 131, 1]")), p);  // numbers by value, as Python tuples
  EXPECT_EQ(ps.find("nope"), nullptr);
  EXPECT_EQ(ps.find_values(json::parse("[1000, 131]")), nullptr);
  EXPECT_THROW(ps.at("nope"), hfx::input_error);
}

TEST(Patchset, ApplyKeepsChannelPositionsAndTheInput) {
  // sbottom patches add signal to channels 0 and 2 and remove channel 1 (by position)
  const std::string dir = hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/");
  json ws = hfx::load_json_file(dir + "BkgOnly.json.gz");
  const json before = ws;
  auto ps = hfx::load_patchset(dir + "patchset.DERIVED.json.gz");
  json out = hfx::apply_patch(ws, ps, ps.at("sbottom_1000_131_1"));
  EXPECT_EQ(ws, before);
  ASSERT_EQ(out["channels"].size(), ws["channels"].size() - 1);
  EXPECT_EQ(out["channels"][0]["samples"].size(), ws["channels"][0]["samples"].size() + 1);
  EXPECT_EQ(out["channels"][1]["name"], ws["channels"][2]["name"]);
  EXPECT_EQ(out["observations"], ws["observations"]);  // the removed channel's observation stays
}

TEST(Patchset, ApplyMatchesPyhfByteForByte) {
  json fx = hfx::load_json_file(hfx::test::data("digest/pyhf_patchset_apply.json"));
  json ws = hfx::load_json_file(hfx::test::published(fx["workspace"].get<std::string>()));
  auto ps = hfx::load_patchset(hfx::test::published(fx["patchset"].get<std::string>()));
  json out = hfx::apply_patch(ws, ps, ps.at(fx["name"].get<std::string>()));
  hfx::python_dumps_options o;
  o.indent = 4;
  o.ensure_ascii = true;
  std::string text = hfx::python_json_dumps(out, o);
  EXPECT_EQ(text.size(), fx["file_bytes"].get<size_t>());
  EXPECT_EQ(hfx::sha256_hex(text), fx["file_sha256"].get<std::string>());
}

// ---- validation ----------------------------------------------------------------------------
std::string load_error(const std::string& text) {
  try {
    hfx::parse_patchset(json::parse(text), "ps.json");
  } catch (const hfx::input_error& e) {
    return e.what();
  }
  return "";
}

std::string with(const std::string& metadata, const std::string& patches, const std::string& version = "\"1.0.0\"") {
  return "{\"metadata\": " + metadata + ", \"patches\": " + patches + ", \"version\": " + version + "}";
}
const std::string good_md =
    R"({"description": "d", "digests": {"sha256": "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58"},
        "labels": ["x", "y"], "references": {"hepdata": "ins1234567"}})";
const std::string good_patch = R"({"metadata": {"name": "p1", "values": [1, 2]}, "patch": [{"op": "remove", "path": "/a"}]})";

TEST(PatchsetValidation, GoodMinimal) {
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + "]")), "");
}
TEST(PatchsetValidation, SchemaErrorsNameThePointer) {
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + "]", "\"1.0.1\"")),
            "ps.json: /version: unsupported patchset version \"1.0.1\" (expected \"1.0.0\")");
  EXPECT_EQ(load_error(with(good_md, "[]")), "ps.json: /patches: a patchset needs at least one patch");
  EXPECT_EQ(load_error("[]"), "ps.json: expected a patchset object, got an array");
  EXPECT_EQ(load_error(R"({"metadata": {}, "patches": [], "version": "1.0.0", "extra": 1})"),
            "ps.json: unexpected key \"extra\"");
  EXPECT_EQ(load_error(with(R"({"description": "d", "digests": {"sha256": "ab"}, "labels": ["x"], "references": {"hepdata": "ins1234567"}})",
                            "[" + good_patch + "]")),
            "ps.json: /metadata/digests/sha256: 'ab' is not a valid sha256 digest");
  EXPECT_EQ(load_error(with(R"({"description": "d", "digests": {"sha1": "ab"}, "labels": ["x"], "references": {"hepdata": "ins1234567"}})",
                            "[" + good_patch + "]")),
            "ps.json: /metadata/digests/sha1: unsupported digest algorithm 'sha1' (the schema allows sha256 and md5)");
  EXPECT_EQ(load_error(with(R"({"description": "d", "digests": {"md5": "098f6bcd4621d373cade4e832627b4f6"}, "labels": ["a b"], "references": {"hepdata": "ins1234567"}})",
                            "[" + good_patch + "]")),
            "ps.json: /metadata/labels/0: label 'a b' must match ^[a-zA-Z0-9_]+$");
  EXPECT_EQ(load_error(with(R"({"description": "d", "digests": {"md5": "098f6bcd4621d373cade4e832627b4f6"}, "labels": ["x"], "references": {"hepdata": "1234567"}})",
                            "[" + good_patch + "]")),
            "ps.json: /metadata/references/hepdata: '1234567' must match ^ins[0-9]{7}$");
  EXPECT_EQ(load_error(with(good_md, R"([{"metadata": {"name": "p-1", "values": [1, 2]}, "patch": []}])")),
            "ps.json: /patches/0/metadata/name: patch name 'p-1' must match ^[a-zA-Z0-9_]+$");
  EXPECT_EQ(load_error(with(good_md, R"([{"metadata": {"name": "p", "values": [1, true]}, "patch": []}])")),
            "ps.json: /patches/0/metadata/values/1: a value must be a number or a string, got a boolean");
  EXPECT_EQ(load_error(with(good_md, R"([{"metadata": {"name": "p", "values": [1, 2]}}])")),
            "ps.json: /patches/0: missing required key \"patch\"");
  EXPECT_EQ(load_error(with(good_md, R"([{"metadata": {"name": "p", "values": [1, 2]}, "patch": [{"op": "copy", "path": "/a"}]}])")),
            "ps.json: /patches/0/patch/0: copy: missing \"from\"");
}
TEST(PatchsetValidation, ValuesNamesAndDuplicates) {
  const std::string p2 = R"({"metadata": {"name": "p2", "values": ["a", 2]}, "patch": []})";
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + "," + p2 + "]")), "");  // string values are allowed
  EXPECT_EQ(load_error(with(good_md, R"([{"metadata": {"name": "p", "values": [1]}, "patch": []}])")),
            "ps.json: /patches/0/metadata/values: patch 'p' has 1 values [1], the patchset has 2 labels");
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + R"(, {"metadata": {"name": "p1", "values": [3, 4]}, "patch": []}])")),
            "ps.json: /patches/1/metadata/name: duplicate patch name 'p1' (first at /patches/0)");
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + R"(, {"metadata": {"name": "q", "values": [1.0, 2]}, "patch": []}])")),
            "ps.json: /patches/1/metadata/values: duplicate patch values [1.0, 2] of 'q' (same as 'p1' at /patches/0)");
  // "1" (a string) and 1 (a number) differ, as in Python
  EXPECT_EQ(load_error(with(good_md, "[" + good_patch + R"(, {"metadata": {"name": "q", "values": ["1", 2]}, "patch": []}])")), "");
}

// ---- CLI ---------------------------------------------------------------------------------
struct run_result { int code; std::string out; };
run_result run(const std::string& args, bool merge_stderr = true) {
  std::string cmd = hfx::test::cli() + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  run_result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
std::string sbottom(const std::string& rel) { return hfx::test::published("ATLAS-SUSY-2018-31_sbottom/" + rel); }
std::string bad(const std::string& rel) { return hfx::test::data("bad/" + rel); }

TEST(PatchsetCli, VerifyOk) {
  run_result r = run("patchset verify " + sbottom("RegionA/BkgOnly.json.gz") + " " + sbottom("RegionA/patchset.DERIVED.json.gz"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_CONTAINS(r.out, "patchset is valid: sha256 516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58 matches");
}
TEST(PatchsetCli, VerifyMismatchSimplified) {
  run_result r = run("patchset verify " + sbottom("simplified/simplified_SRA_BkgOnly.json") + " " +
                     sbottom("simplified/simplified_SRA_patchset.json.gz"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "simplified_SRA_patchset.json.gz: /metadata/digests/sha256: digest mismatch: the patchset was made "
                         "for a workspace with sha256 516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58, but ");
  EXPECT_CONTAINS(r.out, "simplified_SRA_BkgOnly.json has 886d4e4833d62e667997af353cb717742fc8fa084b7da21380afdcf6bf6bf875");
}
TEST(PatchsetCli, ApplyMatchesPyhfOutput) {
  json fx = hfx::load_json_file(hfx::test::data("digest/pyhf_patchset_apply.json"));
  const std::string args = "patchset apply " + hfx::test::published(fx["workspace"].get<std::string>()) + " " +
                           hfx::test::published(fx["patchset"].get<std::string>()) + " --name " + fx["name"].get<std::string>();
  run_result r = run(args, false);
  ASSERT_EQ(r.code, 0);
  EXPECT_EQ(r.out.size(), fx["stdout_bytes"].get<size_t>());
  EXPECT_EQ(hfx::sha256_hex(r.out), fx["stdout_sha256"].get<std::string>());
  const std::string out = (fs::temp_directory_path() / "hfx_test_patchset_apply.json").string();
  r = run(args + " --out " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(r.out, "");
  std::ifstream f(out, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(hfx::sha256_hex(ss.str()), fx["file_sha256"].get<std::string>());
  fs::remove(out);
}
TEST(PatchsetCli, ApplyVerifiesFirst) {
  const std::string args = "patchset apply " + sbottom("simplified/simplified_SRB_BkgOnly.json") + " " +
                           sbottom("simplified/simplified_SRB_patchset.json.gz") + " --name sbottom_1000_131_1";
  run_result r = run(args);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "digest mismatch");
  r = run(args + " --no-verify", false);
  ASSERT_EQ(r.code, 0);
  json out = json::parse(r.out);
  EXPECT_EQ(out["channels"][0]["samples"].size(), 2u);
}
TEST(PatchsetCli, InspectListsPatches) {
  run_result r = run("patchset inspect " + sbottom("RegionB/patchset.DERIVED.json.gz"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_CONTAINS(r.out, "labels:      m_sbottom, m_chi2, m_chi1\n");
  EXPECT_CONTAINS(r.out, "digests:     sha256=e7d31923a652d498cfd62137c287a2460f5f63cdb9058f3a4deadef74fa35655\n");
  EXPECT_CONTAINS(r.out, "\n    218 patches found in Patchset\n");
  EXPECT_CONTAINS(r.out, "\nsbottom_1000_205_60   (1000, 205, 60)\n");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 6 + 4 + 218);  // header, blank/count/rule/blank, one line per patch
}
TEST(PatchsetCli, InspectShowsValuesAsPythonTuples) {
  run_result r = run("patchset inspect " + hfx::test::data("pyhf-validation/test_fixtures/test_patchset__patchset_good_stringvalues.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_CONTAINS(r.out, "\nGtt_2100_5000_800  (2100, 800, 'Gtt')\n");
  EXPECT_CONTAINS(r.out, "digests:     md5=098f6bcd4621d373cade4e832627b4f6\n");
}
TEST(PatchsetCli, Extract) {
  run_result r = run("patchset extract " + bad("patch_good_patchset.json") + " --name sig_200_1", false);
  ASSERT_EQ(r.code, 0);
  json ops = json::parse(r.out);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[3], json::parse(R"({"op": "remove", "path": "/channels/0"})"));
}
TEST(PatchsetCli, UsageErrorsExit2) {
  EXPECT_EQ(run("patchset").code, 2);
  EXPECT_EQ(run("patchset frobnicate x").code, 2);
  EXPECT_EQ(run("patchset verify " + bad("patch_bkg_workspace.json")).code, 2);
  run_result r = run("patchset apply " + bad("patch_bkg_workspace.json") + " " + bad("patch_good_patchset.json"));
  EXPECT_EQ(r.code, 2);
  EXPECT_CONTAINS(r.out, "option --name is required");
  EXPECT_EQ(run("patchset inspect --bogus x").code, 2);
}

// ---- bad-input fixtures ----------------------------------------------------------------------
struct bad_case { const char* args; const char* message; };
const bad_case bad_cases[] = {
    {"apply WS patch_path_missing.json --name sig_300_1",
     "patch_path_missing.json: /patches/1/patch/1: remove: path '/channels/7' does not exist (index 7 of the array at "
     "'/channels', which has 2 elements)"},
    {"apply WS patch_test_failed.json --name sig_100_1",
     "patch_test_failed.json: /patches/0/patch/0: test: test failed: value at '/channels/0/name' is \"CR\", expected \"SR\""},
    {"inspect patch_duplicate_names.json",
     "patch_duplicate_names.json: /patches/1/metadata/name: duplicate patch name 'sig_100_1' (first at /patches/0)"},
    {"inspect patch_duplicate_values.json",
     "patch_duplicate_values.json: /patches/1/metadata/values: duplicate patch values [100.0, 1] of 'sig_100_1b' (same as "
     "'sig_100_1' at /patches/0)"},
    {"verify WS patch_digest_mismatch.json",
     "patch_digest_mismatch.json: /metadata/digests/sha256: digest mismatch: the patchset was made for a workspace with sha256 "
     "0000000000000000000000000000000000000000000000000000000000000000, but "},
    {"apply WS patch_digest_mismatch.json --name sig_100_1", "patch_digest_mismatch.json: /metadata/digests/sha256: digest mismatch"},
    {"inspect patch_values_count.json",
     "patch_values_count.json: /patches/0/metadata/values: patch 'sig_100_1' has 1 values [100], the patchset has 2 labels"},
    {"inspect patch_unknown_op.json",
     "patch_unknown_op.json: /patches/0/patch/0: unknown operation \"append\" (expected add, remove, replace, move, copy or test)"},
    {"inspect patch_missing_labels.json", "patch_missing_labels.json: /metadata: missing required key \"labels\""},
    {"apply WS patch_good_patchset.json --name sig_999_1", "patch_good_patchset.json: no patch named 'sig_999_1' in the patchset (2 patches"},
    {"verify json_truncated.json patch_good_patchset.json", "json_truncated.json: invalid JSON at line 4, column 1"},
    {"verify patch_good_patchset.json WS",
     "patch_bkg_workspace.json: this is a workspace, not a patchset (are WS and PS swapped?)"},
    {"verify WS json_not_utf8.json", "json_not_utf8.json: invalid JSON at line 2, column 22: invalid UTF-8 byte 0xe9"},
};

TEST(PatchsetBadInput, EachFixtureFailsWithItsMessage) {
  for (const auto& c : bad_cases) {
    std::string args = c.args, expanded;
    std::istringstream words(args);
    for (std::string w; words >> w;) {
      if (w == "WS") w = bad("patch_bkg_workspace.json");
      else if (w.find(".json") != std::string::npos) w = bad(w);
      expanded += w + " ";
    }
    run_result r = run("patchset " + expanded);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_CONTAINS(r.out, c.message);
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // one line
  }
}

TEST(PatchsetBadInput, GoodFixtureVerifiesAndApplies) {
  run_result r = run("patchset verify " + bad("patch_bkg_workspace.json") + " " + bad("patch_good_patchset.json"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_CONTAINS(r.out, "patchset is valid");
  r = run("patchset apply " + bad("patch_bkg_workspace.json") + " " + bad("patch_good_patchset.json") + " --name sig_200_1", false);
  ASSERT_EQ(r.code, 0);
  json ws = json::parse(r.out);
  ASSERT_EQ(ws["channels"].size(), 1u);  // CR removed by position; SR got the signal, data replaced
  EXPECT_EQ(ws["channels"][0]["name"], "SR");
  EXPECT_EQ(ws["channels"][0]["samples"][1]["data"], json::parse("[2.5]"));
  EXPECT_EQ(ws["observations"].size(), 2u);
}

}  // namespace
