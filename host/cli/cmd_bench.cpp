// hfx bench: end-to-end throughput of hfx on the bundled published likelihoods and on
// synthetic grids made from them, side by side with pyhf 0.7.6 when pyhf is importable.
//
// Each hfx measurement runs in a fresh child process (this executable, `hfx bench --child`),
// so that its peak resident memory (getrusage ru_maxrss) is that run's alone. A child loads
// the scan config's workspace and patchset, then times patch -> compile -> hypotest ->
// record (evaluate_hypothesis, the per-hypothesis path of run_scan) over its hypotheses on
// T threads, keeping no records: only counters and the CLs of the sampled patches. pyhf runs
// bench/pyhf_bench.py on a sample of the same patches (synthetic ones are written to a
// small temporary patchset file) and the table shows both, with the largest CLs difference.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bench_child.hpp"
#include "cli.hpp"
#include "hfx/cuda_device.hpp"
#include "hfx/infer.hpp"
#include "hfx/parallel.hpp"
#include "hfx/scan.hpp"
#include "hfx/scan_config.hpp"
#include "hfx/synthetic_grid.hpp"

namespace hfx::cli {
namespace {
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// The directory holding scan-configs/ and bench/: --root, $HFX_ROOT, the working directory
// or a parent of the executable.
fs::path find_root(const std::optional<std::string>& given) {
  std::vector<fs::path> tries;
  if (given) tries.push_back(*given);
  if (const char* e = std::getenv("HFX_ROOT")) tries.push_back(e);
  tries.push_back(fs::current_path());
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path d = exe.parent_path(); !ec && !d.empty() && d != d.root_path(); d = d.parent_path()) tries.push_back(d);
  for (const auto& t : tries)
    if (fs::exists(t / "scan-configs" / "sbottom_RegionA.json")) return t;
  throw usage_error("cannot find scan-configs/ (give --root DIR, the hfx source tree)");
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs a command, returns its stdout (stderr passes through); usage of popen is fine here.
std::string run_capture(const std::string& cmd, int* status) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) throw error("cannot run: " + cmd);
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  *status = pclose(f);
  return out;
}

json last_json_line(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = line;
  if (last.empty()) throw error(what + " printed no result");
  return json::parse(last);
}

// ---- the parent ----------------------------------------------------------------------------
struct bench_ctx {
  fs::path root, exe, tmp;
  int all_threads = 1;
  bool quick = false;
  std::string pyhf;     // python command with pyhf importable, or ""
  bool pyhf_disabled = false;  // --no-pyhf
  int pyhf_sample = 4;
  std::string tolerances = "1e-10,default";
  std::uint64_t seed = 1;
};

json child_run(const bench_ctx& c, const std::string& config, int threads, long size, const std::string& select,
               long limit, const std::vector<std::size_t>& cls_for, const std::string& batched = "") {
  std::string cmd = shell_quote(c.exe.string()) + " bench --child " + shell_quote(config) + " --threads " +
                    std::to_string(threads) + " --size " + std::to_string(size) + " --seed " + std::to_string(c.seed) +
                    " --select " + shell_quote(select.empty() ? "all" : select) + " --limit " + std::to_string(limit);
  for (auto k : cls_for) cmd += " --cls-for " + std::to_string(k);
  if (!batched.empty()) cmd += " --batched " + batched;
  int st = 0;
  const std::string out = run_capture(cmd, &st);
  if (st != 0) throw error("hfx bench child failed (status " + std::to_string(st) + "): " + cmd);
  return last_json_line(out, "hfx bench child");
}

// Evenly spread sample of k of the n indices of `idx`.
std::vector<std::size_t> spread(const std::vector<std::size_t>& idx, int k) {
  std::vector<std::size_t> out;
  const std::size_t n = idx.size();
  for (int i = 0; i < k && std::size_t(i) < n; ++i) out.push_back(idx[std::size_t(i) * n / std::size_t(std::min<std::size_t>(k, n))]);
  return out;
}

json pyhf_run(const bench_ctx& c, const std::string& ws, const std::string& ps, const std::vector<std::string>& names,
              const std::optional<std::string>& measurement) {
  std::string cmd = c.pyhf + " " + shell_quote((c.root / "bench" / "pyhf_bench.py").string()) + " " + shell_quote(ws) +
                    " " + shell_quote(ps) + " --tolerances " + c.tolerances;
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
  cmd += " --patches " + shell_quote(list);
  if (measurement) cmd += " --measurement " + shell_quote(*measurement);
  int st = 0;
  const std::string out = run_capture(cmd, &st);
  if (st != 0) throw error("pyhf_bench.py failed (status " + std::to_string(st) + ")");
  return last_json_line(out, "pyhf_bench.py");
}

// Largest |CLs_obs or CLs_exp[i]| difference over the patches both sides computed; values
// that are null on either side (pyhf's NaN CLs) are skipped and counted in *skipped.
double max_cls_diff(const json& hfx_cls, const json& pyhf_patches, int* skipped = nullptr) {
  double d = 0.0;
  bool any = false;
  auto diff = [&](const json& x, const json& y) {
    if (!x.is_number() || !y.is_number()) {
      if (skipped) ++*skipped;
      return;
    }
    d = std::max(d, std::abs(x.get<double>() - y.get<double>()));
    any = true;
  };
  for (const auto& h : hfx_cls) {
    if (!h.is_object() || !h.contains("cls_obs")) continue;
    for (const auto& q : pyhf_patches) {
      if (q.value("patch", "") != h.value("patch", "") || !q.contains("cls_obs")) continue;
      diff(h["cls_obs"], q["cls_obs"]);
      for (int i = 0; i < 5; ++i) diff(h["cls_exp"][i], q["cls_exp"][i]);
    }
  }
  return any ? d : std::nan("");
}

std::string fmt(double v, const char* f = "%.3g") {
  if (!std::isfinite(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// One table row: hfx (1 thread and all threads) and pyhf on a sample.
json bench_row(const bench_ctx& c, const std::string& label, const std::string& config, long size, long limit_1t,
               long limit_all) {
  std::cerr << "hfx bench: " << label << " ..." << std::endl;
  const scan_config cfg = load_scan_config(config);
  const json ws = load_json_file(cfg.workspace);
  patchset ps = load_patchset(cfg.patchset);
  model_options mo;
  if (cfg.measurement) mo.measurement = *cfg.measurement;
  std::optional<synthetic_grid> grid;
  std::size_t n = ps.patches.size();
  if (size > 0) {
    synthetic_grid_options go;
    go.size = std::size_t(size);
    go.seed = c.seed;
    grid.emplace(ps, go);
    n = grid->size();
  }
  const compiled_model m0 = grid ? grid->model(ws, 0, mo, cfg.workspace)
                                 : compile_model(apply_patch(ws, ps, ps.patches[0]), mo, cfg.workspace);
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i) all[i] = i;
  const std::size_t n_all = limit_all > 0 ? std::min<std::size_t>(n, std::size_t(limit_all)) : n;
  const std::size_t n_1t = limit_1t > 0 ? std::min<std::size_t>(n_all, std::size_t(limit_1t)) : n_all;
  // Timed subsets are prefixes of an evenly strided order, so they span the whole grid.
  const std::size_t stride_all = std::max<std::size_t>(1, n / n_all), stride_1t = std::max<std::size_t>(1, n / n_1t);
  const std::string sel_all = "::" + std::to_string(stride_all), sel_1t = "::" + std::to_string(stride_1t);
  std::vector<std::size_t> pool;
  for (std::size_t i = 0; i < n && pool.size() < n_all; i += stride_all) pool.push_back(i);
  const std::vector<std::size_t> sample = spread(pool, c.pyhf.empty() ? 0 : c.pyhf_sample);

  json row = {{"model", label}, {"config", config}, {"n_pars", m0.n_pars}, {"n_bins", m0.n_bins},
              {"hypotheses", n}, {"synthetic", bool(grid)}};
  const json r1 = child_run(c, config, 1, size, sel_1t, long(n_1t), {});
  const json ra = child_run(c, config, c.all_threads, size, sel_all, long(n_all), sample);
  row["hfx_1t"] = r1;
  row["hfx_all"] = ra;
  row["hfx_1t_per_s"] = r1["n"].get<double>() / r1["wall_s"].get<double>();
  row["hfx_all_per_s"] = ra["n"].get<double>() / ra["wall_s"].get<double>();
  row["peak_rss_mib"] = ra["peak_rss_kib"].get<double>() / 1024.0;
  if (cuda_device_count() > 0) {
    // Same hypotheses as the all-threads run, through the batched CUDA backend.
    const json rg = child_run(c, config, c.all_threads, size, sel_all, long(n_all), sample, "cuda");
    row["hfx_gpu"] = rg;
    row["hfx_gpu_per_s"] = rg["n"].get<double>() / rg["wall_s"].get<double>();
    row["gpu_max_abs_cls_diff_vs_cpu"] = max_cls_diff(rg["cls"], ra["cls"]);
  } else {
    row["hfx_gpu_per_s"] = "n/a (" + cuda_device_description() + ")";
  }
  if (!c.pyhf.empty() && !sample.empty()) {
    std::string ps_file = cfg.patchset;
    std::vector<std::string> names;
    if (grid) {
      ps_file = (c.tmp / (label + "_sample.json")).string();
      std::ofstream(ps_file) << grid->to_patchset_json(sample).dump();
      for (auto k : sample) names.push_back(grid->options().prefix + std::to_string(k));
    } else {
      for (auto k : sample) names.push_back(ps.patches[k].name);
    }
    const json py = pyhf_run(c, cfg.workspace, ps_file, names, cfg.measurement);
    row["pyhf"] = py;
    json rates = json::object(), diffs = json::object();
    for (const auto& run : py["runs"]) {
      const std::string tol = run["tolerance"].is_null() ? "default" : fmt(run["tolerance"].get<double>(), "%g");
      double t = 0.0;
      int k = 0;
      for (const auto& q : run["patches"])
        if (q.contains("time_s")) { t += q["time_s"].get<double>(); ++k; }
      rates[tol] = k ? k / t : std::nan("");
      int skipped = 0;
      diffs[tol] = max_cls_diff(ra["cls"], run["patches"], &skipped);
      if (skipped) row["pyhf_nonfinite_cls"][tol] = skipped;
    }
    row["pyhf_per_s"] = rates;
    row["max_abs_cls_diff"] = diffs;
  } else {
    row["pyhf_per_s"] = c.pyhf_disabled ? json("not run") : c.pyhf.empty() ? json("not installed") : json("not run");
  }
  return row;
}

void print_table(const json& rows, const bench_ctx& c) {
  std::printf("%-16s %5s %5s %7s %11s %9s %9s %9s %13s %13s %9s %9s %10s %9s\n", "model", "pars", "bins", "hyps",
              "timed", "hfx/s", "hfx/s", "hfx/s", "pyhf/s", "pyhf/s", "ratio 1T", "ratio", "max|dCLs|", "peak RSS");
  std::printf("%-16s %5s %5s %7s %11s %9s %9s %9s %13s %13s %9s %9s %10s %9s\n", "", "", "", "", "1T/allT",
              "1 thread", (std::to_string(c.all_threads) + " thr").c_str(), "GPU", "tol 1e-10", "tol dflt", "/pyhf", "allT/pyhf",
              "(1e-10)", "MiB");
  for (const auto& r : rows) {
    std::string p1 = "not installed", p2 = "not installed", q1 = "-", q2 = "-", d = "-";
    if (r["pyhf_per_s"].is_object()) {
      const auto& pr = r["pyhf_per_s"];
      const double a = pr.value("1e-10", std::nan("")), b = pr.value("default", std::nan(""));
      p1 = fmt(a);
      p2 = fmt(b);
      q1 = fmt(r["hfx_1t_per_s"].get<double>() / a, "%.0fx");
      q2 = fmt(r["hfx_all_per_s"].get<double>() / a, "%.0fx");
      d = r["max_abs_cls_diff"].contains("1e-10") && r["max_abs_cls_diff"]["1e-10"].is_number()
              ? fmt(r["max_abs_cls_diff"]["1e-10"].get<double>(), "%.1e") : "-";
    } else if (r["pyhf_per_s"].is_string() && r["pyhf_per_s"] != "not installed") {
      p1 = p2 = r["pyhf_per_s"].get<std::string>();
    }
    const std::string timed = std::to_string(r["hfx_1t"]["n"].get<std::size_t>()) + "/" +
                              std::to_string(r["hfx_all"]["n"].get<std::size_t>());
    std::printf("%-16s %5d %5d %7zu %11s %9s %9s %9s %13s %13s %9s %9s %10s %9.0f\n", r["model"].get<std::string>().c_str(),
                r["n_pars"].get<int>(), r["n_bins"].get<int>(), r["hypotheses"].get<std::size_t>(), timed.c_str(),
                fmt(r["hfx_1t_per_s"].get<double>()).c_str(), fmt(r["hfx_all_per_s"].get<double>()).c_str(),
                r["hfx_gpu_per_s"].is_number() ? fmt(r["hfx_gpu_per_s"].get<double>()).c_str() : "n/a",
                p1.c_str(), p2.c_str(), q1.c_str(), q2.c_str(), d.c_str(), r["peak_rss_mib"].get<double>());
  }
  std::printf("hfx/s: hypotheses per second (wall), patch + compile + hypotest (qtilde, mu=1) per hypothesis,\n"
              "timed on the 'timed' hypotheses (evenly strided over the grid); GPU: the batched CUDA backend on the\n"
              "all-threads hypotheses; pyhf/s: apply + model + hypotest per patch on %d sampled patches;\n"
              "ratio: hfx/s over pyhf/s at tolerance 1e-10; max|dCLs|: largest |hfx - pyhf| of CLs_obs and the\n"
              "five CLs_exp over the sample; peak RSS: the all-threads child process (ru_maxrss).\n",
              c.pyhf_sample);
  for (const auto& r : rows)
    if (r.contains("pyhf_nonfinite_cls"))
      for (const auto& [tol, k] : r["pyhf_nonfinite_cls"].items())
        std::printf("%s: pyhf (tolerance %s) gave %d non-finite CLs values on the sample (left out of max|dCLs|)\n",
                    r["model"].get<std::string>().c_str(), tol.c_str(), k.get<int>());
}

// Scaling curves: time per hypothesis vs batch size (synthetic grid) and vs model size.
void scaling(const bench_ctx& c, const fs::path& out_dir, const std::string& base_config) {
  fs::create_directories(out_dir);
  {
    std::ofstream f(out_dir / "scaling_batch.csv");
    f << "path,threads,n_hyp,wall_s,s_per_hyp,peak_rss_kib\n";
    std::vector<long> sizes = c.quick ? std::vector<long>{10, 30, 100} : std::vector<long>{10, 30, 100, 300, 1000, 3000};
    // per_hypothesis: evaluate_hypothesis per hypothesis (run_scan's path) on 1 and all
    // threads; batched_cpu / batched_cuda: compile, pack one model_batch, batch_hypotest.
    struct curve { std::string path, batched; int threads; long max_n; };
    std::vector<curve> curves = {{"per_hypothesis", "", 1, 1000}};
    if (c.all_threads > 1) curves.push_back({"per_hypothesis", "", c.all_threads, 1L << 40});
    curves.push_back({"batched_cpu", "cpu", c.all_threads, 1L << 40});
    if (cuda_device_count() > 0) curves.push_back({"batched_cuda", "cuda", c.all_threads, 1L << 40});
    for (const auto& cv : curves)
      for (long n : sizes) {
        if (n > cv.max_n) continue;
        std::cerr << "hfx bench: scaling batch " << cv.path << " threads=" << cv.threads << " n=" << n << std::endl;
        const json r = child_run(c, base_config, cv.threads, n, "all", 0, {}, cv.batched);
        f << cv.path << "," << cv.threads << "," << n << "," << r["wall_s"].get<double>() << ","
          << r["wall_s"].get<double>() / n << "," << r["peak_rss_kib"].get<long>() << "\n";
      }
  }
  {
    std::ofstream f(out_dir / "scaling_model.csv");
    f << "model,copies,n_pars,n_bins,n_hyp,s_apply,s_compile,s_hypotest,s_per_hyp\n";
    const scan_config cfg = load_scan_config(base_config);
    const json ws = load_json_file(cfg.workspace);
    const patchset ps = load_patchset(cfg.patchset);
    model_options mo;
    if (cfg.measurement) mo.measurement = *cfg.measurement;
    std::vector<int> copies = c.quick ? std::vector<int>{1, 2, 4} : std::vector<int>{1, 2, 4, 8, 16};
    for (int cp : copies) {
      // Dense solves grow ~ n_pars^3: fewer hypotheses for the big models.
      const int n_hyp = c.quick ? 2 : cp >= 8 ? 2 : 5;
      std::cerr << "hfx bench: scaling model copies=" << cp << std::endl;
      double ta = 0, tc = 0, th = 0;
      int P = 0, B = 0;
      for (int k = 0; k < n_hyp; ++k) {
        const patch_entry& pe = ps.patches[std::size_t(k) * ps.patches.size() / n_hyp];
        auto t0 = clock_type::now();
        const json w = replicate_channels(apply_patch(ws, ps, pe), cp, cfg.workspace);
        ta += since(t0);
        t0 = clock_type::now();
        const compiled_model m = compile_model(w, mo, cfg.workspace);
        tc += since(t0);
        t0 = clock_type::now();
        hypotest_engine eng(m.view(), {});
        (void)eng.at(cfg.mu_test);
        th += since(t0);
        P = m.n_pars;
        B = m.n_bins;
      }
      f << fs::path(base_config).stem().string() << "," << cp << "," << P << "," << B << "," << n_hyp << ","
        << ta / n_hyp << "," << tc / n_hyp << "," << th / n_hyp << "," << (ta + tc + th) / n_hyp << "\n";
    }
  }
}

int cmd_bench(const std::vector<std::string>& args) {
  arg_parser p("hfx bench",
               "hfx bench [--quick] [--json-out FILE] [--scaling-out DIR] [--threads N] [--pyhf-sample N] [--no-pyhf]");
  p.flag("--quick", "a short run: fewer hypotheses, 1 pyhf patch per model, no 100k memory run");
  p.option("--json-out", "write the table and all measurements as JSON");
  p.option("--scaling-out", "also measure scaling curves and write DIR/scaling_{batch,model}.csv");
  p.option("--threads", "the 'all threads' count (0 = all hardware threads)", std::string("0"));
  p.option("--pyhf-sample", "patches per model timed with pyhf", std::string("4"));
  p.option("--tolerances", "pyhf optimizer tolerances to time (comma list; 'default' = pyhf's)",
           std::string("1e-10,default"));
  p.flag("--no-pyhf", "do not run pyhf");
  p.option("--models", "comma list of rows: sbottom_RegionA,sbottom_RegionB,sbottom_RegionC,staus_combined,"
           "synthetic_1k,synthetic_10k,synthetic_100k (default: all; --quick: no 100k)");
  p.option("--root", "the hfx source tree (scan-configs/, bench/); default: found from here or the executable");
  p.option("--seed", "synthetic grid seed", std::string("1"));
  // The child run (internal).
  p.option("--child", "(internal) run one timed measurement of this scan config");
  p.option("--size", "(internal) synthetic grid size, 0 = the real patchset", std::string("0"));
  p.option("--select", "(internal) slice selection", std::string("all"));
  p.option("--limit", "(internal) at most this many hypotheses", std::string("0"));
  p.option("--batched", "(internal) batched path on backend cpu|cuda (default: per-hypothesis path)", std::string(""));
  p.option("--chunk", "(internal) hypotheses compiled and batched at a time (batched path; 0 = 4096 on cpu, 16384 on cuda)",
           std::string("0"));
  p.multi("--cls-for", "(internal) report CLs of this hypothesis");
  if (!p.parse(args)) return 0;
  p.require_positionals(0, 0);
  if (p.has("--child")) return run_bench_child(p);

  bench_ctx c;
  c.root = find_root(p.get_opt("--root"));
  c.exe = fs::read_symlink("/proc/self/exe");
  c.quick = p.has("--quick");
  c.all_threads = resolve_threads(int(p.get_int("--threads")));
  c.pyhf_sample = c.quick ? 1 : int(p.get_int("--pyhf-sample"));
  c.tolerances = p.get("--tolerances");
  c.seed = std::uint64_t(p.get_int("--seed"));
  c.pyhf_disabled = p.has("--no-pyhf");
  if (!c.pyhf_disabled) {
    const char* env = std::getenv("PYHF_PY");
    const std::string py = env && *env ? env : "python3";
    if (std::system((shell_quote(py) + " -c 'import pyhf, scipy, jsonpatch' >/dev/null 2>&1").c_str()) == 0)
      c.pyhf = shell_quote(py);
  }
  char tmpl[] = "/tmp/hfx_bench_XXXXXX";
  if (!mkdtemp(tmpl)) throw error("cannot create a temporary directory");
  c.tmp = tmpl;

  const fs::path cfgs = c.root / "scan-configs";
  const std::string base = (cfgs / "sbottom_RegionA.json").string();
  struct spec { std::string label, config; long size, limit_1t, limit_all; };
  // Quick: every 8th real patch; 1 thread on at most 40 (synthetic: 100) hypotheses.
  const long q1 = c.quick ? 40 : 0, qs = c.quick ? 100 : 1000;
  std::vector<spec> specs = {
      {"sbottom_RegionA", (cfgs / "sbottom_RegionA.json").string(), 0, q1, c.quick ? 28 : 0},
      {"sbottom_RegionB", (cfgs / "sbottom_RegionB.json").string(), 0, q1, c.quick ? 28 : 0},
      {"sbottom_RegionC", (cfgs / "sbottom_RegionC.json").string(), 0, q1, c.quick ? 28 : 0},
      {"staus_combined", (cfgs / "staus_combined.json").string(), 0, q1, c.quick ? 8 : 0},
      {"synthetic_1k", base, 1000, qs, c.quick ? 300 : 0},
      {"synthetic_10k", base, 10000, qs, c.quick ? 1000 : 0},
      {"synthetic_100k", base, 100000, qs, 0},
  };
  std::vector<std::string> wanted;
  if (auto m = p.get_opt("--models")) {
    std::stringstream ss(*m);
    for (std::string s; std::getline(ss, s, ',');) wanted.push_back(s);
  } else {
    for (const auto& s : specs)
      if (!(c.quick && s.size == 100000)) wanted.push_back(s.label);
  }
  json rows = json::array();
  const auto t0 = clock_type::now();
  for (const auto& w : wanted) {
    auto it = std::find_if(specs.begin(), specs.end(), [&](const spec& s) { return s.label == w; });
    if (it == specs.end()) throw usage_error("--models: unknown row '" + w + "'");
    rows.push_back(bench_row(c, it->label, it->config, it->size, it->limit_1t, it->limit_all));
  }
  print_table(rows, c);
  // Memory: run_scan keeps the whole parsed patchset in memory (load_patchset) during a scan.
  for (const auto& r : rows)
    if (!r["synthetic"].get<bool>()) {
      const double per = r["hfx_all"]["patchset_rss_kib"].get<double>() / r["hfx_all"]["patchset_patches"].get<double>();
      std::printf("%s: loading the patchset grew RSS by ~%.0f KiB per patch (run_scan keeps the parsed patchset "
                  "for the whole scan: ~%.1f GiB for 100k such patches)\n",
                  r["model"].get<std::string>().c_str(), per, per * 1e5 / (1024.0 * 1024.0));
    }
  if (auto d = p.get_opt("--scaling-out")) scaling(c, *d, base);
  json doc = {{"machine", {{"cpu", cpu_model()}, {"hardware_threads", resolve_threads(0)},
                           {"cuda_devices", cuda_device_count()}, {"cuda", cuda_device_description()}}},
              {"threads_all", c.all_threads}, {"quick", c.quick}, {"seed", c.seed},
              {"pyhf", c.pyhf_disabled ? json("not run") : c.pyhf.empty() ? json("not installed") : json(c.pyhf)}, {"wall_s", since(t0)}, {"rows", rows}};
  if (auto f = p.get_opt("--json-out")) std::ofstream(*f) << doc.dump(1) << "\n";
  std::error_code ec;
  fs::remove_all(c.tmp, ec);
  return 0;
}

HFX_COMMAND("bench", "throughput of hfx (and pyhf when installed) on bundled likelihoods and synthetic grids",
            cmd_bench);

}  // namespace
}  // namespace hfx::cli
