// hfx/plot.hpp - exclusion and Brazil-band plots as hand-written SVG (no plotting
// dependency), and PNG through rsvg-convert (Debian librsvg2-bin) when it is installed.
//
// Exclusion plot (2D slice, contour.hpp): the +-1 sigma expected band filled between the
// exp_m1 and exp_p1 contours (the region exp_m1 <= level <= exp_p1 of the interpolated
// fields, cut triangle by triangle, so it is exactly the band the contour lines bound; drawn
// as lines when some point lacks a value), the expected contour dashed, the observed solid,
// optionally the +-2 sigma contours dotted, the scan points coloured by the observed value
// on a log scale with a colour bar, axis titles from the labels, a legend.
//
// Brazil plot (1D slice): upper limits on mu against one label, the +-2 sigma (yellow) and
// +-1 sigma (green) expected bands, the median expected dashed, the observed solid with
// markers, and the line mu = 1; log y axis when the limits span more than a decade.
//
// Sizes are SVG user units (CSS px, 96 per inch); fonts are sized to stay readable when
// the figure is printed one column (about 3.5 inches) to a page (6.5 inches) wide.
#pragma once
#include <string>

#include "hfx/contour.hpp"

namespace hfx {

struct plot_style {
  double width = 900, height = 720;
  std::string title;                 // above the frame; "" for none
  std::string x_title, y_title;      // default: the slice's labels (and "95% CL upper limit on mu")
  bool show_points = true;           // exclusion plot: the scan points
  bool show_2sigma = false;          // exclusion plot: the +-2 sigma contours
};

// The exclusion plot of `c` (computed from `g`). Throws hfx::usage_error for a 1D slice.
std::string exclusion_plot_svg(const grid_slice& g, const contour_set& c, const plot_style& s);

// The Brazil plot of a 1D slice (spec.y empty) with quantity ul. The bands and the
// expected line use the points with all five expected limits, the observed line the points
// with an observed limit (the subtitle counts the others). Throws hfx::input_error when no
// point has a finite limit, hfx::usage_error for a 2D slice or quantity cls.
std::string brazil_plot_svg(const grid_slice& g, const plot_style& s);

// Whether an executable rsvg-convert is on PATH.
bool have_rsvg_convert();
// Renders an SVG file to PNG with rsvg-convert at `zoom` (2 => 1800 px wide by default),
// on a white background. Throws hfx::error when rsvg-convert is missing or fails.
void svg_to_png(const std::string& svg_path, const std::string& png_path, double zoom = 2.0);

}  // namespace hfx
