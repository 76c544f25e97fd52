// host/cli/model_args.hpp - the options every model-building command shares:
//   WS [--patchset PS --patch NAME] [--measurement NAME] [--normsys-code C] [--histosys-code C]
#pragma once
#include <string>

#include "cli.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/model_batch.hpp"
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

// "cpu" | "cuda" | "auto" -> the backend that will run: auto is cuda when a CUDA device is
// present, else cpu (announce: says which on stderr, "hfx: backend auto -> cpu (reason)");
// cuda without a device throws hfx::error with the reason; anything else is a usage_error.
backend_kind choose_backend(const std::string& requested, bool announce);

// --backend cpu|cuda|auto and --batched, for the commands that run one hypothesis (fit, cls,
// limit): cpu runs the per-hypothesis engine (fit_model, hypotest_engine); cuda, or cpu with
// --batched, runs the batched operations (batch_fit, batch_hypotest_items) on that backend.
void add_backend_options(arg_parser& p);
struct backend_choice {
  backend_kind kind = backend_kind::cpu;
  bool batched = false;
};
backend_choice backend_from_args(const arg_parser& p);

// A batch holding m alone (hypothesis 0), for the batched operations.
model_batch single_batch(const compiled_model& m);

}  // namespace hfx::cli
