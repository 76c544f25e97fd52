// hfx/patch_select.hpp - choosing patches of a patchset: `hfx scan --patches SELECT` and
// the "patches" field of scan configs.
//
// SELECT is a comma-separated list of items; each item is, in this order of precedence:
//   NAME         a patch name (an exact match always wins, whatever characters it has)
//   GLOB         a pattern with '*' (any run of characters, also empty) and '?' (one
//                character) matched against whole names, e.g. "sbottom_1300_*";
//                there are no character classes: '[' and ']' are literal
//   START:STOP[:STEP]  a Python slice of the patchset order: "0:100", ":10", "-5:",
//                "::10" (every 10th), "10:0:-1"; out-of-range bounds clamp as in Python
//   @FILE        items read from FILE, one per line (blank lines and lines starting with
//                '#' are skipped; commas inside a line are not separators)
// Items are trimmed of surrounding whitespace. The result is the union of all items, as
// sorted unique indices into `names` (the patchset order), so a selection never changes the
// order in which a scan runs.
//
// Errors (hfx::input_error with `origin` as the file, or the @FILE and its line): names that
// are not in the patchset (all of them are listed), globs that match nothing, malformed
// slices (step 0, non-integer bounds), unreadable @FILEs, an empty selection text, and a
// selection that selects no patch at all.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hfx {

std::vector<size_t> select_patches(const std::vector<std::string>& names, const std::string& select,
                                   const std::string& origin = "--patches");

// Checks the syntax of a selection without a patchset (slices and @FILE readability); used
// when loading scan configs. Throws input_error like select_patches.
void check_patch_selection(const std::string& select, const std::string& origin = "--patches");

// Whole-string match of `text` against a pattern with '*' and '?'.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace hfx
