// hfx cls / hfx limit: asymptotic CLs at a test POI value, and upper limits.
#include <iostream>
#include <sstream>

#include "cli.hpp"
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

int cmd_cls(const std::vector<std::string>& args) {
  arg_parser p("hfx cls", "hfx cls WS [--patchset PS --patch NAME] [--mu 1.0] [--test-stat qtilde|q|q0] [--json]");
  add_model_options(p);
  p.option("--mu", "test value of the POI", std::string("1.0"), {"--test-poi"});
  p.option("--test-stat", "qtilde | q | q0", std::string("qtilde"));
  p.option("--backend", "cpu|cuda|auto", std::string("auto"));
  p.flag("--json", "print JSON (the default output is JSON too, like pyhf cls)");
  p.flag("--details", "also print muhat, test statistics and each fit's twice_nll and status");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  resolve_backend(p.get("--backend"), false);
  const double mu = p.get_double("--mu");
  hypotest_options opt;
  opt.stat = parse_test_stat(p.get("--test-stat"));
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  hypotest_engine eng(lm.model.view(), opt);
  hypotest_outcome r = eng.at(mu);
  hypotest_values hv = hypotest_result(opt.stat, r.cls);
  json out;
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
  return r.all_converged() ? 0 : 1;
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
  arg_parser p("hfx limit", "hfx limit WS [--patchset PS --patch NAME] [--scan LO:HI:N] [--level 0.05] [--json]");
  add_model_options(p);
  p.option("--scan", "grid LO:HI:N with linear interpolation (pyhf upper_limit(scan=...)); default: TOMS748 root finding");
  p.option("--level", "CLs level", std::string("0.05"));
  p.option("--max-poi", "largest POI value the bracket may grow to", std::string("10000"));
  p.option("--test-stat", "qtilde | q", std::string("qtilde"));
  p.option("--backend", "cpu|cuda|auto", std::string("auto"));
  p.flag("--json", "print JSON (the default output is JSON too)");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  resolve_backend(p.get("--backend"), false);
  hypotest_options opt;
  opt.stat = parse_test_stat(p.get("--test-stat"));
  if (opt.stat == test_stat::q0) throw usage_error("hfx limit: upper limits need qtilde or q");
  const double level = p.get_double("--level");
  if (!(level > 0.0 && level < 1.0)) throw usage_error("--level must be in (0, 1)");
  loaded_model lm = load_model_from_args(p, p.positionals()[0]);
  const compiled_model& m = lm.model;
  hypotest_engine eng(m.view(), opt);
  bool all_converged = true;
  hypotest_batch_fn f = [&](const std::vector<double>& mus) {
    std::vector<hypotest_values> out;
    for (double mu : mus) {
      hypotest_outcome r = eng.at(mu);
      all_converged = all_converged && r.all_converged();
      out.push_back(hypotest_result(opt.stat, r.cls));
    }
    return out;
  };
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
