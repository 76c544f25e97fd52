// JSON reading: limits checked before the DOM is built (nesting depth, token size),
// UTF-8 validation, line/column in syntax errors, gzip, and the bad-input fixtures via the CLI.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;

// The message of the input_error parsing `text` raises ("" when it parses).
std::string parse_error(const std::string& text, const hfx::json_limits& lim = {}) {
  try {
    hfx::parse_json_text(text, "f.json", lim);
  } catch (const hfx::input_error& e) {
    EXPECT_EQ(e.file, "f.json");
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(hay, needle) EXPECT_NE(std::string(hay).find(needle), std::string::npos) << (hay)

std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST(JsonLimits, DeepNestingFailsFastWithOneLine) {
  const std::string msg = parse_error(nested(100000));
  EXPECT_EQ(msg, "f.json: invalid JSON at line 1, column 513: nesting deeper than 512 levels");
  // objects count too
  std::string objs;
  for (int i = 0; i < 600; ++i) objs += "{\"a\":";
  EXPECT_CONTAINS(parse_error(objs + "1" + std::string(600, '}')), "nesting deeper than 512 levels");
}
TEST(JsonLimits, DepthAtTheLimitParses) {
  EXPECT_EQ(parse_error(nested(512)), "");
  EXPECT_CONTAINS(parse_error(nested(513)), "nesting deeper than 512 levels");
  hfx::json_limits lim;
  lim.max_depth = 3;
  EXPECT_EQ(parse_error("[[[1]],[[2]]]", lim), "");
  EXPECT_CONTAINS(parse_error("[[[[1]]]]", lim), "column 4: nesting deeper than 3 levels");
}
TEST(JsonLimits, BracketsInsideStringsDoNotCount) {
  hfx::json_limits lim;
  lim.max_depth = 1;
  EXPECT_EQ(parse_error(R"(["[[[[{{{{", "\"[[[", "\\"])", lim), "");
}
TEST(JsonLimits, LongTokens) {
  hfx::json_limits lim;
  lim.max_token_bytes = 16;
  EXPECT_EQ(parse_error(R"(["0123456789abcd", 123456789012345])", lim), "");
  EXPECT_CONTAINS(parse_error("[1, \"0123456789abcdefgh\"]", lim), "column 5: string longer than 16 bytes");
  EXPECT_CONTAINS(parse_error("[12345678901234567890]", lim), "column 2: token longer than 16 bytes");
}
TEST(JsonLimits, DefaultStringLimitIs64MiB) {
  std::string big = "[\"" + std::string((64u << 20) + 1, 'x') + "\"]";
  EXPECT_CONTAINS(parse_error(big), "line 1, column 2: string longer than 67108864 bytes");
}

TEST(JsonUtf8, InvalidBytesInStrings) {
  EXPECT_EQ(parse_error("{\n  \"a\": \"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\"\n}"), "");
  EXPECT_EQ(parse_error("{\n  \"a\": \"caf\xe9\"\n}"),
            "f.json: invalid JSON at line 2, column 12: invalid UTF-8 byte 0xe9 in a string");
  EXPECT_CONTAINS(parse_error("[\"\xc0\x80\"]"), "invalid UTF-8 byte 0xc0");      // overlong NUL
  EXPECT_CONTAINS(parse_error("[\"\xe0\x80\x80\"]"), "invalid UTF-8 byte 0xe0");  // overlong
  EXPECT_CONTAINS(parse_error("[\"\xed\xa0\x80\"]"), "invalid UTF-8 byte 0xed");  // surrogate
  EXPECT_CONTAINS(parse_error("[\"\xf4\x90\x80\x80\"]"), "invalid UTF-8 byte 0xf4");  // > U+10FFFF
  EXPECT_CONTAINS(parse_error("[\"\xf5\x80\x80\x80\"]"), "invalid UTF-8 byte 0xf5");
  EXPECT_CONTAINS(parse_error("[\"\xc3\"]"), "invalid UTF-8 byte 0xc3");  // truncated sequence
  EXPECT_CONTAINS(parse_error("[\"\xe6\x97\"]"), "invalid UTF-8 byte 0xe6");
  // outside strings a non-ASCII byte is a syntax error, reported by the parser
  EXPECT_CONTAINS(parse_error("[1,\xe9]"), "invalid JSON at line 1, column 4");
}

TEST(JsonSyntax, LineAndColumn) {
  // nlohmann stops at the byte after the bad literal (here the newline ending line 3)
  EXPECT_CONTAINS(parse_error("{\n  \"a\": 1,\n  \"b\": tru\n}"), "f.json: invalid JSON at line 3, column 11: syntax error");
  EXPECT_CONTAINS(parse_error("[1, 2"), "invalid JSON at line 1, column 6");
  EXPECT_CONTAINS(parse_error(""), "invalid JSON at line 1, column 1");
  EXPECT_CONTAINS(parse_error("[\"unterminated"), "invalid JSON at line 1");
  EXPECT_CONTAINS(parse_error("{\"a\": 1} x"), "invalid JSON at line 1");
}
TEST(JsonSyntax, NumberOverflowIsAnInputError) {
  EXPECT_CONTAINS(parse_error("[1e400]"), "f.json: invalid JSON: number overflow");
}

TEST(JsonFiles, GzipAndPlainGiveTheSameDocument) {
  json a = hfx::load_json_file(hfx::test::published("ATLAS-SUSY-2018-31_sbottom/simplified/simplified_SRA_BkgOnly.json"));
  EXPECT_TRUE(a.contains("channels"));
  json b = hfx::load_json_file(hfx::test::published("ATLAS-SUSY-2018-31_sbottom/RegionA/BkgOnly.json.gz"));
  EXPECT_EQ(b["channels"].size(), 3u);
}
TEST(JsonFiles, MissingFile) {
  EXPECT_THROW(hfx::load_json_file(hfx::test::data("bad/does_not_exist.json")), hfx::input_error);
}

// ---- the bad-input fixtures through the CLI (exit code 1, one line naming the file) ------
struct run_result { int code; std::string out; };
run_result run(const std::string& args) {
  std::string cmd = hfx::test::cli() + " " + args + " 2>&1";
  run_result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(JsonBadInputCli, TruncatedFile) {
  const std::string f = hfx::test::data("bad/json_truncated.json");
  run_result r = run("patchset inspect " + f);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "json_truncated.json: invalid JSON at line 4, column 1: syntax error");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}
TEST(JsonBadInputCli, NotUtf8) {
  run_result r = run("patchset inspect " + hfx::test::data("bad/json_not_utf8.json"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "json_not_utf8.json: invalid JSON at line 2, column 22: invalid UTF-8 byte 0xe9 in a string");
}
TEST(JsonBadInputCli, DeepNestingGeneratedHere) {
  const std::string f = (std::filesystem::temp_directory_path() / "hfx_test_json_deep.json").string();
  { std::ofstream(f) << nested(100000); }
  run_result r = run("patchset inspect " + f);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "hfx_test_json_deep.json: invalid JSON at line 1, column 513: nesting deeper than 512 levels");
  std::filesystem::remove(f);
}

}  // namespace
