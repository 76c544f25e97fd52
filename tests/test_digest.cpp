// pyhf digests: sha256/md5 against published vectors, Python's float repr and json.dumps
// against Python's own output (fixtures made by tests/pyhf/gen_digest_fixtures.py), and
// every corpus workspace/patchset against the digests Python computes and SOURCE.txt records.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "hfx/digest.hpp"
#include "hfx/error.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;
namespace fs = std::filesystem;

// ---- hashes --------------------------------------------------------------------------
TEST(Sha256, FipsVectors) {  // FIPS 180-2 appendix B / NIST CAVP
  EXPECT_EQ(hfx::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hfx::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hfx::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hfx::sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 64-byte block and the 56-byte padding limit; expected values from
// Python's hashlib (hashlib.sha256(b"a" * n), hashlib.md5(b"a" * n)).
struct padding_vector { size_t n; const char* sha256; const char* md5; };
const padding_vector padding_vectors[] = {
    {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318", "ef1772b6dff9a122358552954ad0df65"},
    {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a", "3b0c8ac703f828b04c6c197006d17218"},
    {57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6", "652b906d60af96844ebd21b674f35e93"},
    {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34", "b06521f39153d618550606be297466d5"},
    {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb", "014842d480b571495a4a0363793f7367"},
    {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0", "c743a45e0d2e6a95cb859adae0248435"},
    {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb", "8a7bd0732ed6a28ce75f6dabc90e1613"},
    {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c", "5f61c0ccad4cac44c75ff505e1f1e537"},
};
TEST(Sha256, PaddingBoundaries) {
  for (const auto& v : padding_vectors) EXPECT_EQ(hfx::sha256_hex(std::string(v.n, 'a')), v.sha256) << v.n;
}
TEST(Md5, Rfc1321Vectors) {
  EXPECT_EQ(hfx::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hfx::md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(hfx::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hfx::md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hfx::md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  std::string digits;
  for (int i = 0; i < 8; ++i) digits += "1234567890";
  EXPECT_EQ(hfx::md5_hex(digits), "57edf4a22be3c955ac49da2e2107b67a");
  for (const auto& v : padding_vectors) EXPECT_EQ(hfx::md5_hex(std::string(v.n, 'a')), v.md5) << v.n;
}

// ---- Python formatting -------------------------------------------------------------------
TEST(PythonRepr, Floats) {
  EXPECT_EQ(hfx::python_float_repr(1.0), "1.0");
  EXPECT_EQ(hfx::python_float_repr(1e-5), "1e-05");
  EXPECT_EQ(hfx::python_float_repr(1.2e16), "1.2e+16");
  EXPECT_EQ(hfx::python_float_repr(1e16), "1e+16");
  EXPECT_EQ(hfx::python_float_repr(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(hfx::python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(hfx::python_float_repr(0.1), "0.1");
  EXPECT_EQ(hfx::python_float_repr(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(hfx::python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(hfx::python_float_repr(100.0), "100.0");
  EXPECT_EQ(hfx::python_float_repr(5e-324), "5e-324");
  EXPECT_EQ(hfx::python_float_repr(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(hfx::python_float_repr(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(hfx::python_float_repr(123.456), "123.456");
  EXPECT_THROW(hfx::python_float_repr(std::numeric_limits<double>::infinity()), hfx::input_error);
}
TEST(PythonDumps, SeparatorsKeysAndScalars) {
  json j = json::parse(R"({"b": [1, 2.0, true, null, "x"], "a": {}, "c": [], "B": -3})");
  EXPECT_EQ(hfx::python_json_dumps(j), R"({"B": -3, "a": {}, "b": [1, 2.0, true, null, "x"], "c": []})");
  hfx::python_dumps_options o;
  o.indent = 4;
  EXPECT_EQ(hfx::python_json_dumps(json::parse(R"({"a":[1,{}],"b":{"c":[]}})"), o),
            "{\n    \"a\": [\n        1,\n        {}\n    ],\n    \"b\": {\n        \"c\": []\n    }\n}");
}
TEST(PythonDumps, StringEscapes) {
  json s = std::string("q\" b\\ \n\r\t\b\f \x01\x1f\x7f é \xF0\x9F\x98\x80");
  EXPECT_EQ(hfx::python_json_dumps(s), "\"q\\\" b\\\\ \\n\\r\\t\\b\\f \\u0001\\u001f\x7f é \xF0\x9F\x98\x80\"");
  hfx::python_dumps_options o;
  o.ensure_ascii = true;
  EXPECT_EQ(hfx::python_json_dumps(s, o),
            "\"q\\\" b\\\\ \\n\\r\\t\\b\\f \\u0001\\u001f\\u007f \\u00e9 \\ud83d\\ude00\"");
}
TEST(PythonDumps, PyhfDocstringExample) {  // pyhf/utils.py digest() docstring
  json obj = json::parse(R"({"a": 2.0, "b": 3.0, "c": 1.0})");
  EXPECT_EQ(hfx::json_digest(obj), "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928");
  EXPECT_EQ(hfx::json_digest(obj, "md5"), "2c0633f242928eb55c3672fed5ba8612");
  EXPECT_THROW(hfx::json_digest(obj, "sha1"), hfx::input_error);
}
TEST(PythonDumps, TrickyDocumentMatchesPython) {
  json doc = hfx::load_json_file(hfx::test::data("digest/tricky.json"));
  json expected = hfx::load_json_file(hfx::test::data("digest/tricky_expected.json"));
  ASSERT_GT(doc["floats"].size(), 900u);
  // Compare float by float first, so that a failure names the number.
  const json& reprs = expected["float_reprs"];
  ASSERT_EQ(reprs.size(), doc["floats"].size());
  for (size_t i = 0; i < reprs.size(); ++i)
    EXPECT_EQ(hfx::python_float_repr(doc["floats"][i].get<double>()), reprs[i].get<std::string>()) << i;
  EXPECT_EQ(hfx::python_json_dumps(doc), expected["compact"].get<std::string>());
  hfx::python_dumps_options o;
  o.indent = 4;
  o.ensure_ascii = true;
  EXPECT_EQ(hfx::python_json_dumps(doc, o), expected["pretty_ascii"].get<std::string>());
  EXPECT_EQ(hfx::json_digest(doc), expected["sha256"].get<std::string>());
  EXPECT_EQ(hfx::json_digest(doc, "md5"), expected["md5"].get<std::string>());
}

// ---- the corpus --------------------------------------------------------------------------
// Every JSON document of scan-configs/data and tests/data/pyhf-validation: pyhf's digest
// (sha256 and md5 of the compact dumps) and the sha256 of pyhf's CLI pretty output.
TEST(CorpusDigests, EveryDocumentMatchesPython) {
  json table = hfx::load_json_file(hfx::test::data("digest/python_digests.json"));
  ASSERT_GT(table.size(), 50u);
  size_t checked = 0;
  hfx::python_dumps_options pretty;
  pretty.indent = 4;
  pretty.ensure_ascii = true;
  for (auto it = table.begin(); it != table.end(); ++it) {
    const std::string path = hfx::test::source_dir() + "/" + it.key();
    ASSERT_TRUE(fs::exists(path)) << path;
    json doc = hfx::load_json_file(path);
    std::string compact = hfx::python_json_dumps(doc);
    EXPECT_EQ(hfx::sha256_hex(compact), it.value()["sha256"].get<std::string>()) << it.key();
    EXPECT_EQ(hfx::md5_hex(compact), it.value()["md5"].get<std::string>()) << it.key();
    EXPECT_EQ(hfx::sha256_hex(hfx::python_json_dumps(doc, pretty)), it.value()["pretty_sha256"].get<std::string>())
        << it.key();
    ++checked;
  }
  EXPECT_EQ(checked, table.size());
}

// SOURCE.txt records "pyhf digest sha256=..." under each "- <file>" entry; every entry
// that is bundled (possibly gzipped) must hash to it.
TEST(CorpusDigests, SourceTxtWorkspaceDigests) {
  const std::regex entry(R"(^- (\S+))"), digest(R"(WORKSPACE: pyhf digest sha256=([0-9a-f]{64}))");
  size_t checked = 0, sbottom = 0;
  for (const auto& dir : fs::directory_iterator(hfx::test::published(""))) {
    std::ifstream src(dir.path() / "SOURCE.txt");
    if (!src) continue;
    std::string line, current;
    std::smatch m;
    while (std::getline(src, line)) {
      if (std::regex_search(line, m, entry)) { current = m[1]; continue; }
      if (current.empty() || !std::regex_search(line, m, digest)) continue;
      fs::path file = dir.path() / current;
      if (!fs::exists(file)) file += ".gz";
      if (!fs::exists(file)) continue;  // e.g. orig/ archives that are not bundled
      EXPECT_EQ(hfx::workspace_digest(hfx::load_json_file(file.string())), m[1].str()) << file;
      ++checked;
      if (dir.path().filename() == "ATLAS-SUSY-2018-31_sbottom") ++sbottom;
    }
  }
  EXPECT_EQ(sbottom, 6u);  // RegionA/B/C BkgOnly and the three simplified BkgOnly files
  EXPECT_GT(checked, 20u);
}

}  // namespace
