// host/cli/bench_child.hpp - the timed child process of `hfx bench` (host/cli/cmd_bench.cpp):
// `hfx bench --child CONFIG [--size N --seed S] --threads T --select SLICE --limit K
// [--cls-for H]... [--batched cpu|cuda --chunk C]` loads the scan config's workspace and
// patchset (or a synthetic grid of N hypotheses made from it), times patch -> compile ->
// hypotest over the selected hypotheses on T threads, keeping no records, and prints one JSON
// line: n, threads, wall_s, failed, not_converged, peak_rss_kib (getrusage of this process),
// workspace_rss_kib / patchset_rss_kib (RSS growth while loading), patchset_patches, cls
// (CLs of the hypotheses named by --cls-for), batched, t_compile_s, t_hypotest_s.
#pragma once
#include "cli.hpp"

namespace hfx::cli {
// Runs the child measurement described by the parsed options of `hfx bench`.
int run_bench_child(const arg_parser& p);
}  // namespace hfx::cli
