// The timed child of `hfx bench` (see bench_child.hpp).
#include "bench_child.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>

#include "hfx/batch_hypotest.hpp"
#include "hfx/model_batch.hpp"
#include "hfx/parallel.hpp"
#include "hfx/patch_select.hpp"
#include "hfx/scan.hpp"
#include "hfx/scan_config.hpp"
#include "hfx/synthetic_grid.hpp"

namespace hfx::cli {
namespace {
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

long rss_kib_now() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long peak_rss_kib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // Linux: KiB
}

}  // namespace

int run_bench_child(const arg_parser& p) {
  const scan_config cfg = load_scan_config(p.get("--child"));
  const long rss0 = rss_kib_now();
  const json ws = load_json_file(cfg.workspace);
  validate_workspace(ws, cfg.workspace);
  const long rss_ws = rss_kib_now();
  patchset ps = load_patchset(cfg.patchset);
  const long rss_ps = rss_kib_now();
  verify_patchset(ps, ws, cfg.workspace);
  const std::size_t n_real = ps.patches.size();
  scan_options opt;
  if (cfg.measurement) opt.model.measurement = *cfg.measurement;
  opt.mu_test = cfg.mu_test;
  opt.stat = parse_test_stat_name(cfg.test_stat);
  const int threads = resolve_threads(int(p.get_int("--threads")));

  std::optional<synthetic_grid> grid;
  std::size_t n_all = ps.patches.size();
  if (const long n = p.get_int("--size"); n > 0) {
    synthetic_grid_options go;
    go.size = std::size_t(n);
    go.seed = std::uint64_t(p.get_int("--seed"));
    grid.emplace(std::move(ps), go);
    n_all = grid->size();
  }
  // Hypotheses of this run: a prefix (--limit) of a slice selection.
  std::vector<std::size_t> todo;
  const std::string sel = p.get("--select");
  if (sel.empty() || sel == "all") {
    for (std::size_t i = 0; i < n_all; ++i) todo.push_back(i);
  } else {
    std::vector<std::string> names;
    if (grid)
      for (std::size_t i = 0; i < n_all; ++i) names.push_back(std::to_string(i));
    else
      for (const auto& e : ps.patches) names.push_back(e.name);
    todo = select_patches(names, sel, "--select");
  }
  if (const long lim = p.get_int("--limit"); lim > 0 && todo.size() > std::size_t(lim)) todo.resize(std::size_t(lim));
  std::map<std::size_t, std::size_t> want;  // hypothesis -> slot
  for (const auto& s : p.get_multi("--cls-for")) want.emplace(std::size_t(std::stoull(s)), want.size());
  std::vector<json> cls(want.size());

  std::atomic<std::size_t> failed{0}, not_conv{0};
  std::mutex mu;
  const auto t0 = clock_type::now();
  // run_scan's preparation: the background parsed once (timed, as in a scan).
  const prepared_workspace pw(ws, cfg.workspace);
  double t_compile = 0.0, t_hypotest = 0.0;
  const std::string batched = p.get("--batched");
  if (!batched.empty()) {
    // The batched path: patch + compile a chunk on the CPU threads, pack it (model_batch:
    // background stored once), one batch_hypotest per structure on the chosen backend.
    const backend_kind be = resolve_backend(parse_backend(batched));
    batch_options bo;
    bo.hypotest.stat = opt.stat;
    bo.threads = threads;
    // Chunk: enough hypotheses in flight to fill a GPU (one thread per hypothesis) while the
    // compiled models of a chunk stay well below a GiB on the host.
    const long chunk_opt = p.get_int("--chunk");
    const std::size_t chunk = std::size_t(chunk_opt > 0 ? chunk_opt : be == backend_kind::cuda ? 16384 : 4096);
    for (std::size_t c0 = 0; c0 < todo.size(); c0 += chunk) {
      const std::size_t c1 = std::min(todo.size(), c0 + chunk);
      auto ta = clock_type::now();
      // Compiled in slices of `pack` and packed right away, so at most `pack` unpacked
      // models exist at a time (the batch keeps each background segment once).
      constexpr std::size_t pack = 512;
      std::vector<std::string> names(c1 - c0);
      batch_builder bb;
      for (std::size_t s0 = 0; s0 < c1 - c0; s0 += pack) {
        const std::size_t s1 = std::min(c1 - c0, s0 + pack);
        std::vector<std::optional<compiled_model>> models(s1 - s0);
        parallel_for(s1 - s0, threads, [&](std::size_t j, int) {
          const std::size_t k = s0 + j, h = todo[c0 + k];
          try {
            if (grid) {
              const patchset one = grid->single(h);
              names[k] = one.patches[0].name;
              models[j] = pw.compile_patched(one, one.patches[0], opt.model, cfg.workspace);
            } else {
              names[k] = ps.patches[h].name;
              models[j] = pw.compile_patched(ps, ps.patches[h], opt.model, cfg.workspace);
            }
          } catch (const error&) {
            ++failed;
          }
        });
        for (std::size_t j = 0; j < models.size(); ++j)
          if (models[j]) {
            bb.add(*models[j], s0 + j);
            models[j].reset();
          }
      }
      std::vector<model_batch> batches = bb.finish();
      t_compile += since(ta);
      ta = clock_type::now();
      for (const auto& b : batches) {
        const auto recs = batch_hypotest(b.view(), opt.mu_test, bo, be);
        for (std::size_t r = 0; r < recs.size(); ++r) {
          const std::size_t k = b.source_index[r];
          for (int f = 0; f < n_body_fits; ++f)
            if (recs[r].status[f] != fit_status::converged) { ++not_conv; break; }
          if (auto it = want.find(todo[c0 + k]); it != want.end()) {
            const hypotest_values hv = hypotest_result(opt.stat, recs[r].cls);
            cls[it->second] = {{"patch", names[k]}, {"cls_obs", hv.obs},
                               {"cls_exp", {hv.exp[0], hv.exp[1], hv.exp[2], hv.exp[3], hv.exp[4]}}};
          }
        }
      }
      t_hypotest += since(ta);
    }
  } else parallel_for(todo.size(), threads, [&](std::size_t k, int) {
    const std::size_t h = todo[k];
    scan_record rec = grid ? [&] {
      const patchset one = grid->single(h);
      return evaluate_hypothesis(pw, one, 0, opt);
    }()
                           : evaluate_hypothesis(pw, ps, h, opt);
    if (rec.failed()) ++failed;
    for (const auto& [name, st] : rec.status)
      if (st != "converged") { ++not_conv; break; }
    if (auto it = want.find(h); it != want.end()) {
      json c = {{"patch", rec.patch}};
      if (rec.CLs_obs) c["cls_obs"] = *rec.CLs_obs;
      if (rec.CLs_exp) c["cls_exp"] = *rec.CLs_exp;
      if (rec.error) c["error"] = *rec.error;
      std::lock_guard<std::mutex> lock(mu);
      cls[it->second] = c;
    }
  });
  const double wall = since(t0);
  json out = {{"n", todo.size()}, {"threads", threads}, {"wall_s", wall}, {"batched", batched},
              {"t_compile_s", t_compile}, {"t_hypotest_s", t_hypotest}, {"failed", failed.load()},
              {"not_converged", not_conv.load()}, {"peak_rss_kib", peak_rss_kib()},
              {"workspace_rss_kib", rss_ws - rss0}, {"patchset_rss_kib", rss_ps - rss_ws},
              {"patchset_patches", n_real}, {"cls", cls}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace hfx::cli
