// hfx contour RESULTS.jsonl --x LABEL --y LABEL [--where LABEL=VALUE]... - exclusion
// contours (observed, expected, +-1 and +-2 sigma) from a scan's JSON-lines results, as JSON
// or CSV for HEPData and global-fit tools. See include/hfx/contour.hpp.
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "hfx/contour.hpp"
#include "hfx/scan_io.hpp"

namespace hfx::cli {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw error("cannot write '" + path + "'");
}

int cmd_contour(const std::vector<std::string>& args) {
  arg_parser p("hfx contour",
               "hfx contour RESULTS.jsonl --x LABEL --y LABEL [--where LABEL=VALUE]... [--level 0.05]\n"
               "            [--quantity cls|ul] [--scale range|none] [--out contour.json|.csv] [--csv FILE]");
  p.option("--x", "label on the x axis");
  p.option("--y", "label on the y axis");
  p.multi("--where", "hold a label fixed: LABEL=VALUE (every label that is not an axis)");
  p.option("--level", "contour level (default 0.05 for cls, 1 for ul)");
  p.option("--quantity", "cls: CLs_obs/CLs_exp; ul: UL_obs/UL_exp, the mu_UL = 1 contour", std::string("cls"));
  p.option("--scale", "range: map each axis to [0,1] before triangulating; none: as matplotlib", std::string("range"));
  p.flag("--linear", "interpolate the quantity itself instead of its log10");
  p.option("--out", "output file, JSON (CSV when it ends in .csv); default: JSON on stdout");
  p.option("--csv", "also write the contours as CSV to this file");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  if (!p.has("--x") || !p.has("--y")) throw usage_error("--x and --y are required");
  const std::string path = p.positionals()[0];
  slice_spec spec;
  spec.x = p.get("--x");
  spec.y = p.get("--y");
  for (const auto& w : p.get_multi("--where")) spec.where.push_back(parse_where(w));
  spec.quantity = parse_quantity(p.get("--quantity"));
  contour_options opt;
  if (p.has("--level")) opt.level = p.get_double("--level");
  opt.scale = parse_axis_scale(p.get("--scale"));
  opt.log10_space = !p.has("--linear");

  const std::vector<scan_record> recs = read_scan_file(path, true);
  const grid_slice g = select_slice(recs, spec, path);
  for (const auto& w : g.warnings) std::cerr << "hfx contour: warning: " << w << "\n";
  const contour_set c = compute_contours(g, opt);
  for (const auto& w : c.warnings) std::cerr << "hfx contour: warning: " << w << "\n";
  std::cerr << "hfx contour: " << g.size() << " points";
  if (g.n_other_slices) std::cerr << " (" << g.n_other_slices << " records in other slices)";
  std::cerr << "; lines:";
  for (const auto& [key, idx] : contour_curves) {
    std::cerr << " " << key << " " << c.lines.at(key).size();
    if (c.dropped.at(key)) std::cerr << " (" << c.dropped.at(key) << " points without a finite value)";
  }
  std::cerr << "\n";

  const std::string json_text = contours_to_json(c).dump() + "\n";
  if (p.has("--out")) {
    const std::string out = p.get("--out");
    write_file(out, ends_with(out, ".csv") ? contours_to_csv(c) : json_text);
  } else {
    std::cout << json_text;
  }
  if (p.has("--csv")) write_file(p.get("--csv"), contours_to_csv(c));
  return 0;
}

}  // namespace

HFX_COMMAND("contour", "exclusion contours (CLs = 0.05 or mu_UL = 1) from scan results", cmd_contour);

}  // namespace hfx::cli
