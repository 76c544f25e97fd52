// hfx/delaunay.hpp - planar Delaunay triangulation of scattered points and the level lines
// and level regions of a field that is linear on each triangle. Used by the contour stage
// (contour.hpp) on published mass grids, which are scattered and rarely rectangular.
//
// Triangulation: a sweep-hull insertion (points in lexicographic order, each new point is
// outside the hull built so far and is joined to the hull edges it sees) followed by
// Lawson's edge flips until every interior edge is locally Delaunay (de Berg et al.,
// "Computational Geometry", ch. 9). Orientation and in-circle tests compare the determinant
// with a relative error bound (Shewchuk's static filter: |det| <= eps * permanent counts as
// zero), so cocircular points (every rectangle of a regular grid) pick one diagonal and
// never flip back and forth, and nearly collinear hull points make no sliver triangles.
// Duplicate points (exactly equal) and points a bound-sized step off the hull line are used
// once / skipped; the triangles only reference the points they use.
//
// Level lines follow matplotlib's TriContourGenerator (lib/matplotlib/tri/_tri.cpp): a
// vertex is "above" when z >= level, an edge whose ends differ is cut at the linearly
// interpolated crossing, and the cuts of neighbouring triangles are joined across shared
// edges into polylines. Lines that reach the hull stay open; the others are closed (the
// first point is repeated at the end). Every line keeps the region z >= level on its left.
#pragma once
#include <array>
#include <span>
#include <vector>

namespace hfx {

struct point2 {
  double x = 0, y = 0;
};
using polyline = std::vector<point2>;

struct triangulation {
  std::vector<point2> points;                 // the input points, in input order
  std::vector<std::array<int, 3>> triangles;  // indices into points, counter-clockwise
  std::vector<int> unused;                    // input points no triangle uses (duplicates)
};

// Delaunay triangulation of `points`. Throws hfx::model_error when a coordinate is not
// finite, when there are fewer than three distinct points, or when all are collinear.
triangulation delaunay(std::vector<point2> points);

// Sign of the orientation of (a, b, c): +1 counter-clockwise, -1 clockwise, 0 collinear
// within the rounding bound.
int orientation(point2 a, point2 b, point2 c);
// +1 when d is strictly inside the circumcircle of the counter-clockwise triangle (a, b, c),
// -1 outside, 0 on it within the rounding bound.
int in_circle(point2 a, point2 b, point2 c, point2 d);

// Level lines {z = level} of the field that takes z[i] at point i and is linear on each
// triangle. z must have one value per point; values at unused points are ignored. Throws
// hfx::model_error for a size mismatch or a non-finite z at a used point.
std::vector<polyline> level_lines(const triangulation& t, std::span<const double> z, double level);

// The region {lo <= level <= hi} (lo and hi are fields like z above), as convex
// counter-clockwise pieces, one or none per triangle: e.g. the band between the -1 sigma
// and +1 sigma expected contours with lo = log CLs(-1 sigma), hi = log CLs(+1 sigma).
// Same errors as level_lines.
std::vector<polyline> level_region(const triangulation& t, std::span<const double> lo,
                                   std::span<const double> hi, double level);

}  // namespace hfx
