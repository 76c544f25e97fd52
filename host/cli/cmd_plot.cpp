// hfx plot RESULTS.jsonl --x LABEL [--y LABEL] [--where LABEL=VALUE]... --out FILE.svg|.png
// - an exclusion plot of a 2D slice (with --y) or a Brazil plot of upper limits along a 1D
// slice (without --y), as SVG, and PNG through rsvg-convert when installed. See plot.hpp.
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "hfx/plot.hpp"
#include "hfx/scan_io.hpp"

namespace hfx::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int cmd_plot(const std::vector<std::string>& args) {
  arg_parser p("hfx plot",
               "hfx plot RESULTS.jsonl --x LABEL [--y LABEL] [--where LABEL=VALUE]... --out FILE.svg|FILE.png\n"
               "         [--png FILE] [--quantity cls|ul] [--level X] [--scale range|none] [--title T]\n"
               "  with --y: exclusion plot (contours of CLs = 0.05, or mu_UL = 1 with --quantity ul)\n"
               "  without --y: Brazil plot of the upper limits along --x (the scan needs --limits)");
  p.option("--x", "label on the x axis");
  p.option("--y", "label on the y axis (exclusion plot)");
  p.multi("--where", "hold a label fixed: LABEL=VALUE (every label that is not an axis)");
  p.option("--out", "output: .svg, or .png (the SVG is written beside it)");
  p.option("--png", "also render the SVG to this PNG file with rsvg-convert");
  p.option("--quantity", "exclusion plot: cls or ul", std::string("cls"));
  p.option("--level", "contour level (default 0.05 for cls, 1 for ul)");
  p.option("--scale", "range | none: axis scaling before triangulating", std::string("range"));
  p.option("--title", "title above the plot");
  p.option("--xtitle", "x axis title (default: the label)");
  p.option("--ytitle", "y axis title (default: the label)");
  p.flag("--no-points", "exclusion plot: do not draw the scan points");
  p.flag("--two-sigma", "exclusion plot: also draw the +-2 sigma expected contours");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  if (!p.has("--x")) throw usage_error("--x is required");
  if (!p.has("--out")) throw usage_error("--out is required (FILE.svg or FILE.png)");
  const std::string path = p.positionals()[0];
  const bool exclusion = p.has("--y");
  slice_spec spec;
  spec.x = p.get("--x");
  if (exclusion) spec.y = p.get("--y");
  for (const auto& w : p.get_multi("--where")) spec.where.push_back(parse_where(w));
  spec.quantity = exclusion ? parse_quantity(p.get("--quantity")) : contour_quantity::ul;
  plot_style st;
  st.title = p.get_opt("--title").value_or("");
  st.x_title = p.get_opt("--xtitle").value_or("");
  st.y_title = p.get_opt("--ytitle").value_or("");
  st.show_points = !p.has("--no-points");
  st.show_2sigma = p.has("--two-sigma");

  const std::vector<scan_record> recs = read_scan_file(path, true);
  const grid_slice g = select_slice(recs, spec, path);
  for (const auto& w : g.warnings) std::cerr << "hfx plot: warning: " << w << "\n";
  std::string svg_text;
  if (exclusion) {
    contour_options opt;
    if (p.has("--level")) opt.level = p.get_double("--level");
    opt.scale = parse_axis_scale(p.get("--scale"));
    const contour_set c = compute_contours(g, opt);
    for (const auto& w : c.warnings) std::cerr << "hfx plot: warning: " << w << "\n";
    svg_text = exclusion_plot_svg(g, c, st);
  } else {
    svg_text = brazil_plot_svg(g, st);
  }

  const std::string out = p.get("--out");
  const bool out_png = ends_with(out, ".png");
  const std::string svg_path = out_png ? out.substr(0, out.size() - 4) + ".svg" : out;
  {
    std::ofstream f(svg_path, std::ios::binary);
    f << svg_text;
    f.close();
    if (!f) throw error("cannot write '" + svg_path + "'");
  }
  std::cerr << "hfx plot: wrote " << svg_path << " (" << g.size() << " points)\n";
  std::vector<std::string> pngs;
  if (out_png) pngs.push_back(out);
  if (p.has("--png")) pngs.push_back(p.get("--png"));
  for (const auto& png : pngs) {
    if (!have_rsvg_convert()) {
      std::cerr << "hfx plot: warning: rsvg-convert not found (Debian: librsvg2-bin); " << png
                << " not written, the SVG is in " << svg_path << "\n";
      continue;
    }
    svg_to_png(svg_path, png);
    std::cerr << "hfx plot: wrote " << png << "\n";
  }
  return 0;
}

}  // namespace

HFX_COMMAND("plot", "exclusion plot or Brazil plot (SVG, PNG) from scan results", cmd_plot);

}  // namespace hfx::cli
