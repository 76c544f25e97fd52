// Exclusion contours from scan records: slice selection, log10 interpolation on a Delaunay
// triangulation, JSON and CSV output. See include/hfx/contour.hpp.
#include "hfx/contour.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <sstream>

#include "hfx/error.hpp"

namespace hfx {
namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
// Label values are matched to --where values up to this relative difference: the values
// come from JSON text on both sides, so only a rounding-level slack is needed.
constexpr double where_rel_tol = 1e-9;
// CLs = 0 (underflow of a strongly excluded point) is clamped here before taking log10.
constexpr double cls_floor = 1e-300;
// Names listed at most in messages (values present, duplicate patches).
constexpr size_t max_listed = 12;

std::string num_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

bool same_value(double a, double b) { return std::abs(a - b) <= where_rel_tol * std::max(1.0, std::abs(b)); }

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::string list_values(const std::set<double>& vals) {
  std::vector<std::string> t;
  for (double v : vals) {
    if (t.size() == max_listed) { t.push_back("..."); break; }
    t.push_back(num_text(v));
  }
  return join(t);
}

std::string record_name(size_t i, const scan_record& r) {
  return "record " + std::to_string(i + 1) + " (patch '" + r.patch + "')";
}

double label_value(const scan_record& r, size_t i, const std::string& label, const std::string& file) {
  if (!r.values.is_object() || !r.values.contains(label))
    throw input_error(file, "/values", record_name(i, r) + " has no label '" + label + "'");
  const json& v = r.values[label];
  if (!v.is_number())
    throw input_error(file, "/values/" + json_pointer_escape(label),
                      record_name(i, r) + ": expected a number, got " + std::string(v.type_name()));
  return v.get<double>();
}

}  // namespace

const char* quantity_name(contour_quantity q) { return q == contour_quantity::cls ? "cls" : "ul"; }
contour_quantity parse_quantity(const std::string& s) {
  if (s == "cls") return contour_quantity::cls;
  if (s == "ul") return contour_quantity::ul;
  throw usage_error("--quantity must be cls or ul, got '" + s + "'");
}
const char* axis_scale_name(axis_scale s) { return s == axis_scale::none ? "none" : "range"; }
axis_scale parse_axis_scale(const std::string& s) {
  if (s == "none") return axis_scale::none;
  if (s == "range") return axis_scale::range;
  throw usage_error("--scale must be none or range, got '" + s + "'");
}

std::pair<std::string, double> parse_where(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw usage_error("--where expects LABEL=VALUE, got '" + text + "'");
  const std::string label = text.substr(0, eq), val = text.substr(eq + 1);
  size_t used = 0;
  double v = nan_v;
  try {
    v = std::stod(val, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != val.size() || !std::isfinite(v))
    throw usage_error("--where " + label + ": '" + val + "' is not a number");
  return {label, v};
}

grid_slice select_slice(const std::vector<scan_record>& records, const slice_spec& spec, const std::string& file) {
  grid_slice g;
  g.spec = spec;
  g.file = file;
  g.n_records = records.size();
  if (spec.x.empty()) throw usage_error("the x axis needs a label (--x)");
  if (spec.x == spec.y) throw usage_error("--x and --y name the same label '" + spec.x + "'");
  const scan_record* first = nullptr;
  for (const auto& r : records) {
    if (r.failed()) ++g.n_failed;
    else if (!first) first = &r;
  }
  if (!first)
    throw input_error(file, "", "no successful record (" + std::to_string(records.size()) + " records, " +
                                    std::to_string(g.n_failed) + " failed)");
  if (!first->values.is_object()) throw input_error(file, "/values", "record values are not an object");
  std::vector<std::string> labels;
  for (auto it = first->values.begin(); it != first->values.end(); ++it) labels.push_back(it.key());
  auto known = [&](const std::string& l) { return std::find(labels.begin(), labels.end(), l) != labels.end(); };
  std::vector<std::string> named = {spec.x};
  if (!spec.y.empty()) named.push_back(spec.y);
  for (const auto& [l, v] : spec.where) {
    if (l == spec.x || l == spec.y) throw usage_error("label '" + l + "' is an axis and cannot be fixed by --where");
    named.push_back(l);
  }
  for (const auto& l : named)
    if (!known(l)) throw input_error(file, "/values", "no label '" + l + "'; the records' labels are " + join(labels));
  // Distinct values of each label among successful records, for the messages below.
  auto values_of = [&](const std::string& l) {
    std::set<double> s;
    for (size_t i = 0; i < records.size(); ++i)
      if (!records[i].failed()) s.insert(label_value(records[i], i, l, file));
    return s;
  };
  for (const auto& l : labels)
    if (std::find(named.begin(), named.end(), l) == named.end())
      throw input_error(file, "/values",
                        "the records' labels are " + join(labels) + ": fix '" + l + "' with --where " + l +
                            "=VALUE (values present: " + list_values(values_of(l)) + ")");

  const bool cls = spec.quantity == contour_quantity::cls;
  for (const auto& [key, idx] : contour_curves) g.value[key];
  std::map<std::pair<double, double>, size_t> seen;
  std::vector<std::string> dup_names;
  size_t n_missing = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const scan_record& r = records[i];
    if (r.failed()) continue;
    bool match = true;
    for (const auto& [l, w] : spec.where) match = match && same_value(label_value(r, i, l, file), w);
    if (!match) { ++g.n_other_slices; continue; }
    const double x = label_value(r, i, spec.x, file);
    const double y = spec.y.empty() ? 0.0 : label_value(r, i, spec.y, file);
    if (!seen.emplace(std::make_pair(x, y), i).second) {
      ++g.n_duplicates;
      if (dup_names.size() < max_listed) dup_names.push_back(r.patch);
      continue;
    }
    const std::optional<double>& obs = cls ? r.CLs_obs : r.UL_obs;
    const std::optional<expected_set>& exp = cls ? r.CLs_exp : r.UL_exp;
    if (cls && !obs && !exp) {
      if (r.p0 || r.p0_exp)
        throw input_error(file, "/CLs_obs", record_name(i, r) + " carries p0 (test statistic q0), not CLs: contours need a scan with qtilde or q");
      throw input_error(file, "/CLs_obs", record_name(i, r) + " has neither CLs_obs nor CLs_exp");
    }
    if (!obs || !exp) ++n_missing;
    g.x.push_back(x);
    g.y.push_back(y);
    g.patch.push_back(r.patch);
    for (const auto& [key, idx] : contour_curves) {
      double v = nan_v;
      if (idx < 0 && obs) v = *obs;
      if (idx >= 0 && exp) v = (*exp)[size_t(idx)];
      g.value[key].push_back(std::isfinite(v) ? v : nan_v);
    }
  }
  std::string where_text;
  for (const auto& [l, w] : spec.where) where_text += (where_text.empty() ? "" : ", ") + l + "=" + num_text(w);
  if (g.size() == 0) {
    std::string present;
    for (const auto& [l, w] : spec.where) present += "; " + l + " values present: " + list_values(values_of(l));
    throw input_error(file, "/values", "no successful record matches " + where_text + present);
  }
  if (!cls && n_missing == g.size())
    throw input_error(file, "/UL_obs", "no record in the slice has upper limits: run hfx scan with --limits");
  if (g.n_failed) g.warnings.push_back(std::to_string(g.n_failed) + " failed records (with \"error\") skipped");
  if (n_missing)
    g.warnings.push_back(std::to_string(n_missing) + " records in the slice lack " +
                         (cls ? "CLs_obs or CLs_exp" : "UL_obs or UL_exp (e.g. no crossing in the limit scan)"));
  if (g.n_duplicates)
    g.warnings.push_back(std::to_string(g.n_duplicates) + " records repeat a point already taken (first kept): " +
                         join(dup_names));
  return g;
}

contour_set compute_contours(const grid_slice& g, const contour_options& opt) {
  if (g.spec.y.empty()) throw usage_error("contours need two axes (--x and --y)");
  contour_set c;
  c.x = g.spec.x;
  c.y = g.spec.y;
  c.where = g.spec.where;
  c.quantity = g.spec.quantity;
  c.level = opt.level.value_or(g.spec.quantity == contour_quantity::cls ? 0.05 : 1.0);
  c.log10_space = opt.log10_space;
  c.scale = opt.scale;
  c.n_points = g.size();
  if (!std::isfinite(c.level) || (c.log10_space && c.level <= 0))
    throw usage_error("--level must be a finite number" + std::string(c.log10_space ? " > 0 (log10 interpolation)" : ""));
  c.field_level = c.log10_space ? std::log10(c.level) : c.level;

  const size_t n = g.size();
  double x0 = g.x[0], x1 = g.x[0], y0 = g.y[0], y1 = g.y[0];
  for (size_t i = 0; i < n; ++i) {
    x0 = std::min(x0, g.x[i]), x1 = std::max(x1, g.x[i]);
    y0 = std::min(y0, g.y[i]), y1 = std::max(y1, g.y[i]);
  }
  // axis_scale::range: u = (x - x0) / (x1 - x0); a flat axis keeps unit scale.
  const bool scaled = c.scale == axis_scale::range;
  const double sx = scaled && x1 > x0 ? x1 - x0 : 1.0, sy = scaled && y1 > y0 ? y1 - y0 : 1.0;
  const double ox = scaled ? x0 : 0.0, oy = scaled ? y0 : 0.0;

  std::map<std::string, std::vector<double>> field;
  std::vector<char> band_ok(n, 1);  // exp_m1 and exp_p1 finite: the +-1 sigma band's points
  for (const auto& [key, idx] : contour_curves) {
    std::vector<double> f(n, nan_v);
    const std::vector<double>& v = g.value.at(key);
    for (size_t i = 0; i < n; ++i) {
      double z = v[i];
      if (std::isfinite(z) && c.log10_space) {
        if (z <= 0 && !(z == 0 && c.quantity == contour_quantity::cls))
          throw input_error(g.file, "/" + std::string(c.quantity == contour_quantity::cls ? "CLs" : "UL") +
                                        (idx < 0 ? "_obs" : "_exp/" + std::to_string(idx)),
                            "patch '" + g.patch[i] + "': value " + num_text(z) + " <= 0 has no log10");
        z = std::log10(std::max(z, cls_floor));
      }
      f[i] = z;
      if (!std::isfinite(z) && (idx == 1 || idx == 3)) band_ok[i] = 0;
    }
    field[key] = std::move(f);
  }

  std::string slice_text = c.x + " x " + c.y;
  for (const auto& [l, w] : c.where) slice_text += ", " + l + "=" + num_text(w);
  std::map<std::vector<int>, triangulation> meshes;  // by the set of points used
  for (const auto& [key, idx] : contour_curves) {
    const std::vector<double>& f = field[key];
    std::vector<int> use;
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(f[i])) use.push_back(int(i));
    c.dropped[key] = n - use.size();
    auto it = meshes.find(use);
    if (it == meshes.end()) {
      std::vector<point2> pts;
      for (int i : use) pts.push_back({(g.x[size_t(i)] - ox) / sx, (g.y[size_t(i)] - oy) / sy});
      try {
        it = meshes.emplace(use, delaunay(std::move(pts))).first;
      } catch (const model_error& e) {
        throw model_error(std::string("contour '") + key + "' of " + slice_text + " (" + std::to_string(use.size()) +
                          " points with a finite value): " + e.what());
      }
    }
    std::vector<double> fz;
    for (int i : use) fz.push_back(f[size_t(i)]);
    std::vector<polyline> lines = level_lines(it->second, fz, c.field_level);
    for (polyline& l : lines)
      for (point2& p : l) p = {ox + sx * p.x, oy + sy * p.y};
    if (lines.empty()) {
      const auto [lo, hi] = std::minmax_element(fz.begin(), fz.end());
      const auto shown = [&](double v) { return num_text(c.log10_space ? std::pow(10.0, v) : v); };
      c.warnings.push_back(std::string("curve '") + key + "' does not cross " + num_text(c.level) + " (values " +
                           shown(*lo) + " .. " + shown(*hi) + ")");
    }
    c.lines[key] = std::move(lines);
  }

  if (c.warnings.size() == contour_curves.size())
    throw model_error("no contour in " + slice_text + ": no curve crosses " + std::string(quantity_name(c.quantity)) +
                      " = " + num_text(c.level) + "; " + c.warnings.front());

  // The mesh of the points where the +-1 sigma curves are finite, in x/y units, for plots.
  std::vector<int> use;
  for (size_t i = 0; i < n; ++i)
    if (band_ok[i]) use.push_back(int(i));
  auto it = meshes.find(use);
  if (it == meshes.end() && use.size() >= 3) {  // the two curves lack values at different points
    std::vector<point2> pts;
    for (int i : use) pts.push_back({(g.x[size_t(i)] - ox) / sx, (g.y[size_t(i)] - oy) / sy});
    try {
      it = meshes.emplace(use, delaunay(std::move(pts))).first;
    } catch (const model_error&) {  // no common mesh: plots draw the band as lines
    }
  }
  if (it != meshes.end()) {
    c.mesh = it->second;
    for (size_t k = 0; k < use.size(); ++k) c.mesh.points[k] = {g.x[size_t(use[k])], g.y[size_t(use[k])]};
    for (const auto& [key, idx] : contour_curves) {
      std::vector<double>& fz = c.field[key];
      for (int i : use) fz.push_back(field[key][size_t(i)]);
    }
  }
  return c;
}

ordered_json contours_to_json(const contour_set& c) {
  ordered_json j;
  j["x"] = c.x;
  j["y"] = c.y;
  j["where"] = ordered_json::object();
  for (const auto& [l, w] : c.where) j["where"][l] = w;
  j["quantity"] = quantity_name(c.quantity);
  j["level"] = c.level;
  j["interpolation"] = c.log10_space ? "log10" : "linear";
  j["scale"] = axis_scale_name(c.scale);
  j["n_points"] = c.n_points;
  j["dropped"] = ordered_json::object();
  j["contours"] = ordered_json::object();
  for (const auto& [key, idx] : contour_curves) {
    j["dropped"][key] = c.dropped.count(key) ? c.dropped.at(key) : 0;
    ordered_json lines = ordered_json::array();
    if (c.lines.count(key))
      for (const polyline& l : c.lines.at(key)) {
        ordered_json pts = ordered_json::array();
        for (const point2& p : l) pts.push_back({p.x, p.y});
        lines.push_back(std::move(pts));
      }
    j["contours"][key] = std::move(lines);
  }
  return j;
}

std::string contours_to_csv(const contour_set& c) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::ostringstream o;
  o << "curve,line," << quote(c.x) << "," << quote(c.y) << "\n";
  for (const auto& [key, idx] : contour_curves) {
    if (!c.lines.count(key)) continue;
    const auto& lines = c.lines.at(key);
    for (size_t k = 0; k < lines.size(); ++k)
      for (const point2& p : lines[k]) o << key << "," << k << "," << json(p.x).dump() << "," << json(p.y).dump() << "\n";
  }
  return o.str();
}

}  // namespace hfx
