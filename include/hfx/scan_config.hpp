// hfx/scan_config.hpp - ready-made scans: JSON files in scan-configs/ naming a published
// likelihood (background-only workspace + signal patchset) and the scan settings.
//
//   {
//     "name": "sbottom_RegionA",                    required; [A-Za-z0-9_.-]+
//     "description": "...",                         optional
//     "workspace": "data/.../BkgOnly.json.gz",      required; relative to the config file
//     "patchset": "data/.../patchset.json.gz",      required; relative to the config file
//     "measurement": "NormalMeasurement",           optional (default: the workspace's first)
//     "mu_test": 1.0,                               optional, default 1.0, finite
//     "test_stat": "qtilde",                        optional: "qtilde" (default), "q", "q0"
//     "limits": false,                              optional: also compute upper limits
//     "patches": "sbottom_1300_*,0:10" or [items],  optional selection (patch_select.hpp); an
//                                                   array is the items of a comma list; @FILE
//                                                   items are relative to the config file
//     "out": "results/sbottom_RegionA.jsonl",       optional, default "<name>.jsonl"; relative
//                                                   to the working directory, like --out
//     "provenance": {"hepdata": ..., "doi": ...}    optional object, copied as is
//   }
//
// Unknown keys are errors (they are usually typos). Every error is an input_error naming the
// config file and the JSON pointer of the offending value.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hfx/json_io.hpp"

namespace hfx {

struct scan_config {
  std::string file;         // the config file, as given
  std::string name;
  std::string description;
  std::string workspace;    // resolved path (exists)
  std::string patchset;     // resolved path (exists)
  std::optional<std::string> measurement;
  double mu_test = 1.0;
  std::string test_stat = "qtilde";
  bool limits = false;
  std::optional<std::string> patches;  // selection text for select_patches()
  std::string out;                     // default output path
  json provenance = json::object();
};

// Loads and validates a config file; paths are resolved relative to its directory and the
// workspace and patchset files must exist.
scan_config load_scan_config(const std::string& path);

// Validates an already parsed config; `path` names it in errors and is the base of relative paths.
scan_config parse_scan_config(const json& j, const std::string& path);

// The *.json files directly in `dir`, sorted by name.
std::vector<std::string> list_scan_configs(const std::string& dir);

}  // namespace hfx
