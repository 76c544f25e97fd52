// hfx/json_io.hpp - reading JSON documents (plain or gzip-compressed) with errors that
// name the file and the place.
//
// Before the DOM is built, a cheap pre-scan of the text (it respects strings and escapes)
// enforces json_limits and checks that strings are valid UTF-8, so a hostile or broken
// file (100,000 nested arrays, a 1 GB string, Latin-1 bytes) fails fast with one line:
//   "f.json: invalid JSON at line 1, column 513: nesting deeper than 512 levels"
//   "f.json: invalid JSON at line 3, column 17: invalid UTF-8 byte 0xe9 in a string"
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hfx {

using json = nlohmann::json;

// Limits checked before parsing. Real HistFactory files nest < 20 levels and their longest
// token is a few hundred bytes; the defaults leave ample room while bounding the parser's
// and the DOM's recursion and memory.
struct json_limits {
  std::size_t max_depth = 512;                  // nesting of arrays/objects
  std::size_t max_token_bytes = 64u << 20;      // one string, number or literal (64 MiB)
};

// Reads a .json or .json.gz file (gzip is detected by its magic bytes, not the name).
// Throws input_error naming the file (and line/column for syntax errors).
json load_json_file(const std::string& path);

// Parses JSON text; `name` is used in error messages (usually the file name).
json parse_json_text(std::string_view text, const std::string& name);
json parse_json_text(std::string_view text, const std::string& name, const json_limits& limits);

// Reads a whole file, gunzipping when it is gzip-compressed.
std::string read_file_maybe_gz(const std::string& path);

// "an object", "an array", "a string", "a boolean", "null" or "a number", for messages.
const char* json_type_name(const json& j);

// JSON pointer text of a reference token sequence: escapes '~' as ~0 and '/' as ~1.
std::string json_pointer_escape(std::string_view token);

}  // namespace hfx
