// hfx/json_io.hpp - reading JSON documents (plain or gzip-compressed) with errors that
// name the file and the place.
#pragma once
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hfx {

using json = nlohmann::json;

// Reads a .json or .json.gz file (gzip is detected by its magic bytes, not the name).
// Throws input_error naming the file (and line/column for syntax errors).
json load_json_file(const std::string& path);

// Parses JSON text; `name` is used in error messages (usually the file name).
json parse_json_text(std::string_view text, const std::string& name);

// Reads a whole file, gunzipping when it is gzip-compressed.
std::string read_file_maybe_gz(const std::string& path);

// JSON pointer text of a reference token sequence: escapes '~' as ~0 and '/' as ~1.
std::string json_pointer_escape(std::string_view token);

}  // namespace hfx
