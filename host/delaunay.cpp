// Delaunay triangulation (sweep-hull insertion + Lawson flips) and level lines/regions of a
// piecewise-linear field. See include/hfx/delaunay.hpp for the algorithms and conventions.
#include "hfx/delaunay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "hfx/error.hpp"

namespace hfx {
namespace {

// Relative bound under which a determinant counts as zero. Shewchuk's exact bounds for
// orient2d/incircle are ~3e-16 and ~1e-15 of the permanent; 1e-12 is wider on purpose:
// grid coordinates read from text (e.g. 0.1 steps) and scaled to [0, 1] are already
// rounded, and a rectangle of such a grid must count as cocircular, not flip-flop.
constexpr double det_rel_bound = 1e-12;

uint64_t edge_key(int a, int b) { return (uint64_t(uint32_t(a)) << 32) | uint32_t(b); }

// Triangles plus a map from each directed edge (a -> b) to its half-edge id 3*t + i
// (tri[t][i] == a, tri[t][(i+1)%3] == b), so that the twin of an edge is a lookup.
struct mesh {
  const std::vector<point2>& p;
  std::vector<std::array<int, 3>> tri;
  std::unordered_map<uint64_t, int> half;

  void link(int t) {
    for (int i = 0; i < 3; ++i) half[edge_key(tri[size_t(t)][size_t(i)], tri[size_t(t)][size_t((i + 1) % 3)])] = 3 * t + i;
  }
  void unlink(int t) {
    for (int i = 0; i < 3; ++i) half.erase(edge_key(tri[size_t(t)][size_t(i)], tri[size_t(t)][size_t((i + 1) % 3)]));
  }
  void add(int a, int b, int c) {
    tri.push_back({a, b, c});
    link(int(tri.size()) - 1);
  }
  int twin(int a, int b) const {
    auto it = half.find(edge_key(b, a));
    return it == half.end() ? -1 : it->second;
  }

  // Lawson's flip algorithm: flip every edge whose opposite vertex lies inside the
  // circumcircle of the other triangle, until none does.
  void make_delaunay() {
    std::vector<int> stack;
    for (int h = 0; h < 3 * int(tri.size()); ++h) stack.push_back(h);
    // Each flip removes an illegal edge for good in exact arithmetic; the cap only guards
    // against a rounding cycle (it is never reached on the tests' inputs).
    const size_t max_flips = 64 * tri.size() * tri.size() + 1024;
    size_t flips = 0;
    while (!stack.empty()) {
      const int h = stack.back();
      stack.pop_back();
      const int t = h / 3, i = h % 3;
      const int a = tri[size_t(t)][size_t(i)], b = tri[size_t(t)][size_t((i + 1) % 3)],
                c = tri[size_t(t)][size_t((i + 2) % 3)];
      const int g = twin(a, b);
      if (g < 0) continue;  // hull edge
      const int u = g / 3, j = g % 3;
      const int d = tri[size_t(u)][size_t((j + 2) % 3)];
      if (in_circle(p[size_t(a)], p[size_t(b)], p[size_t(c)], p[size_t(d)]) <= 0) continue;
      // The quad a, d, b, c must be strictly convex for the flip to be valid.
      if (orientation(p[size_t(a)], p[size_t(d)], p[size_t(c)]) <= 0 ||
          orientation(p[size_t(d)], p[size_t(b)], p[size_t(c)]) <= 0)
        continue;
      if (++flips > max_flips) throw model_error("Delaunay triangulation: edge flips do not terminate");
      unlink(t);
      unlink(u);
      tri[size_t(t)] = {a, d, c};
      tri[size_t(u)] = {d, b, c};
      link(t);
      link(u);
      stack.insert(stack.end(), {3 * t + 0, 3 * t + 2, 3 * u + 0, 3 * u + 1});
    }
  }
};

std::string count_text(size_t n) { return std::to_string(n); }

}  // namespace

int orientation(point2 a, point2 b, point2 c) {
  const double l = (a.x - c.x) * (b.y - c.y), r = (a.y - c.y) * (b.x - c.x);
  const double det = l - r, perm = std::abs(l) + std::abs(r);
  if (std::abs(det) <= det_rel_bound * perm) return 0;
  return det > 0 ? 1 : -1;
}

int in_circle(point2 a, point2 b, point2 c, point2 d) {
  const double adx = a.x - d.x, ady = a.y - d.y, bdx = b.x - d.x, bdy = b.y - d.y;
  const double cdx = c.x - d.x, cdy = c.y - d.y;
  const double alift = adx * adx + ady * ady, blift = bdx * bdx + bdy * bdy, clift = cdx * cdx + cdy * cdy;
  const double bc = bdx * cdy - cdx * bdy, ca = cdx * ady - adx * cdy, ab = adx * bdy - bdx * ady;
  const double det = alift * bc + blift * ca + clift * ab;
  const double perm = (std::abs(bdx * cdy) + std::abs(cdx * bdy)) * alift +
                      (std::abs(cdx * ady) + std::abs(adx * cdy)) * blift +
                      (std::abs(adx * bdy) + std::abs(bdx * ady)) * clift;
  if (std::abs(det) <= det_rel_bound * perm) return 0;
  return det > 0 ? 1 : -1;
}

triangulation delaunay(std::vector<point2> points) {
  triangulation out;
  out.points = std::move(points);
  const std::vector<point2>& p = out.points;
  const int n = int(p.size());
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(p[size_t(i)].x) || !std::isfinite(p[size_t(i)].y))
      throw model_error("triangulation: point " + std::to_string(i) + " has a non-finite coordinate");

  std::vector<int> order(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) order[size_t(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return p[size_t(a)].x < p[size_t(b)].x || (p[size_t(a)].x == p[size_t(b)].x && p[size_t(a)].y < p[size_t(b)].y);
  });
  std::vector<int> s;  // distinct points in sweep order
  for (int i : order) {
    if (!s.empty() && p[size_t(s.back())].x == p[size_t(i)].x && p[size_t(s.back())].y == p[size_t(i)].y)
      out.unused.push_back(i);
    else
      s.push_back(i);
  }
  if (s.size() < 3)
    throw model_error("triangulation needs at least three distinct points, got " + count_text(s.size()));
  size_t k = 2;
  while (k < s.size() && orientation(p[size_t(s[0])], p[size_t(s[1])], p[size_t(s[k])]) == 0) ++k;
  if (k == s.size())
    throw model_error("triangulation: all " + count_text(s.size()) + " distinct points lie on one line");

  mesh m{p, {}, {}};
  m.half.reserve(size_t(6 * n));
  std::vector<int> hnext(static_cast<size_t>(n), -1), hprev(static_cast<size_t>(n), -1);  // hull, counter-clockwise
  auto join = [&](int a, int b) { hnext[size_t(a)] = b; hprev[size_t(b)] = a; };
  // Fan from the first non-collinear point s[k] over the collinear run s[0..k-1].
  const int apex = s[k];
  const bool left = orientation(p[size_t(s[0])], p[size_t(s[1])], p[size_t(apex)]) > 0;
  for (size_t i = 0; i + 1 < k; ++i) {
    if (left) m.add(s[i], s[i + 1], apex);
    else m.add(s[i + 1], s[i], apex);
  }
  if (left) {
    for (size_t i = 0; i + 1 < k; ++i) join(s[i], s[i + 1]);
    join(s[k - 1], apex);
    join(apex, s[0]);
  } else {
    join(s[0], apex);
    join(apex, s[k - 1]);
    for (size_t i = k - 1; i > 0; --i) join(s[i], s[i - 1]);
  }
  int start = apex;
  auto sees = [&](int a, int b, int q) { return orientation(p[size_t(a)], p[size_t(b)], p[size_t(q)]) < 0; };
  for (size_t idx = k + 1; idx < s.size(); ++idx) {
    const int q = s[idx];
    // q is the lexicographic maximum so far, hence outside the hull: find an edge it sees.
    int v = start, first = -1;
    do {
      if (sees(v, hnext[size_t(v)], q)) { first = v; break; }
      v = hnext[size_t(v)];
    } while (v != start);
    if (first < 0) {  // on the hull line within rounding: a near-duplicate, left out
      out.unused.push_back(q);
      continue;
    }
    int v0 = first;
    for (int guard = 0; guard < n && sees(hprev[size_t(v0)], v0, q); ++guard) v0 = hprev[size_t(v0)];
    int w = v0;
    for (int guard = 0; guard < n && sees(w, hnext[size_t(w)], q); ++guard) {
      m.add(hnext[size_t(w)], w, q);
      w = hnext[size_t(w)];
    }
    join(v0, q);
    join(q, w);
    start = q;
  }
  m.make_delaunay();
  out.triangles = std::move(m.tri);
  std::sort(out.unused.begin(), out.unused.end());
  return out;
}

namespace {

void check_field(const triangulation& t, std::span<const double> z, const char* what) {
  if (z.size() != t.points.size())
    throw model_error(std::string("level lines: ") + what + " has " + std::to_string(z.size()) +
                      " values for " + std::to_string(t.points.size()) + " points");
  for (const auto& tr : t.triangles)
    for (int v : tr)
      if (!std::isfinite(z[size_t(v)]))
        throw model_error(std::string("level lines: ") + what + " is not finite at point " + std::to_string(v));
}

void drop_repeats(polyline& l) {
  l.erase(std::unique(l.begin(), l.end(), [](point2 a, point2 b) { return a.x == b.x && a.y == b.y; }), l.end());
}

}  // namespace

std::vector<polyline> level_lines(const triangulation& t, std::span<const double> z, double level) {
  check_field(t, z, "z");
  if (!std::isfinite(level)) throw model_error("level lines: the level is not finite");
  struct node {
    point2 p;
    int next = -1;
    bool has_in = false, seen = false;
  };
  std::vector<node> nodes;
  std::unordered_map<uint64_t, int> node_of;
  // The crossing on edge {a, b}, computed from the lower index so both triangles agree
  // (matplotlib's TriContourGenerator::interp).
  auto cut = [&](int a, int b) {
    if (a > b) std::swap(a, b);
    auto [it, fresh] = node_of.try_emplace(edge_key(a, b), int(nodes.size()));
    if (fresh) {
      const point2 pa = t.points[size_t(a)], pb = t.points[size_t(b)];
      const double f = (level - z[size_t(a)]) / (z[size_t(b)] - z[size_t(a)]);
      nodes.push_back({{pa.x + f * (pb.x - pa.x), pa.y + f * (pb.y - pa.y)}});
    }
    return it->second;
  };
  for (const auto& tr : t.triangles) {
    bool up[3];
    int n_up = 0;
    for (int i = 0; i < 3; ++i) n_up += up[i] = z[size_t(tr[size_t(i)])] >= level;
    if (n_up == 0 || n_up == 3) continue;
    int odd = 0;  // the vertex on its own side of the level
    for (int i = 0; i < 3; ++i)
      if (up[i] != up[(i + 1) % 3] && up[i] != up[(i + 2) % 3]) odd = i;
    const int a = tr[size_t(odd)], b = tr[size_t((odd + 1) % 3)], c = tr[size_t((odd + 2) % 3)];
    int from = cut(a, b), to = cut(c, a);
    // Counter-clockwise triangle: walking from edge ab to edge ca leaves vertex a on the
    // left; keep the side z >= level on the left.
    if (!up[odd]) std::swap(from, to);
    nodes[size_t(from)].next = to;
    nodes[size_t(to)].has_in = true;
  }
  std::vector<polyline> lines;
  auto trace = [&](int s) {
    polyline l;
    for (int v = s; v >= 0 && !nodes[size_t(v)].seen; v = nodes[size_t(v)].next) {
      nodes[size_t(v)].seen = true;
      l.push_back(nodes[size_t(v)].p);
      if (nodes[size_t(v)].next == s) l.push_back(nodes[size_t(s)].p);  // closed
    }
    drop_repeats(l);
    if (l.size() >= 2) lines.push_back(std::move(l));
  };
  for (size_t v = 0; v < nodes.size(); ++v)  // open lines start on the hull
    if (!nodes[v].has_in && !nodes[v].seen) trace(int(v));
  for (size_t v = 0; v < nodes.size(); ++v)  // what is left are closed loops
    if (!nodes[v].seen) trace(int(v));
  return lines;
}

std::vector<polyline> level_region(const triangulation& t, std::span<const double> lo,
                                   std::span<const double> hi, double level) {
  check_field(t, lo, "lo");
  check_field(t, hi, "hi");
  struct vert {
    point2 p;
    double f_lo, f_hi;  // lo - level (keep <= 0), hi - level (keep >= 0)
  };
  // Sutherland-Hodgman clipping of a convex polygon by a half-plane of a linear field.
  auto clip = [](const std::vector<vert>& in, auto inside, auto value) {
    std::vector<vert> out;
    for (size_t i = 0; i < in.size(); ++i) {
      const vert& a = in[i];
      const vert& b = in[(i + 1) % in.size()];
      if (inside(a)) out.push_back(a);
      if (inside(a) != inside(b)) {
        const double s = value(a) / (value(a) - value(b));
        out.push_back({{a.p.x + s * (b.p.x - a.p.x), a.p.y + s * (b.p.y - a.p.y)},
                       a.f_lo + s * (b.f_lo - a.f_lo), a.f_hi + s * (b.f_hi - a.f_hi)});
      }
    }
    return out;
  };
  std::vector<polyline> pieces;
  for (const auto& tr : t.triangles) {
    std::vector<vert> poly;
    for (int v : tr) poly.push_back({t.points[size_t(v)], lo[size_t(v)] - level, hi[size_t(v)] - level});
    poly = clip(poly, [](const vert& v) { return v.f_lo <= 0; }, [](const vert& v) { return v.f_lo; });
    poly = clip(poly, [](const vert& v) { return v.f_hi >= 0; }, [](const vert& v) { return v.f_hi; });
    polyline piece;
    for (const vert& v : poly) piece.push_back(v.p);
    drop_repeats(piece);
    if (piece.size() >= 3) pieces.push_back(std::move(piece));
  }
  return pieces;
}

}  // namespace hfx
