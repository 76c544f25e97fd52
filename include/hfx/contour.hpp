// hfx/contour.hpp - exclusion contours from streamed scan results (DESIGN.md §1, §3).
//
//   std::vector<scan_record> recs = read_scan_file("results.jsonl");
//   slice_spec spec{.x = "m_sbottom", .y = "m_chi2", .where = {{"m_chi1", 60}}};
//   grid_slice g = select_slice(recs, spec, "results.jsonl");
//   contour_set c = compute_contours(g, {});           // CLs = 0.05, log10 interpolation
//   write_text_file("contour.json", contours_to_json(c).dump());
//
// A slice is the set of successful records whose fixed labels match `where` (every label of
// the grid other than x and y must be fixed), projected on (x, y). Quantities: "cls" takes
// CLs_obs and CLs_exp, "ul" takes UL_obs and UL_exp (the scan must have run with --limits).
// Curves are keyed obs, exp_m2, exp_m1, exp, exp_p1, exp_p2; exp_* follow the indices 0..4
// of the expected sets (pyhf's order: exp_m2 is index 0, the "-2 sigma" edge with the
// smallest CLs / upper limit).
//
// Contours: Delaunay triangulation of the slice's points (delaunay.hpp), the quantity
// interpolated linearly on each triangle in log10 space (the usual choice for CLs, which
// spans many decades; matplotlib's tricontour on log10 CLs is the reference), and the
// level line traced into polylines. Each curve uses the points where its value is finite;
// points where it is not are counted in `dropped`. The plane can be scaled before
// triangulating: `axis_scale::range` maps each axis to [0, 1] (a Delaunay triangulation
// depends on the units: a grid in GeV x branching ratio would otherwise triangulate as
// slivers); `none` triangulates the coordinates as they are, as matplotlib's Triangulation
// does (it only subtracts the mean). Level lines are computed in the scaled plane and
// mapped back exactly (the map is affine, so linear interpolation commutes with it).
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hfx/delaunay.hpp"
#include "hfx/scan_record.hpp"

namespace hfx {

// Curve keys and the index into the expected set (-1: observed).
inline constexpr std::array<std::pair<const char*, int>, 6> contour_curves = {
    {{"obs", -1}, {"exp_m2", 0}, {"exp_m1", 1}, {"exp", 2}, {"exp_p1", 3}, {"exp_p2", 4}}};

enum class contour_quantity { cls, ul };
enum class axis_scale { none, range };

// "cls" / "ul"; parse_* throw hfx::usage_error for other names.
const char* quantity_name(contour_quantity q);
contour_quantity parse_quantity(const std::string& s);
const char* axis_scale_name(axis_scale s);
axis_scale parse_axis_scale(const std::string& s);

struct slice_spec {
  std::string x;                                     // label on the x axis
  std::string y;                                     // label on the y axis; "" for a 1D slice
  std::vector<std::pair<std::string, double>> where = {};  // labels held fixed
  contour_quantity quantity = contour_quantity::cls;
};

// Parses "LABEL=VALUE" (usage_error when malformed).
std::pair<std::string, double> parse_where(const std::string& text);

struct grid_slice {
  slice_spec spec;
  std::string file;               // where the records came from (for messages)
  std::vector<double> x, y;       // one entry per point (y all 0 for a 1D slice)
  std::vector<std::string> patch;
  // Per curve key (contour_curves), the quantity at each point; NaN where the record
  // lacks it or it is not finite.
  std::map<std::string, std::vector<double>> value;
  size_t n_records = 0;           // records read
  size_t n_failed = 0;            // records with "error", skipped
  size_t n_other_slices = 0;      // records whose fixed labels do not match `where`
  size_t n_duplicates = 0;        // records at a point already taken (the first is kept)
  std::vector<std::string> warnings;
  size_t size() const { return x.size(); }
};

// Selects the slice. Throws hfx::input_error (naming `file`) when a label is unknown or a
// label of the grid is neither an axis nor fixed, when no record matches `where` (the
// message lists the values present), when records lack the quantity (e.g. "ul" without
// --limits, or q0 records that carry p0), or a label value is not a number.
grid_slice select_slice(const std::vector<scan_record>& records, const slice_spec& spec,
                        const std::string& file = "");

struct contour_options {
  std::optional<double> level = std::nullopt;  // default: 0.05 for cls, 1 for ul (mu_UL = 1)
  bool log10_space = true;      // interpolate log10 of the quantity
  axis_scale scale = axis_scale::range;
};

struct contour_set {
  std::string x, y;
  std::vector<std::pair<std::string, double>> where;
  contour_quantity quantity = contour_quantity::cls;
  double level = 0.05;
  bool log10_space = true;
  axis_scale scale = axis_scale::range;
  size_t n_points = 0;
  std::map<std::string, std::vector<polyline>> lines;  // curve key -> polylines (x, y)
  std::map<std::string, size_t> dropped;              // curve key -> points with no finite value
  std::vector<std::string> warnings;                  // e.g. a curve that does not cross the level
  // The triangulation of the points where exp_m1 and exp_p1 are finite (in x, y units) and
  // each curve's field on it (log10 when log10_space; NaN where a curve has no value), for
  // the +-1 sigma band of plots (level_region). Empty when those points are degenerate.
  triangulation mesh;
  std::map<std::string, std::vector<double>> field;
  double field_level = 0;  // the level in field units (log10(level) when log10_space)
};

// Contours of a 2D slice. A curve that never crosses the level has no lines and a warning;
// when no curve crosses it, hfx::model_error (wrong level or slice, most likely). Throws
// hfx::model_error when a curve has fewer than three distinct points with finite values
// or its points are collinear, and hfx::input_error
// for a non-positive value in log10 space other than CLs = 0 (an underflowed CLs is
// clamped to 1e-300; an upper limit <= 0 is not a limit).
contour_set compute_contours(const grid_slice& g, const contour_options& opt);

// {"x", "y", "where", "quantity", "level", "interpolation", "scale", "n_points",
//  "dropped", "contours": {"obs": [[[x, y], ...], ...], "exp": ..., ...}}.
ordered_json contours_to_json(const contour_set& c);
// CSV with header "curve,line,<x label>,<y label>": one row per vertex, `line` numbers the
// polylines of a curve from 0.
std::string contours_to_csv(const contour_set& c);

}  // namespace hfx
