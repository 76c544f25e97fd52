// hfx/scan.hpp - the streaming patchset scan: for every selected patch of a patchset,
// patch the background-only workspace, compile, run the asymptotic hypothesis test (and
// optionally upper limits), and stream one record per hypothesis to a JSON-lines file.
// The background is parsed and validated once per scan (prepared_workspace.hpp); each
// patch then parses and checks only what it adds.
//
// Records are written in patchset order (a small reorder buffer holds results that finish
// early), so the file is identical for any thread count, apart from time_s. A rerun with
// the same output skips the patches already there; SIGINT/SIGTERM stop handing out new
// patches, finish the ones in flight, flush and return with `interrupted` set.
#pragma once
#include <functional>
#include <string>

#include "hfx/batch_hypotest.hpp"
#include "hfx/limits.hpp"
#include "hfx/math/asymptotics.hpp"
#include "hfx/math/newton.hpp"
#include "hfx/prepared_workspace.hpp"
#include "hfx/scan_record.hpp"
#include "hfx/workspace.hpp"

namespace hfx {

struct scan_options {
  std::string workspace;          // background-only workspace (.json / .json.gz)
  std::string patchset;           // pyhf patchset
  std::string out;                // JSON-lines output ("" = no file, callback only)
  model_options model;            // measurement and interpolation codes
  double mu_test = 1.0;
  test_stat stat = test_stat::qtilde;
  bool limits = false;            // also compute upper limits (TOMS748, pyhf's bracket)
  toms748_scan_options limit_options;
  std::string select;             // patch selection (patch_select.hpp); "" = all
  int threads = 0;                // 0 = all hardware threads
  bool verify = true;             // check the patchset digest against the workspace
  bool progress = false;          // progress line on stderr
  fit_settings settings;
  // Batched path: patches are compiled on the CPU, grouped into model batches and tested by
  // the batch backend (batch_hypotest.hpp: CPU threads or the CUDA kernel). Limits always run
  // per hypothesis on the CPU. Same records as the per-hypothesis path (one HFX_HD body).
  bool batched = false;
  backend_kind backend = backend_kind::cpu;
  int batch_size = 4096;          // hypotheses compiled and tested per round
};

struct scan_summary {
  std::size_t selected = 0;       // patches selected
  std::size_t skipped = 0;        // already in the output file
  std::size_t computed = 0;       // computed in this run
  std::size_t failed = 0;         // of those, records with an error
  std::size_t not_converged = 0;  // of those, with a fit that did not converge
  bool interrupted = false;
  double wall_s = 0.0;
};

// Computes one hypothesis (no I/O); failures become an error record. This overload
// patches and compiles through the JSON (compile_model(apply_patch(...))).
scan_record evaluate_hypothesis(const json& workspace_spec, const std::string& ws_file,
                                const struct patchset& ps, std::size_t patch_index,
                                const scan_options& opt);

// The same record from a background prepared once (prepared_workspace.hpp: only the
// patch's new parts are parsed and checked); what run_scan uses.
scan_record evaluate_hypothesis(const prepared_workspace& workspace, const struct patchset& ps,
                                std::size_t patch_index, const scan_options& opt);

// Runs a scan. `on_record` (optional) sees every record computed in this run, in order.
scan_summary run_scan(const scan_options& opt, const std::function<void(const scan_record&)>& on_record = {});

const char* test_stat_name(test_stat t);
test_stat parse_test_stat_name(const std::string& s);  // usage_error on unknown names

}  // namespace hfx
