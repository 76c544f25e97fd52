// hfx scan: CLs (and optionally upper limits) for every patch of a patchset, streamed to a
// JSON-lines file, resumable.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/scan.hpp"
#include "hfx/scan_config.hpp"
#include "hfx/scan_progress.hpp"
#include "model_args.hpp"

namespace hfx::cli {
namespace {

int cmd_scan(const std::vector<std::string>& args) {
  arg_parser p("hfx scan",
               "hfx scan WS PATCHSET [--out results.jsonl] [--mu 1.0] [--limits] [--patches SELECT] "
               "[--threads N] [--backend cpu|cuda|auto]\n       hfx scan --config scan-configs/NAME.json [overrides]");
  p.option("--config", "a ready scan from scan-configs/ (options given here override it)");
  p.option("--out", "JSON-lines output; rerunning with the same file resumes");
  p.option("--mu", "test value of the POI", std::nullopt, {"--test-poi"});
  p.option("--test-stat", "qtilde | q | q0");
  p.flag("--limits", "also compute upper limits (observed and expected band)");
  p.option("--max-poi", "largest POI value the limit bracket may grow to", std::string("10000"));
  p.option("--patches", "selection: names, globs, slices START:STOP[:STEP], @FILE (comma-separated)");
  p.option("--threads", "CPU threads (0 = all)", std::string("0"));
  p.option("--backend", "cpu|cuda|auto", std::string("auto"));
  p.option("--measurement", "measurement to use (default: the first, as pyhf)");
  p.option("--normsys-code", "normsys interpolation: code1|code4", std::string("code4"));
  p.option("--histosys-code", "histosys interpolation: code0|code2|code4p", std::string("code4p"));
  p.flag("--no-verify", "do not verify the patchset digest against the workspace");
  p.flag("--batched", "CPU: compile all patches first and test them with the batch backend (the GPU's path)");
  p.option("--batch-size", "hypotheses per round in the batched path", std::string("4096"));
  p.flag("--progress", "progress on stderr (default: when stderr is a terminal)");
  p.flag("--quiet", "no progress and no summary");
  if (!p.parse(args)) return 0;

  scan_options opt;
  std::string out;
  if (auto cfg_path = p.get_opt("--config")) {
    p.require_positionals(0, 0);
    scan_config cfg = load_scan_config(*cfg_path);
    opt.workspace = cfg.workspace;
    opt.patchset = cfg.patchset;
    if (cfg.measurement) opt.model.measurement = *cfg.measurement;
    opt.mu_test = cfg.mu_test;
    opt.stat = parse_test_stat_name(cfg.test_stat);
    opt.limits = cfg.limits;
    if (cfg.patches) opt.select = *cfg.patches;
    out = cfg.out;
  } else {
    p.require_positionals(2, 2);
    opt.workspace = p.positionals()[0];
    opt.patchset = p.positionals()[1];
    out = "results.jsonl";
  }
  if (auto v = p.get_opt("--out")) out = *v;
  if (auto v = p.get_opt("--mu")) opt.mu_test = parse_double(*v, "--mu");
  if (auto v = p.get_opt("--test-stat")) opt.stat = parse_test_stat_name(*v);
  if (p.has("--limits")) opt.limits = true;
  if (opt.limits && opt.stat == test_stat::q0) throw usage_error("--limits needs qtilde or q");
  if (auto v = p.get_opt("--patches")) opt.select = *v;
  {
    const std::string config_measurement = opt.model.measurement;
    opt.model = model_options_from_args(p);
    if (!p.get_opt("--measurement")) opt.model.measurement = config_measurement;
  }
  opt.limit_options.max_poi = p.get_double("--max-poi");
  opt.threads = int(p.get_int("--threads"));
  if (opt.threads < 0) throw usage_error("--threads must be >= 0");
  opt.verify = !p.has("--no-verify");
  opt.out = out;
  const bool quiet = p.has("--quiet");
  opt.progress = !quiet && (p.has("--progress") || isatty(2));
  // cuda (or auto with a device): the batched path on the GPU; cpu: per hypothesis on CPU
  // threads, or the batched path with --batched.
  const backend_kind be = hfx::resolve_backend(parse_backend(p.get("--backend")));
  if (!quiet && p.get("--backend") == "auto")
    std::cerr << "hfx: backend auto -> " << backend_name(be) << " (" << cuda_device_description() << ")\n";
  opt.backend = be;
  opt.batched = be == backend_kind::cuda || p.has("--batched");
  opt.batch_size = int(p.get_int("--batch-size"));
  if (opt.batch_size < 1) throw usage_error("--batch-size must be >= 1");

  scan_summary s = run_scan(opt);
  if (!quiet) {
    std::fprintf(stderr,
                 "hfx scan: %zu selected, %zu already in %s, %zu computed (%zu failed, %zu with a "
                 "non-converged fit) in %.1f s\n",
                 s.selected, s.skipped, out.c_str(), s.computed, s.failed, s.not_converged, s.wall_s);
  }
  if (s.interrupted) {
    std::cerr << "hfx scan: interrupted; " << (s.skipped + s.computed) << " of " << s.selected
              << " records are in " << out << "; rerun the same command to resume\n";
    return scan_interrupt::exit_code;
  }
  return 0;
}

}  // namespace

HFX_COMMAND("scan", "CLs (and limits) for every patch of a patchset, streamed and resumable", cmd_scan);

}  // namespace hfx::cli
