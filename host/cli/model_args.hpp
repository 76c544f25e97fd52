// host/cli/model_args.hpp - the options every model-building command shares:
//   WS [--patchset PS --patch NAME] [--measurement NAME] [--normsys-code C] [--histosys-code C]
#pragma once
#include <string>

#include "cli.hpp"
#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

namespace hfx::cli {

void add_model_options(arg_parser& p);

struct loaded_model {
  compiled_model model;
  std::string label;  // "WS" or "WS + patch NAME"
};

// --measurement, --normsys-code, --histosys-code -> model_options (usage_error on bad codes).
model_options model_options_from_args(const arg_parser& p);

// Loads, patches (verifying the patchset digest as pyhf does), validates and compiles.
// Model warnings go to stderr, one line each.
loaded_model load_model_from_args(const arg_parser& p, const std::string& ws_path);

// Writes a double as JSON (shortest round-trip; NaN and inf as null).
json json_number(double v);

// "cpu" | "cuda" | "auto" -> the backend that will run (throws usage_error when cuda is
// requested but unavailable). Prints which one `auto` chose to stderr when verbose.
std::string resolve_backend(const std::string& requested, bool verbose);

}  // namespace hfx::cli
