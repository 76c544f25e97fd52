// Exclusion and Brazil-band plots written as SVG by hand; PNG through rsvg-convert.
// See include/hfx/plot.hpp.
#include "hfx/plot.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "hfx/error.hpp"

extern char** environ;

namespace hfx {
namespace {

// Font sizes in px: with the default 900 px width printed 6.5 inches wide, 18 px is 9.4 pt.
constexpr double font_tick = 18, font_title = 22, font_legend = 17;
const char* const font_family = "DejaVu Sans, Helvetica, Arial, sans-serif";
// Colours: ATLAS-style exclusion plots (yellow +-1 sigma band, red observed), the usual
// green/yellow of Brazil plots.
const char* const c_obs = "#d62728";
const char* const c_exp = "#1f2f6b";
const char* const c_band1 = "#ffd92f";
const char* const c_green = "#33bb33";
const char* const c_yellow = "#ffee33";

std::string f2(double v) {  // coordinates: 0.01 px is far below what a renderer shows
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}
std::string tick_text(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return b;
}
std::string esc(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '&') o += "&amp;";
    else if (ch == '<') o += "&lt;";
    else if (ch == '>') o += "&gt;";
    else if (ch == '"') o += "&quot;";
    else o += ch;
  }
  return o;
}

// A data axis mapped to pixels [p0, p1] (p1 < p0 for the y axis).
struct axis {
  double lo, hi;
  bool log = false;
  double p0, p1;
  double map(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    return p0 + t * (p1 - p0);
  }
};

// Linear ticks at 1, 2 or 5 times a power of ten, about `target` of them.
std::vector<double> linear_ticks(double lo, double hi, int target) {
  const double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) { step = m * mag; break; }
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(v);
  return t;
}

// Pads a data range by 4% on each side (a point on the edge stays visible).
void pad_range(double& lo, double& hi) {
  if (hi <= lo) { lo -= 0.5; hi += 0.5; return; }
  const double d = 0.04 * (hi - lo);
  lo -= d;
  hi += d;
}

// viridis (matplotlib's default colour map), 9 anchors, interpolated linearly in RGB.
std::string viridis(double t) {
  static const std::array<std::array<int, 3>, 9> a = {{{68, 1, 84}, {71, 45, 123}, {59, 82, 139}, {44, 114, 142},
                                                       {33, 145, 140}, {40, 174, 128}, {94, 201, 98},
                                                       {173, 220, 48}, {253, 231, 37}}};
  t = std::clamp(t, 0.0, 1.0) * 8;
  const size_t i = std::min<size_t>(size_t(t), 7);
  const double f = t - double(i);
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x", int(std::lround(a[i][0] + f * (a[i + 1][0] - a[i][0]))),
                int(std::lround(a[i][1] + f * (a[i + 1][1] - a[i][1]))), int(std::lround(a[i][2] + f * (a[i + 1][2] - a[i][2]))));
  return b;
}

struct svg {
  std::ostringstream o;
  svg(double w, double h) {
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << f2(w)
      << "\" height=\"" << f2(h) << "\" viewBox=\"0 0 " << f2(w) << " " << f2(h) << "\" font-family=\"" << font_family
      << "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  }
  void text(double x, double y, const std::string& s, double size, const char* anchor = "middle", double rotate = 0,
            const std::string& extra = "") {
    o << "<text x=\"" << f2(x) << "\" y=\"" << f2(y) << "\" font-size=\"" << f2(size) << "\" text-anchor=\"" << anchor << "\"";
    if (rotate != 0) o << " transform=\"rotate(" << f2(rotate) << " " << f2(x) << " " << f2(y) << ")\"";
    o << extra << ">" << esc(s) << "</text>\n";
  }
  // "10^k" with a raised exponent.
  void power_of_ten(double x, double y, int k, double size, const char* anchor) {
    o << "<text x=\"" << f2(x) << "\" y=\"" << f2(y) << "\" font-size=\"" << f2(size) << "\" text-anchor=\"" << anchor
      << "\">10<tspan dy=\"" << f2(-0.45 * size) << "\" font-size=\"" << f2(0.7 * size) << "\">" << k << "</tspan></text>\n";
  }
  void line(double x0, double y0, double x1, double y1, const char* color, double w, const std::string& extra = "") {
    o << "<line x1=\"" << f2(x0) << "\" y1=\"" << f2(y0) << "\" x2=\"" << f2(x1) << "\" y2=\"" << f2(y1) << "\" stroke=\""
      << color << "\" stroke-width=\"" << f2(w) << "\"" << extra << "/>\n";
  }
  static std::string path_of(const std::vector<std::pair<double, double>>& pts, bool close) {
    std::string d;
    for (size_t i = 0; i < pts.size(); ++i) d += (i ? " L" : "M") + f2(pts[i].first) + " " + f2(pts[i].second);
    return close ? d + " Z" : d;
  }
};

// Frame, ticks, tick labels and axis titles.
void draw_axes(svg& s, const axis& ax, const axis& ay, const std::string& xt, const std::string& yt) {
  const double L = ax.p0, R = ax.p1, B = ay.p0, T = ay.p1, tick = 8;
  for (double v : linear_ticks(ax.lo, ax.hi, 7)) {
    const double x = ax.map(v);
    s.line(x, B, x, B - tick, "black", 1.2);
    s.line(x, T, x, T + tick, "black", 1.2);
    s.text(x, B + 24, tick_text(v), font_tick);
  }
  if (ay.log) {
    const int k0 = int(std::ceil(std::log10(ay.lo) - 1e-9)), k1 = int(std::floor(std::log10(ay.hi) + 1e-9));
    for (int k = k0 - 1; k <= k1; ++k)
      for (int m = 1; m <= 9; ++m) {  // minor ticks at 2..9 x 10^k, major at 10^k
        const double v = m * std::pow(10.0, k);
        if (v < ay.lo || v > ay.hi) continue;
        const double y = ay.map(v), len = m == 1 ? tick : tick / 2;
        s.line(L, y, L + len, y, "black", 1.2);
        s.line(R, y, R - len, y, "black", 1.2);
        if (m == 1) s.power_of_ten(L - 8, y + 6, k, font_tick, "end");
        else if (k1 - k0 < 2 && (m == 2 || m == 5)) s.text(L - 8, y + 6, tick_text(v), font_tick * 0.8, "end");
      }
  } else {
    for (double v : linear_ticks(ay.lo, ay.hi, 7)) {
      const double y = ay.map(v);
      s.line(L, y, L + tick, y, "black", 1.2);
      s.line(R, y, R - tick, y, "black", 1.2);
      s.text(L - 8, y + 6, tick_text(v), font_tick, "end");
    }
  }
  s.o << "<rect x=\"" << f2(L) << "\" y=\"" << f2(T) << "\" width=\"" << f2(R - L) << "\" height=\"" << f2(B - T)
      << "\" fill=\"none\" stroke=\"black\" stroke-width=\"1.5\"/>\n";
  s.text((L + R) / 2, B + 58, xt, font_title);
  s.text(L - 78, (T + B) / 2, yt, font_title, "middle", -90);
}

struct legend_entry {
  std::string kind;  // "line", "rect", "marker"
  std::string color, dash, label;
  double width = 2.5;
};

void draw_legend(svg& s, double x, double y, const std::vector<legend_entry>& items) {
  const double row = 27, w = 330, h = row * double(items.size()) + 14;
  s.o << "<rect x=\"" << f2(x) << "\" y=\"" << f2(y) << "\" width=\"" << f2(w) << "\" height=\"" << f2(h)
      << "\" fill=\"white\" fill-opacity=\"0.88\" stroke=\"#888888\" stroke-width=\"1\"/>\n";
  for (size_t i = 0; i < items.size(); ++i) {
    const legend_entry& e = items[i];
    const double cy = y + 7 + row * (double(i) + 0.5), x0 = x + 12, x1 = x + 58;
    if (e.kind == "rect")
      s.o << "<rect x=\"" << f2(x0) << "\" y=\"" << f2(cy - 8) << "\" width=\"" << f2(x1 - x0) << "\" height=\"16\" fill=\""
          << e.color << "\"/>\n";
    else if (e.kind == "marker")
      s.o << "<circle cx=\"" << f2((x0 + x1) / 2) << "\" cy=\"" << f2(cy) << "\" r=\"6\" fill=\"" << e.color
          << "\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
    if (e.kind == "line" || !e.dash.empty())
      s.line(x0, cy, x1, cy, e.color.c_str(), e.width, e.dash.empty() ? "" : " stroke-dasharray=\"" + e.dash + "\"");
    s.text(x1 + 12, cy + 6, e.label, font_legend, "start");
  }
}

std::string where_text(const slice_spec& spec) {
  std::string t;
  for (const auto& [l, w] : spec.where) t += (t.empty() ? "" : ", ") + l + " = " + tick_text(w);
  return t;
}

}  // namespace

std::string exclusion_plot_svg(const grid_slice& g, const contour_set& c, const plot_style& st) {
  if (g.spec.y.empty()) throw usage_error("an exclusion plot needs two axes (--x and --y)");
  const bool cls = c.quantity == contour_quantity::cls;
  double x0 = *std::min_element(g.x.begin(), g.x.end()), x1 = *std::max_element(g.x.begin(), g.x.end());
  double y0 = *std::min_element(g.y.begin(), g.y.end()), y1 = *std::max_element(g.y.begin(), g.y.end());
  pad_range(x0, x1);
  pad_range(y0, y1);
  const double top = st.title.empty() ? 50 : 80, right = st.show_points ? 175 : 30;
  const axis ax{x0, x1, false, 125, st.width - right};
  const axis ay{y0, y1, false, st.height - 90, top};
  svg s(st.width, st.height);
  if (!st.title.empty()) s.text(st.width / 2, 34, st.title, font_title, "middle", 0, " font-weight=\"bold\"");
  std::string sub = where_text(g.spec);
  sub += (sub.empty() ? "" : ";  ") + std::to_string(g.size()) + " points, " + (cls ? "CLs" : "μ_UL") +
         (c.log10_space ? " interpolated in log10" : " interpolated linearly");
  s.text((ax.p0 + ax.p1) / 2, top - 12, sub, font_legend);
  s.o << "<clipPath id=\"frame\"><rect x=\"" << f2(ax.p0) << "\" y=\"" << f2(ay.p1) << "\" width=\"" << f2(ax.p1 - ax.p0)
      << "\" height=\"" << f2(ay.p0 - ay.p1) << "\"/></clipPath>\n<g clip-path=\"url(#frame)\">\n";
  auto to_px = [&](const polyline& l) {
    std::vector<std::pair<double, double>> v;
    for (const point2& p : l) v.emplace_back(ax.map(p.x), ay.map(p.y));
    return v;
  };
  // +-1 sigma band: one path of counter-clockwise pieces (nonzero fill: no seams).
  const bool band = !c.mesh.triangles.empty();
  if (band) {
    std::string d;
    for (const polyline& piece : level_region(c.mesh, c.field.at("exp_m1"), c.field.at("exp_p1"), c.field_level))
      d += svg::path_of(to_px(piece), true) + " ";
    s.o << "<path d=\"" << d << "\" fill=\"" << c_band1 << "\" stroke=\"none\"/>\n";
  }
  auto curve = [&](const char* key, const char* color, double w, const std::string& dash) {
    for (const polyline& l : c.lines.at(key))
      s.o << "<path d=\"" << svg::path_of(to_px(l), false) << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\""
          << f2(w) << "\" stroke-linejoin=\"round\"" << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << "/>\n";
  };
  // Colour scale of the points: log10 of the observed value over a fixed window around
  // the level (CLs 1e-5..1; mu_UL 0.01..100).
  const double z_lo = cls ? -5.0 : -2.0, z_hi = cls ? 0.0 : 2.0;
  auto colour_t = [&](double v) { return (std::log10(std::max(v, 1e-300)) - z_lo) / (z_hi - z_lo); };
  if (st.show_points)
    for (size_t i = 0; i < g.size(); ++i) {
      const double v = g.value.at("obs")[i];
      const bool ok = std::isfinite(v) && v > 0;
      s.o << "<circle cx=\"" << f2(ax.map(g.x[i])) << "\" cy=\"" << f2(ay.map(g.y[i])) << "\" r=\"5\" fill=\""
          << (ok ? viridis(colour_t(v)) : std::string("none")) << "\" stroke=\"#333333\" stroke-width=\"0.8\"/>\n";
    }
  if (!band) {
    curve("exp_m1", c_exp, 1.5, "2,4");
    curve("exp_p1", c_exp, 1.5, "2,4");
  }
  if (st.show_2sigma) {
    curve("exp_m2", c_exp, 1.2, "1,5");
    curve("exp_p2", c_exp, 1.2, "1,5");
  }
  curve("exp", c_exp, 3, "12,7");
  curve("obs", c_obs, 3.5, "");
  s.o << "</g>\n";
  draw_axes(s, ax, ay, st.x_title.empty() ? c.x : st.x_title, st.y_title.empty() ? c.y : st.y_title);

  const std::string what = cls ? "CLs = " + tick_text(c.level) : "μ_UL = " + tick_text(c.level);
  std::vector<legend_entry> items = {{"line", c_obs, "", "Observed (" + what + ")", 3.5},
                                     {"line", c_exp, "12,7", "Expected", 3},
                                     band ? legend_entry{"rect", c_band1, "", "Expected ±1σ"}
                                          : legend_entry{"line", c_exp, "2,4", "Expected ±1σ", 1.5}};
  if (st.show_2sigma) items.push_back({"line", c_exp, "1,5", "Expected ±2σ", 1.2});
  if (st.show_points) {
    items.push_back({"marker", viridis(0.5), "", std::string("Scan points (colour: ") + (cls ? "CLs obs)" : "μ_UL obs)")});
    const auto& obs = g.value.at("obs");
    if (std::any_of(obs.begin(), obs.end(), [](double v) { return !(std::isfinite(v) && v > 0); }))
      items.push_back({"marker", "none", "", "No observed value"});
  }
  draw_legend(s, ax.p0 + 12, ay.p1 + 12, items);

  if (st.show_points) {  // colour bar
    const double bx = ax.p1 + 30, bw = 22, bt = ay.p1, bb = ay.p0;
    s.o << "<linearGradient id=\"cbar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
    for (int i = 0; i <= 8; ++i) s.o << "<stop offset=\"" << f2(i / 8.0) << "\" stop-color=\"" << viridis(i / 8.0) << "\"/>";
    s.o << "</linearGradient>\n<rect x=\"" << f2(bx) << "\" y=\"" << f2(bt) << "\" width=\"" << f2(bw) << "\" height=\""
        << f2(bb - bt) << "\" fill=\"url(#cbar)\" stroke=\"black\" stroke-width=\"1\"/>\n";
    for (int k = int(z_lo); k <= int(z_hi); ++k) {
      const double y = bb - (k - z_lo) / (z_hi - z_lo) * (bb - bt);
      s.line(bx + bw, y, bx + bw + 6, y, "black", 1.2);
      s.power_of_ten(bx + bw + 9, y + 6, k, font_tick * 0.9, "start");
    }
    const double yl = bb - (c.field_level - z_lo) / (z_hi - z_lo) * (bb - bt);
    if (c.log10_space && yl >= bt && yl <= bb) s.line(bx - 4, yl, bx + bw + 4, yl, c_obs, 3);
    s.text(bx + bw + 68, (bt + bb) / 2, cls ? "CLs (observed)" : "μ_UL (observed)", font_title * 0.9, "middle", -90);
  }
  s.o << "</svg>\n";
  return s.o.str();
}

std::string brazil_plot_svg(const grid_slice& g, const plot_style& st) {
  if (!g.spec.y.empty()) throw usage_error("a Brazil plot is along one label: give --x and fix the others with --where");
  if (g.spec.quantity != contour_quantity::ul) throw usage_error("a Brazil plot shows upper limits (--quantity ul)");
  struct row {
    double x;
    std::array<double, 6> v;  // obs, exp 0..4 (NaN where missing)
  };
  auto good = [](double v) { return std::isfinite(v) && v > 0; };
  std::vector<row> rows, exp_rows, obs_rows;  // all points; with the 5 expected; with observed
  for (size_t i = 0; i < g.size(); ++i) {
    row r{g.x[i], {}};
    for (size_t k = 0; k < 6; ++k) r.v[k] = g.value.at(contour_curves[k].first)[i];
    bool exp_ok = true;
    for (size_t k = 1; k < 6; ++k) exp_ok = exp_ok && good(r.v[k]);
    if (exp_ok) exp_rows.push_back(r);
    if (good(r.v[0])) obs_rows.push_back(r);
    if (exp_ok || good(r.v[0])) rows.push_back(r);
  }
  if (rows.empty()) throw input_error(g.file, "/UL_obs", "no point of the slice has a finite upper limit");
  auto by_x = [](const row& a, const row& b) { return a.x < b.x; };
  std::sort(rows.begin(), rows.end(), by_x);
  std::sort(exp_rows.begin(), exp_rows.end(), by_x);
  std::sort(obs_rows.begin(), obs_rows.end(), by_x);
  double x0 = rows.front().x, x1 = rows.back().x, v0 = 1, v1 = 1;  // mu = 1 always shown
  for (const row& r : rows)
    for (double v : r.v)
      if (good(v)) v0 = std::min(v0, v), v1 = std::max(v1, v);
  pad_range(x0, x1);
  const bool logy = v1 / v0 > 10;
  if (logy) {
    v0 /= 1.6;  // a margin of ~0.2 decades
    v1 *= 1.6;
  } else {
    v0 = 0;
    v1 *= 1.15;
  }
  const double top = st.title.empty() ? 50 : 80;
  const axis ax{x0, x1, false, 125, st.width - 30};
  const axis ay{v0, v1, logy, st.height - 90, top};
  svg s(st.width, st.height);
  if (!st.title.empty()) s.text(st.width / 2, 34, st.title, font_title, "middle", 0, " font-weight=\"bold\"");
  std::string sub = where_text(g.spec);
  sub += (sub.empty() ? "" : ";  ") + std::to_string(rows.size()) + " points";
  if (obs_rows.size() < rows.size()) sub += ", " + std::to_string(rows.size() - obs_rows.size()) + " without observed limit";
  if (exp_rows.size() < rows.size()) sub += ", " + std::to_string(rows.size() - exp_rows.size()) + " without expected band";
  s.text((ax.p0 + ax.p1) / 2, top - 12, sub, font_legend);
  auto band = [&](size_t lo, size_t hi, const char* color) {
    if (exp_rows.empty()) return;
    std::vector<std::pair<double, double>> pts;
    for (const row& r : exp_rows) pts.emplace_back(ax.map(r.x), ay.map(r.v[hi]));
    for (auto it = exp_rows.rbegin(); it != exp_rows.rend(); ++it) pts.emplace_back(ax.map(it->x), ay.map(it->v[lo]));
    s.o << "<path d=\"" << svg::path_of(pts, true) << "\" fill=\"" << color << "\" stroke=\"" << color << "\" stroke-width=\"1\"/>\n";
  };
  auto curve = [&](const std::vector<row>& rs, size_t k, const char* color, double w, const std::string& dash) {
    std::vector<std::pair<double, double>> pts;
    for (const row& r : rs) pts.emplace_back(ax.map(r.x), ay.map(r.v[k]));
    if (pts.size() < 2) return;
    s.o << "<path d=\"" << svg::path_of(pts, false) << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\"" << f2(w)
        << "\"" << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << "/>\n";
  };
  band(1, 5, c_yellow);  // exp index 0..4 are v[1..5]
  band(2, 4, c_green);
  s.line(ax.p0, ay.map(1.0), ax.p1, ay.map(1.0), c_obs, 2);
  curve(exp_rows, 3, "black", 2.5, "10,6");
  curve(obs_rows, 0, "black", 3, "");
  for (const row& r : obs_rows)
    s.o << "<circle cx=\"" << f2(ax.map(r.x)) << "\" cy=\"" << f2(ay.map(r.v[0])) << "\" r=\"5\" fill=\"black\"/>\n";
  draw_axes(s, ax, ay, st.x_title.empty() ? g.spec.x : st.x_title,
            st.y_title.empty() ? "95% CL upper limit on μ" : st.y_title);
  draw_legend(s, ax.p0 + 12, ay.p1 + 12,
              {{"line", "black", "", "Observed", 3}, {"line", "black", "10,6", "Expected (median)", 2.5},
               {"rect", c_green, "", "Expected ±1σ"}, {"rect", c_yellow, "", "Expected ±2σ"},
               {"line", c_obs, "", "μ = 1", 2}});
  s.o << "</svg>\n";
  return s.o.str();
}

bool have_rsvg_convert() {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    const std::string dir = end > start ? p.substr(start, end - start) : ".";
    if (::access((dir + "/rsvg-convert").c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

void svg_to_png(const std::string& svg_path, const std::string& png_path, double zoom) {
  if (!have_rsvg_convert())
    throw error("rsvg-convert not found (Debian package librsvg2-bin): cannot write '" + png_path + "'");
  std::string z = f2(zoom);
  std::vector<std::string> args = {"rsvg-convert", "-z", z, "-b", "white", "-o", png_path, svg_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "rsvg-convert", nullptr, nullptr, argv.data(), environ) != 0)
    throw error("cannot run rsvg-convert for '" + png_path + "'");
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw error("rsvg-convert failed to render '" + svg_path + "' to '" + png_path + "'");
}

}  // namespace hfx
