// libFuzzer target: the patch applier. The input is one JSON document
//   {"doc": <any JSON>, "ops": <RFC 6902 operations>}          -> apply_json_patch_copy
// or a patchset document (anything else)                       -> parse_patchset, then
//   apply_patch of every patch to a small fixed workspace.
// Any input must succeed or throw an hfx::error; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hfx/error.hpp"
#include "hfx/json_io.hpp"
#include "hfx/json_patch.hpp"
#include "hfx/patchset.hpp"

namespace {
// A small valid workspace (two channels, so that /channels/1 exists).
const hfx::json& base_workspace() {
  static const hfx::json ws = hfx::json::parse(R"({
    "version": "1.0.0",
    "channels": [
      {"name": "SR", "samples": [{"name": "bkg", "data": [10.0, 5.0], "modifiers": [
        {"name": "mu", "type": "normfactor", "data": null}]}]},
      {"name": "CR", "samples": [{"name": "bkg", "data": [100.0], "modifiers": []}]}],
    "observations": [{"name": "SR", "data": [11.0, 4.0]}, {"name": "CR", "data": [98.0]}],
    "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}]
  })");
  return ws;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    hfx::json doc = hfx::parse_json_text(text, "fuzz.json");
    if (doc.is_object() && doc.size() == 2 && doc.contains("doc") && doc.contains("ops")) {
      const hfx::json out = hfx::apply_json_patch_copy(doc["doc"], doc["ops"], "fuzz.json", "/ops");
      (void)out;
      return 0;
    }
    const hfx::patchset ps = hfx::parse_patchset(std::move(doc), "fuzz.json");
    for (const hfx::patch_entry& p : ps.patches) {
      try {
        const hfx::json ws = hfx::apply_patch(base_workspace(), ps, p);
        (void)ws;
      } catch (const hfx::error&) {
      }
    }
  } catch (const hfx::error&) {
  }
  return 0;
}
