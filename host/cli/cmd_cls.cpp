// hfx cls / hfx limit: asymptotic CLs at a test POI value, and upper limits.
#include <cstdint>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "hfx/batch_hypotest.hpp"
#include "hfx/hypotest_session.hpp"
#include "hfx/infer.hpp"
#include "hfx/limits.hpp"
#include "model_args.hpp"

namespace hfx::cli {

test_stat parse_test_stat(const std::string& s) {
  if (s == "qtilde") return test_stat::qtilde;
  if (s == "q") return test_stat::q;
  if (s == "q0") return test_stat::q0;
  throw usage_error("--test-stat must be qtilde, q or q0, got '" + s + "'");
}

namespace {

void warn_fits(const hypotest_outcome& r, const std::string& prog) {
  for (int i = 0; i < n_hypotest_fits; ++i)
    if (r.fits[i].status != fit_status::converged)
      std::cerr << prog << ": warning: fit '" << hypotest_fit_names[i]
                << "' did not converge: " << fit_status_name(r.fits[i].status) << "\n";
}

// "1.0" or "0.5,1,2" -> the POI values to test.
std::vector<double> parse_mu_list(const std::string& s) {
  std::vector<double> v;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) v.push_back(parse_double(t, "--mu"));
  if (v.empty() || s.back() == ',') throw usage_error("--mu expects a number or a comma-separated list, got '" + s + "'");
  return v;
}

// Hypothesis tests of hypothesis 0 of b (a single_batch) at each POI value of mus, in that
// order, on the batched path: one launch of hypotest_op over the items (0, mu_k) on `be`.
std::vector<hypotest_outcome> batched_hypotests(const batch_view& b, const std::vector<double>& mus,
                                                const hypotest_options& opt, backend_kind be) {
  batch_options bo;
  bo.hypotest = opt;
  const std::vector<hypotest_record> recs =
      batch_hypotest_items(b, std::vector<std::int32_t>(mus.size(), 0), mus, bo, be);
  std::vector<hypotest_outcome> out;
  for (const hypotest_record& r : recs) out.push_back(to_outcome(r));
  return out;
}

int cmd_cls(const std::vector<std::string>& args) {
  arg_parser p("hfx cls",
               "hfx cls WS [--patchset PS --patch NAME] [--mu 1.0[,MU2,...]] [--test-stat qtilde|q|q0] "
               "[--backend cpu|cuda|auto] [--batched] [--json]");
  add_model_options(p);
  p.option("--mu", "test value of the POI; a comma-separated list prints one line per value", std::string("1.0"),
           {"--test-poi"});
  p.option("--test-stat", "qtilde | q | q0", std::string("qtilde"));
  add_backend_options(p);
  p.flag("--json", "print JSON (the default output is JSON too, like pyhf cls)");
  p.flag("--details", "also print muhat, test statistics and each fit's twice_nll and status");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  const std::vector<double> mus = parse_mu_list(p.get("--mu"));
  hypotest_options opt;
  opt.stat = parse_test_stat(p.get("--test-stat"));
  const backend_choice bc = backend_from_args(p);
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  std::vector<hypotest_outcome> results;
  if (bc.batched) {
    check_hypotest_model(lm.model.view());  // the engine's checks (POI present and free)
    const model_batch mb = single_batch(lm.model);
    results = batched_hypotests(mb.view(), mus, opt, bc.kind);
  } else {
    // The per-hypothesis engine: the mu-independent fits once, each mu warm-started from the last.
    hypotest_engine eng(lm.model.view(), opt);
    for (double mu : mus) results.push_back(eng.at(mu));
  }
  bool all_converged = true;
  for (std::size_t k = 0; k < mus.size(); ++k) {
    const hypotest_outcome& r = results[k];
    const double mu = mus[k];
    hypotest_values hv = hypotest_result(opt.stat, r.cls);
    json out;
    if (mus.size() > 1) out["mu_test"] = mu;
    json exp = json::array();
    for (double e : hv.exp) exp.push_back(json_number(e));
    if (opt.stat == test_stat::q0) {
      out["p0"] = json_number(hv.obs);
      out["p0_exp"] = exp;
    } else {
      out["CLs_obs"] = json_number(hv.obs);
      out["CLs_exp"] = exp;
    }
    if (p.has("--details")) {
      out["mu_test"] = mu;
      out["muhat"] = json_number(r.muhat);
      out["q_obs"] = json_number(r.q_obs);
      out["q_asimov"] = json_number(r.q_asimov);
      json fits = json::object();
      for (int i = 0; i < n_hypotest_fits; ++i)
        fits[hypotest_fit_names[i]] = {{"twice_nll", json_number(r.fits[i].twice_nll)},
                                       {"status", fit_status_name(r.fits[i].status)},
                                       {"iterations", r.fits[i].iterations}};
      out["fits"] = fits;
    }
    std::cout << out.dump() << "\n";
    warn_fits(r, "hfx cls");
    all_converged = all_converged && r.all_converged();
  }
  return all_converged ? 0 : 1;
}

// "LO:HI:N" -> N evenly spaced values (numpy.linspace).
std::vector<double> parse_scan(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ':');) parts.push_back(t);
  if (parts.size() != 3) throw usage_error("--scan expects LO:HI:N, got '" + s + "'");
  const double lo = parse_double(parts[0], "--scan LO"), hi = parse_double(parts[1], "--scan HI");
  const double nd = parse_double(parts[2], "--scan N");
  const int n = int(nd);
  if (n < 2 || double(n) != nd || !(hi > lo)) throw usage_error("--scan needs N >= 2 integer and HI > LO");
  std::vector<double> v(n);
  const double step = (hi - lo) / (n - 1);
  for (int i = 0; i < n; ++i) v[i] = lo + i * step;
  v[n - 1] = hi;
  return v;
}

int cmd_limit(const std::vector<std::string>& args) {
  arg_parser p("hfx limit", "hfx limit WS [--patchset PS --patch NAME] [--scan LO:HI:N] [--level 0.05] [--backend cpu|cuda|auto] "
               "[--batched] [--json]");
  add_model_options(p);
  p.option("--scan", "grid LO:HI:N with linear interpolation (pyhf upper_limit(scan=...)); default: TOMS748 root finding");
  p.option("--level", "CLs level", std::string("0.05"));
  p.option("--max-poi", "largest POI value the bracket may grow to", std::string("10000"));
  p.option("--test-stat", "qtilde | q", std::string("qtilde"));
  add_backend_options(p);
  p.flag("--json", "print JSON (the default output is JSON too)");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  hypotest_options opt;
  opt.stat = parse_test_stat(p.get("--test-stat"));
  if (opt.stat == test_stat::q0) throw usage_error("hfx limit: upper limits need qtilde or q");
  const double level = p.get_double("--level");
  if (!(level > 0.0 && level < 1.0)) throw usage_error("--level must be in (0, 1)");
  const backend_choice bc = backend_from_args(p);
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  const compiled_model& m = lm.model;
  bool all_converged = true;
  hypotest_batch_fn f;
  std::optional<hypotest_engine> eng;
  std::optional<model_batch> mb;
  std::optional<hypotest_session> session;
  if (bc.batched) {
    check_hypotest_model(m.view());  // the engine's checks (POI present and free)
    mb.emplace(single_batch(m));
    // A hypotest_session: the mu-independent fits once, then every call of the limit search
    // = one launch over its POI values (2 fits each). Items warm-start from the free fits,
    // not from the previous mu as the engine does, so the limits agree with the engine path
    // to the fits' tolerance.
    batch_options bo;
    bo.hypotest = opt;
    session.emplace(mb->view(), bo, bc.kind);
    f = [&](const std::vector<double>& mus) {
      std::vector<hypotest_values> out;
      for (const hypotest_record& rec : session->at(std::vector<std::int32_t>(mus.size(), 0), mus)) {
        const hypotest_outcome r = to_outcome(rec);
        all_converged = all_converged && r.all_converged();
        out.push_back(hypotest_result(opt.stat, r.cls));
      }
      return out;
    };
  } else {
    eng.emplace(m.view(), opt);
    f = [&](const std::vector<double>& mus) {
      std::vector<hypotest_values> out;
      for (double mu : mus) {
        hypotest_outcome r = eng->at(mu);
        all_converged = all_converged && r.all_converged();
        out.push_back(hypotest_result(opt.stat, r.cls));
      }
      return out;
    };
  }
  upper_limit_result ul;
  if (auto sc = p.get_opt("--scan")) {
    ul = linear_grid_scan(f, parse_scan(*sc), level);
  } else {
    toms748_scan_options so;
    so.level = level;
    so.max_poi = p.get_double("--max-poi");
    ul = toms748_scan(f, m.lo[m.poi], m.hi[m.poi], so);
  }
  json out;
  out["obs"] = json_number(ul.obs);
  json exp = json::array();
  for (double e : ul.exp) exp.push_back(json_number(e));
  out["exp"] = exp;
  if (!ul.all_ok()) {
    json st = json::array();
    for (int c = 0; c < n_limit_curves; ++c) st.push_back(to_string(ul.status(c)));
    out["status"] = st;
  }
  std::cout << out.dump() << "\n";
  if (!all_converged) std::cerr << "hfx limit: warning: some fits did not converge\n";
  return 0;
}

}  // namespace

HFX_COMMAND("cls", "asymptotic CLs (observed and expected band) at a POI value", cmd_cls);
HFX_COMMAND("limit", "upper limits on the POI (observed and expected band)", cmd_limit);

}  // namespace hfx::cli
