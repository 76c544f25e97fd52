#include "hfx/scan.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>

#include <unistd.h>

#include "hfx/error.hpp"
#include "hfx/infer.hpp"
#include "hfx/parallel.hpp"
#include "hfx/patchset.hpp"
#include "hfx/scan_io.hpp"

namespace hfx {

const char* test_stat_name(test_stat t) {
  switch (t) {
    case test_stat::qtilde: return "qtilde";
    case test_stat::q: return "q";
    case test_stat::q0: return "q0";
    case test_stat::tmu: return "tmu";
    case test_stat::ttilde: return "ttilde";
  }
  return "?";
}

test_stat parse_test_stat_name(const std::string& s) {
  if (s == "qtilde") return test_stat::qtilde;
  if (s == "q") return test_stat::q;
  if (s == "q0") return test_stat::q0;
  throw usage_error("test statistic must be qtilde, q or q0, got '" + s + "'");
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Fills the CLs (or p0) fields, muhat and the per-fit values of a record.
void fill_hypotest(scan_record& rec, test_stat stat, const hypotest_outcome& r) {
  const hypotest_values hv = hypotest_result(stat, r.cls);
  expected_set e;
  for (int i = 0; i < n_expected; ++i) e[i] = hv.exp[i];
  if (stat == test_stat::q0) {
    rec.p0 = hv.obs;
    rec.p0_exp = e;
  } else {
    rec.CLs_obs = hv.obs;
    rec.CLs_exp = e;
  }
  rec.muhat = r.muhat;
  for (int i = 0; i < n_hypotest_fits; ++i) {
    rec.twice_nll[hypotest_fit_names[i]] = r.fits[i].twice_nll;
    rec.status[hypotest_fit_names[i]] = fit_status_name(r.fits[i].status);
  }
}

std::string limit_status_text(const upper_limit_result& ul, double max_poi) {
  if (ul.all_ok()) return "ok";
  static const char* names[n_limit_curves] = {"obs", "exp_m2", "exp_m1", "exp", "exp_p1", "exp_p2"};
  std::string s;
  for (int c = 0; c < n_limit_curves; ++c) {
    if (ul.status(c) == limit_status::ok) continue;
    if (!s.empty()) s += "; ";
    s += names[c];
    s += ": ";
    if (ul.status(c) == limit_status::no_crossing_below_max) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "no crossing below %g", max_poi);
      s += buf;
    } else {
      s += to_string(ul.status(c));
    }
  }
  return s;
}

}  // namespace

scan_record evaluate_hypothesis(const json& ws, const std::string& ws_file, const patchset& ps,
                                std::size_t patch_index, const scan_options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  const patch_entry& pe = ps.patches[patch_index];
  json values;
  try {
    values = label_values(json(ps.labels), pe.values);
  } catch (const error&) {
    values = json::object();
  }
  try {
    compiled_model m = compile_model(apply_patch(ws, ps, pe), opt.model, ws_file + " + patch " + pe.name);
    hypotest_options hopt;
    hopt.stat = opt.stat;
    hopt.settings = opt.settings;
    hypotest_engine eng(m.view(), hopt);
    hypotest_outcome r = eng.at(opt.mu_test);
    scan_record rec;
    rec.patch = pe.name;
    rec.values = values;
    rec.mu_test = opt.mu_test;
    rec.test_stat = test_stat_name(opt.stat);
    fill_hypotest(rec, opt.stat, r);
    if (opt.limits) {
      hypotest_batch_fn f = [&](const std::vector<double>& mus) {
        std::vector<hypotest_values> out;
        out.reserve(mus.size());
        for (double mu : mus) out.push_back(hypotest_result(opt.stat, eng.at(mu).cls));
        return out;
      };
      upper_limit_result ul = toms748_scan(f, m.lo[m.poi], m.hi[m.poi], opt.limit_options);
      rec.UL_obs = ul.obs;
      expected_set ue;
      for (int i = 0; i < n_expected; ++i) ue[i] = ul.exp[i];
      rec.UL_exp = ue;
      rec.limit_status = limit_status_text(ul, opt.limit_options.max_poi);
    }
    rec.time_s = seconds_since(t0);
    rec.label_order = ps.labels;
    return rec;
  } catch (const error& e) {
    scan_record rec = error_record(pe.name, values, opt.mu_test, test_stat_name(opt.stat), e.what(), seconds_since(t0));
    rec.label_order = ps.labels;
    return rec;
  }
}

scan_summary run_scan(const scan_options& opt, const std::function<void(const scan_record&)>& on_record) {
  const auto t0 = std::chrono::steady_clock::now();
  scan_summary sum;
  const json ws = load_json_file(opt.workspace);
  validate_workspace(ws, opt.workspace);
  const patchset ps = load_patchset(opt.patchset);
  if (opt.verify) verify_patchset(ps, ws, opt.workspace);

  std::vector<std::string> names;
  names.reserve(ps.patches.size());
  for (const auto& p : ps.patches) names.push_back(p.name);
  std::vector<std::size_t> selected;
  if (opt.select.empty()) {
    for (std::size_t i = 0; i < names.size(); ++i) selected.push_back(i);
  } else {
    selected = select_patches(names, opt.select);
  }
  sum.selected = selected.size();

  std::optional<scan_writer> writer;
  if (!opt.out.empty()) {
    scan_writer_options wo;
    wo.expect_mu_test = opt.mu_test;
    wo.expect_test_stat = test_stat_name(opt.stat);
    writer.emplace(opt.out, wo);
    if (!writer->recovery_note().empty()) std::cerr << "hfx scan: " << writer->recovery_note() << "\n";
  }
  std::vector<std::size_t> todo;
  for (std::size_t i : selected) {
    if (writer && writer->done(names[i])) ++sum.skipped;
    else todo.push_back(i);
  }

  progress_meter progress(sum.selected, sum.skipped, opt.progress ? &std::cerr : nullptr, opt.progress && isatty(2));
  scan_interrupt interrupt(opt.progress);

  // Reorder buffer: results are written in patchset order.
  std::mutex mu;
  std::map<std::size_t, std::optional<scan_record>> finished;
  std::size_t next_out = 0;
  auto flush_ready = [&]() {
    while (true) {
      auto it = finished.find(next_out);
      if (it == finished.end()) break;
      if (it->second) {
        const scan_record& rec = *it->second;
        if (writer) writer->write(rec);
        if (on_record) on_record(rec);
      }
      finished.erase(it);
      ++next_out;
    }
  };

  parallel_for(todo.size(), opt.threads, [&](std::size_t k, int) {
    std::optional<scan_record> rec;
    if (!interrupt.interrupted()) rec = evaluate_hypothesis(ws, opt.workspace, ps, todo[k], opt);
    std::lock_guard<std::mutex> lock(mu);
    if (rec) {
      ++sum.computed;
      if (rec->failed()) ++sum.failed;
      for (const auto& [name, st] : rec->status)
        if (st != "converged") { ++sum.not_converged; break; }
      progress.add(1, rec->failed() ? 1 : 0);
    }
    finished.emplace(k, std::move(rec));
    flush_ready();
  });
  progress.finish();
  if (writer) writer->close();
  sum.interrupted = interrupt.interrupted();
  sum.wall_s = seconds_since(t0);
  return sum;
}

}  // namespace hfx
