#include "hfx/scan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>

#include <unistd.h>

#include "hfx/batch_limits.hpp"
#include "hfx/error.hpp"
#include "hfx/hypotest_session.hpp"
#include "hfx/infer.hpp"
#include "hfx/model_batch.hpp"
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

// A record's limit fields from a search result.
void fill_limits(scan_record& rec, const upper_limit_result& ul, const scan_options& opt) {
  rec.UL_obs = ul.obs;
  expected_set ue;
  for (int i = 0; i < n_expected; ++i) ue[i] = ul.exp[i];
  rec.UL_exp = ue;
  rec.limit_status = limit_status_text(ul, opt.limit_options.max_poi);
}

// Upper limits of one hypothesis (TOMS748 with pyhf's bracket), on the CPU engine.
void fill_limits(scan_record& rec, hypotest_engine& eng, const compiled_model& m, const scan_options& opt) {
  hypotest_batch_fn f = [&](const std::vector<double>& mus) {
    std::vector<hypotest_values> out;
    out.reserve(mus.size());
    for (double mu : mus) out.push_back(hypotest_result(opt.stat, eng.at(mu).cls));
    return out;
  };
  fill_limits(rec, toms748_scan(f, m.lo[m.poi], m.hi[m.poi], opt.limit_options), opt);
}

json record_values(const patchset& ps, const patch_entry& pe) {
  try {
    return label_values(json(ps.labels), pe.values);
  } catch (const error&) {
    return json::object();
  }
}

scan_record base_record(const patchset& ps, const patch_entry& pe, const scan_options& opt) {
  scan_record rec;
  rec.patch = pe.name;
  rec.values = record_values(ps, pe);
  rec.mu_test = opt.mu_test;
  rec.test_stat = test_stat_name(opt.stat);
  rec.label_order = ps.labels;
  return rec;
}

scan_record failed_record(const patchset& ps, const patch_entry& pe, const scan_options& opt, const std::string& msg,
                          double time_s) {
  scan_record rec = error_record(pe.name, record_values(ps, pe), opt.mu_test, test_stat_name(opt.stat), msg, time_s);
  rec.label_order = ps.labels;
  return rec;
}

}  // namespace

namespace {

// One hypothesis from the model `compile` gives (no I/O); failures become an error record.
template <class Compile>
scan_record evaluate_with(const Compile& compile, const patchset& ps, const patch_entry& pe, const scan_options& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  try {
    compiled_model m = compile();
    hypotest_options hopt;
    hopt.stat = opt.stat;
    hopt.settings = opt.settings;
    hypotest_engine eng(m.view(), hopt);
    scan_record rec = base_record(ps, pe, opt);
    fill_hypotest(rec, opt.stat, eng.at(opt.mu_test));
    if (opt.limits) fill_limits(rec, eng, m, opt);
    rec.time_s = seconds_since(t0);
    return rec;
  } catch (const error& e) {
    return failed_record(ps, pe, opt, e.what(), seconds_since(t0));
  }
}

std::string model_file(const std::string& ws_file, const patch_entry& pe) { return ws_file + " + patch " + pe.name; }

}  // namespace

scan_record evaluate_hypothesis(const json& ws, const std::string& ws_file, const patchset& ps,
                                std::size_t patch_index, const scan_options& opt) {
  const patch_entry& pe = ps.patches[patch_index];
  return evaluate_with([&] { return compile_model(apply_patch(ws, ps, pe), opt.model, model_file(ws_file, pe)); },
                       ps, pe, opt);
}

scan_record evaluate_hypothesis(const prepared_workspace& ws, const patchset& ps, std::size_t patch_index,
                                const scan_options& opt) {
  const patch_entry& pe = ps.patches[patch_index];
  return evaluate_with([&] { return ws.compile_patched(ps, pe, opt.model, model_file(ws.file(), pe)); }, ps, pe, opt);
}

namespace {

// The batched path for one round of patches: compile in parallel, batch, test with the
// batch backend, then (if asked) limits per hypothesis. Returns one record per item.
std::vector<scan_record> evaluate_round(const prepared_workspace& ws, const patchset& ps,
                                        const std::vector<std::size_t>& idx, const scan_options& opt) {
  const std::size_t n = idx.size();
  std::vector<std::optional<scan_record>> out(n);
  std::vector<std::optional<compiled_model>> models(n);
  std::vector<double> t_compile(n, 0.0);
  parallel_for(n, opt.threads, [&](std::size_t k, int) {
    const auto t0 = std::chrono::steady_clock::now();
    const patch_entry& pe = ps.patches[idx[k]];
    try {
      compiled_model m = ws.compile_patched(ps, pe, opt.model, model_file(ws.file(), pe));
      check_hypotest_model(m.view());  // the engine path's POI checks and messages
      models[k] = std::move(m);
    } catch (const error& e) {
      out[k] = failed_record(ps, pe, opt, e.what(), seconds_since(t0));
    }
    t_compile[k] = seconds_since(t0);
  });
  std::vector<compiled_model> good;
  std::vector<std::size_t> good_k;
  for (std::size_t k = 0; k < n; ++k)
    if (models[k]) {
      good_k.push_back(k);
      good.push_back(std::move(*models[k]));  // the batch keeps what the tests need
    }
  batch_options bopt;
  bopt.hypotest.stat = opt.stat;
  bopt.hypotest.settings = opt.settings;
  bopt.threads = opt.threads;
  const auto tb = std::chrono::steady_clock::now();
  std::vector<model_batch> batches = make_batches(std::move(good));
  for (const auto& mb : batches) {
    std::vector<hypotest_record> recs;
    std::vector<upper_limit_result> limits;
    if (opt.limits) {
      // One session per batch: the mu-independent fits once per hypothesis, then the test at
      // mu_test (the same records as batch_hypotest) and the limit search's rounds.
      hypotest_session session(mb.view(), bopt, opt.backend);
      std::vector<std::int32_t> all(std::size_t(mb.view().n_hyp));
      std::iota(all.begin(), all.end(), 0);
      recs = session.at(all, std::vector<double>(all.size(), opt.mu_test));
      limits = batch_upper_limits(session, mb.view(), opt.stat, opt.limit_options);
    } else {
      recs = batch_hypotest(mb.view(), opt.mu_test, bopt, opt.backend);
    }
    for (std::size_t h = 0; h < recs.size(); ++h) {
      const std::size_t k = good_k[mb.source_index[h]];
      scan_record rec = base_record(ps, ps.patches[idx[k]], opt);
      fill_hypotest(rec, opt.stat, to_outcome(recs[h]));
      if (opt.limits) fill_limits(rec, limits[h], opt);
      out[k] = std::move(rec);
    }
  }
  // The batch time is shared evenly by its hypotheses.
  const double per_hyp = good_k.empty() ? 0.0 : seconds_since(tb) / double(good_k.size());
  std::vector<scan_record> res;
  res.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (models[k]) out[k]->time_s = t_compile[k] + per_hyp;  // compiled (the model itself moved into a batch)
    res.push_back(std::move(*out[k]));
  }
  return res;
}

}  // namespace

scan_summary run_scan(const scan_options& opt, const std::function<void(const scan_record&)>& on_record) {
  const auto t0 = std::chrono::steady_clock::now();
  scan_summary sum;
  const json ws = load_json_file(opt.workspace);
  validate_workspace(ws, opt.workspace);
  const patchset ps = load_patchset(opt.patchset);
  if (opt.verify) verify_patchset(ps, ws, opt.workspace);
  const prepared_workspace prepared(ws, opt.workspace);  // the background parsed once

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

  if (opt.batched) {
    const std::size_t round = std::size_t(std::max(1, opt.batch_size));
    for (std::size_t c0 = 0; c0 < todo.size() && !interrupt.interrupted(); c0 += round) {
      std::vector<std::size_t> idx(todo.begin() + c0, todo.begin() + std::min(todo.size(), c0 + round));
      std::vector<scan_record> recs = evaluate_round(prepared, ps, idx, opt);
      for (auto& rec : recs) {
        ++sum.computed;
        if (rec.failed()) ++sum.failed;
        for (const auto& [name, st] : rec.status)
          if (st != "converged") { ++sum.not_converged; break; }
        progress.add(1, rec.failed() ? 1 : 0);
        if (writer) writer->write(rec);
        if (on_record) on_record(rec);
      }
    }
    todo.clear();
  }
  parallel_for(todo.size(), opt.threads, [&](std::size_t k, int) {
    std::optional<scan_record> rec;
    if (!interrupt.interrupted()) rec = evaluate_hypothesis(prepared, ps, todo[k], opt);
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
