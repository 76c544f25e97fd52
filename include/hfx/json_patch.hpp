// hfx/json_patch.hpp - RFC 6902 JSON Patch (with RFC 6901 JSON Pointer) on nlohmann::json.
//
// Operations: add, remove, replace, move, copy, test. Pointers: "" is the whole document,
// "/a/b" walks members and array indices, "~1" is '/', "~0" is '~' (any other '~' is an
// error). Array indices are decimal without leading zeros ("0", "12"; not "01", "-1",
// "+1"); "-" is one past the end and is valid only as the target of add (append).
// add may use index == size; other operations need an existing element. move fails when
// "from" is a proper prefix of "path" (a value cannot be moved into its own child). test
// compares with JSON equality (numbers by value: 1 equals 1.0).
//
// Errors throw hfx::input_error(file, "<ops_pointer>/<i>", problem), pointing at the
// operation inside its file, e.g.
//   "patchset.json: /patches/12/patch/3: remove: path '/channels/7' does not exist (array has 3 elements)"
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "hfx/json_io.hpp"

namespace hfx {

// Applies the operations `ops` (a JSON array) to `doc` in order, in place. On error, doc
// may have been partially modified: apply to a copy when the original must survive
// (apply_json_patch_copy does that). `file` and `ops_pointer` (the pointer of the ops
// array inside `file`, "" when ops is the whole file) only serve the error messages.
void apply_json_patch(json& doc, const json& ops, const std::string& file = "",
                      const std::string& ops_pointer = "");

// Same on a copy of doc; returns the patched copy.
json apply_json_patch_copy(const json& doc, const json& ops, const std::string& file = "",
                           const std::string& ops_pointer = "");

// Checks the shape of one operation (op known, "path" a string, "value" present for
// add/replace/test, "from" a string for move/copy, pointers well formed) without a
// document. Throws input_error(file, op_pointer, problem).
void check_json_patch_operation(const json& op, const std::string& file, const std::string& op_pointer);

// Splits an RFC 6901 pointer into unescaped reference tokens; throws input_error (with
// `file`/`where` for the message) when it does not start with '/' or has a bad '~' escape.
std::vector<std::string> parse_json_pointer(std::string_view pointer, const std::string& file = "",
                                            const std::string& where = "");

}  // namespace hfx
