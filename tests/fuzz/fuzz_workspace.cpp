// libFuzzer target: the workspace loader. Bytes -> parse_json_text -> validate_workspace ->
// compile_model. Any input must either succeed or throw an hfx::error (input_error,
// model_error); anything else (another exception type, a sanitizer report, a hang) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/workspace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const hfx::json spec = hfx::parse_json_text(text, "fuzz.json");
    std::vector<std::string> warnings;
    hfx::validate_workspace(spec, "fuzz.json", &warnings);
    const hfx::compiled_model m = hfx::compile_model(spec, hfx::model_options{}, "fuzz.json");
    (void)m;
  } catch (const hfx::error&) {
    // expected for bad input
  }
  return 0;
}
