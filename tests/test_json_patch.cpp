// RFC 6902 JSON Patch: the examples of RFC 6902 appendix A (A.1-A.16), pointer escapes,
// array index rules and the error messages (file, pointer of the failing operation).
#include <gtest/gtest.h>

#include "hfx/error.hpp"
#include "hfx/json_patch.hpp"
#include "test_paths.hpp"

namespace {
using hfx::json;

json J(const char* text) { return json::parse(text); }

json patched(const char* doc, const char* ops) {
  json d = J(doc);
  hfx::apply_json_patch(d, J(ops), "p.json", "/patch");
  return d;
}

// The problem text of the input_error the patch raises ("" when it applies).
std::string failure(const char* doc, const char* ops, std::string* pointer = nullptr) {
  json d = J(doc);
  try {
    hfx::apply_json_patch(d, J(ops), "p.json", "/patches/12/patch");
  } catch (const hfx::input_error& e) {
    EXPECT_EQ(e.file, "p.json");
    if (pointer) *pointer = e.pointer;
    return e.problem;
  }
  return "";
}

#define EXPECT_CONTAINS(hay, needle) EXPECT_NE(std::string(hay).find(needle), std::string::npos) << (hay)

// ---- RFC 6902 appendix A -------------------------------------------------------------
TEST(JsonPatchRfc, A1_AddObjectMember) {
  EXPECT_EQ(patched(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])"),
            J(R"({"baz":"qux","foo":"bar"})"));
}
TEST(JsonPatchRfc, A2_AddArrayElement) {
  EXPECT_EQ(patched(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
            J(R"({"foo":["bar","qux","baz"]})"));
}
TEST(JsonPatchRfc, A3_RemoveObjectMember) {
  EXPECT_EQ(patched(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"), J(R"({"foo":"bar"})"));
}
TEST(JsonPatchRfc, A4_RemoveArrayElement) {
  EXPECT_EQ(patched(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])"),
            J(R"({"foo":["bar","baz"]})"));
}
TEST(JsonPatchRfc, A5_ReplaceValue) {
  EXPECT_EQ(patched(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
            J(R"({"baz":"boo","foo":"bar"})"));
}
TEST(JsonPatchRfc, A6_MoveValue) {
  EXPECT_EQ(patched(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                    R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
            J(R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"));
}
TEST(JsonPatchRfc, A7_MoveArrayElement) {
  EXPECT_EQ(patched(R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
            J(R"({"foo":["all","cows","eat","grass"]})"));
}
TEST(JsonPatchRfc, A8_TestSuccess) {
  const char* doc = R"({"baz":"qux","foo":["a",2,"c"]})";
  EXPECT_EQ(patched(doc, R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])"),
            J(doc));
}
TEST(JsonPatchRfc, A9_TestError) {
  std::string ptr;
  EXPECT_CONTAINS(failure(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", &ptr),
                  "test: test failed: value at '/baz' is \"qux\", expected \"bar\"");
  EXPECT_EQ(ptr, "/patches/12/patch/0");
}
TEST(JsonPatchRfc, A10_AddNestedMember) {
  EXPECT_EQ(patched(R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])"),
            J(R"({"foo":"bar","child":{"grandchild":{}}})"));
}
TEST(JsonPatchRfc, A11_IgnoreUnrecognizedElements) {
  EXPECT_EQ(patched(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])"),
            J(R"({"foo":"bar","baz":"qux"})"));
}
TEST(JsonPatchRfc, A12_AddToNonexistentTarget) {
  EXPECT_CONTAINS(failure(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])"),
                  "path '/baz/bat' does not exist (no member 'baz' in '')");
}
TEST(JsonPatchRfc, A13_DuplicateOpMemberIsAnError) {
  // RFC: a patch with two "op" members is invalid. A DOM keeps one of them (nlohmann, like
  // Python's json, keeps the last: "remove"), so the patch is still rejected, because
  // /baz does not exist.
  EXPECT_CONTAINS(failure(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","op":"remove"}])"),
                  "remove: path '/baz' does not exist");
}
TEST(JsonPatchRfc, A14_EscapeOrdering) {
  const char* doc = R"({"/":9,"~1":10})";
  EXPECT_EQ(patched(doc, R"([{"op":"test","path":"/~01","value":10}])"), J(doc));
}
TEST(JsonPatchRfc, A15_StringsAndNumbersDiffer) {
  EXPECT_CONTAINS(failure(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])"), "test failed");
}
TEST(JsonPatchRfc, A16_AddArrayValue) {
  EXPECT_EQ(patched(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"),
            J(R"({"foo":["bar",["abc","def"]]})"));
}

// ---- pointers and escapes --------------------------------------------------------------
TEST(JsonPointer, Unescapes) {
  EXPECT_EQ(hfx::parse_json_pointer(""), std::vector<std::string>{});
  EXPECT_EQ(hfx::parse_json_pointer("/"), std::vector<std::string>{""});
  EXPECT_EQ(hfx::parse_json_pointer("/a~1b/m~0n/~01/c%d/"),
            (std::vector<std::string>{"a/b", "m~n", "~1", "c%d", ""}));
  EXPECT_THROW(hfx::parse_json_pointer("a"), hfx::input_error);
  EXPECT_THROW(hfx::parse_json_pointer("/a~2"), hfx::input_error);
  EXPECT_THROW(hfx::parse_json_pointer("/a~"), hfx::input_error);
}
TEST(JsonPatch, EscapedMembersAndEmptyKey) {
  EXPECT_EQ(patched(R"({"a/b":{"m~n":1},"":2})",
                    R"([{"op":"replace","path":"/a~1b/m~0n","value":5},{"op":"replace","path":"/","value":3}])"),
            J(R"({"a/b":{"m~n":5},"":3})"));
}
TEST(JsonPatch, BadPointerEscapeNamesTheOperation) {
  std::string ptr;
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"remove","path":"/a~2"}])", &ptr), "'~' must be followed by 0 or 1");
  EXPECT_EQ(ptr, "/patches/12/patch/0");
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"remove","path":"a"}])"), "must be empty or start with '/'");
}

// ---- array index rules -----------------------------------------------------------------
TEST(JsonPatch, AddAtSizeAppendsButRemoveAtSizeFails) {
  EXPECT_EQ(patched(R"([1,2])", R"([{"op":"add","path":"/2","value":3}])"), J("[1,2,3]"));
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"add","path":"/3","value":3}])"),
                  "index 3 is out of range (the array has 2 elements)");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"remove","path":"/2"}])"),
                  "path '/2' does not exist (index 2 of the array at '', which has 2 elements)");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"replace","path":"/2","value":0}])"), "does not exist");
}
TEST(JsonPatch, IndexSyntax) {
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"add","path":"/01","value":0}])"), "'01' is not a valid array index");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"add","path":"/-1","value":0}])"), "not a valid array index");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"add","path":"/+1","value":0}])"), "not a valid array index");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"remove","path":"/-"}])"), "'-' is not a valid index");
  EXPECT_CONTAINS(failure(R"([1,2])", R"([{"op":"replace","path":"/-","value":0}])"), "'-' is not a valid index");
  EXPECT_CONTAINS(failure(R"([[1]])", R"([{"op":"test","path":"/0/00","value":1}])"), "'00' is not a valid index");
  EXPECT_EQ(patched(R"([1,2])", R"([{"op":"add","path":"/0","value":0},{"op":"add","path":"/-","value":9}])"),
            J("[0,1,2,9]"));
}
TEST(JsonPatch, HugeIndexDoesNotOverflow) {
  EXPECT_CONTAINS(failure(R"([1])", R"([{"op":"remove","path":"/99999999999999999999999"}])"), "not a valid index");
}

// ---- remaining operation semantics -------------------------------------------------------
TEST(JsonPatch, WholeDocumentOperations) {
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])"), J("[1]"));
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"","value":{"b":2}}])"), J(R"({"b":2})"));
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"remove","path":""}])"), "cannot remove the whole document");
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"test","path":"","value":{"a":1}}])"), J(R"({"a":1})"));
}
TEST(JsonPatch, AddReplacesExistingMember) {
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"add","path":"/a","value":2}])"), J(R"({"a":2})"));
}
TEST(JsonPatch, CopyDeepCopies) {
  EXPECT_EQ(patched(R"({"a":{"x":[1]},"b":[]})",
                    R"([{"op":"copy","from":"/a","path":"/b/-"},{"op":"add","path":"/a/x/-","value":2}])"),
            J(R"({"a":{"x":[1,2]},"b":[{"x":[1]}]})"));
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"copy","from":"/zz","path":"/b"}])"), "copy: from '/zz' does not exist");
}
TEST(JsonPatch, MoveRules) {
  EXPECT_CONTAINS(failure(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/c"}])"),
                  "cannot move '/a' into its own child '/a/c'");
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])"), J(R"({"a":1})"));
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"move","from":"/b","path":"/b"}])"), "from '/b' does not exist");
  // "/ab" is not a child of "/a": only whole tokens count as a prefix
  EXPECT_EQ(patched(R"({"a":1})", R"([{"op":"move","from":"/a","path":"/ab"}])"), J(R"({"ab":1})"));
}
TEST(JsonPatch, TestComparesNumbersByValue) {
  EXPECT_EQ(patched(R"({"a":1.0,"b":[1,2.5]})", R"([{"op":"test","path":"/a","value":1},{"op":"test","path":"/b","value":[1.0,2.5]}])"),
            J(R"({"a":1.0,"b":[1,2.5]})"));
  EXPECT_CONTAINS(failure(R"({"a":[1,2]})", R"([{"op":"test","path":"/a","value":[2,1]}])"), "test failed");
}
TEST(JsonPatch, PathThroughScalarFails) {
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"add","path":"/a/b","value":1}])"),
                  "cannot add to '/a', which is a number");
  EXPECT_CONTAINS(failure(R"({"a":"s"})", R"([{"op":"remove","path":"/a/b/c"}])"), "'/a' is a string, not a container");
}
TEST(JsonPatch, MalformedOperations) {
  std::string ptr;
  EXPECT_CONTAINS(failure("{}", R"([{"op":"add","path":"/a","value":1},{"op":"append","path":"/x","value":1}])", &ptr),
                  "unknown operation \"append\"");
  EXPECT_EQ(ptr, "/patches/12/patch/1");
  EXPECT_CONTAINS(failure("{}", R"([{"path":"/a","value":1}])"), "missing \"op\"");
  EXPECT_CONTAINS(failure("{}", R"([{"op":"add","value":1}])"), "add: missing \"path\"");
  EXPECT_CONTAINS(failure("{}", R"([{"op":"add","path":"/a"}])"), "add: missing \"value\"");
  EXPECT_CONTAINS(failure("{}", R"([{"op":"replace","path":5,"value":1}])"), "\"path\" must be a string, got a number");
  EXPECT_CONTAINS(failure(R"({"a":1})", R"([{"op":"move","path":"/b"}])"), "move: missing \"from\"");
  EXPECT_CONTAINS(failure("{}", R"([17])"), "an operation must be an object, got a number");
  EXPECT_CONTAINS(failure("{}", R"({"op":"add"})"), "a JSON patch must be an array of operations");
  // "value": null is a value
  EXPECT_EQ(patched("{}", R"([{"op":"add","path":"/a","value":null}])"), J(R"({"a":null})"));
}
TEST(JsonPatch, CheckOperationWithoutDocument) {
  EXPECT_NO_THROW(hfx::check_json_patch_operation(J(R"({"op":"remove","path":"/x/0"})"), "f", "/p/0"));
  try {
    hfx::check_json_patch_operation(J(R"({"op":"copy","from":"bad","path":"/x"})"), "f.json", "/patches/3/patch/1");
    FAIL() << "no exception";
  } catch (const hfx::input_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("f.json: /patches/3/patch/1: invalid JSON pointer 'bad'", 0), 0u) << e.what();
  }
}
TEST(JsonPatch, CopyVariantLeavesTheOriginal) {
  const json doc = J(R"({"a":[1]})");
  json out = hfx::apply_json_patch_copy(doc, J(R"([{"op":"add","path":"/a/-","value":2}])"));
  EXPECT_EQ(doc, J(R"({"a":[1]})"));
  EXPECT_EQ(out, J(R"({"a":[1,2]})"));
}
TEST(JsonPatch, ErrorMessageFormat) {
  json d = J(R"({"channels":[{},{},{}]})");
  try {
    hfx::apply_json_patch(d, J(R"([{"op":"test","path":"/channels/0","value":{}},{"op":"remove","path":"/channels/7"}])"),
                          "ps.json", "/patches/4/patch");
    FAIL() << "no exception";
  } catch (const hfx::input_error& e) {
    EXPECT_STREQ(e.what(), "ps.json: /patches/4/patch/1: remove: path '/channels/7' does not exist (index 7 of the "
                           "array at '/channels', which has 3 elements)");
  }
}

// pyhf applies patches with the python jsonpatch library: hfx must accept and reject the
// same operations and produce the same documents (cases: tests/pyhf/gen_jsonpatch_cases.py).
TEST(JsonPatch, AgreesWithPythonJsonpatch) {
  const json fx = hfx::load_json_file(hfx::test::data("json_patch_cases.json"));
  ASSERT_GE(fx["cases"].size(), 30u);
  for (const auto& c : fx["cases"]) {
    SCOPED_TRACE(c["patch"].dump());
    json doc = fx["document"];
    bool ok = true;
    try {
      hfx::apply_json_patch(doc, c["patch"], "cases.json", "/patch");
    } catch (const hfx::input_error&) {
      ok = false;
    }
    ASSERT_EQ(ok, c["ok"].get<bool>()) << (ok ? "" : c.value("error", ""));
    if (ok) {
      EXPECT_EQ(doc, c["result"]);
    }
  }
}

}  // namespace
