// Plots: the exclusion plot of sbottom region A (m_chi1 = 60) and a Brazil plot, their SVG
// content, rendering with rsvg-convert (skipped when it is not installed), errors, CLI.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "hfx/contour.hpp"
#include "hfx/error.hpp"
#include "hfx/plot.hpp"
#include "hfx/scan_io.hpp"
#include "test_paths.hpp"

namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

// Width and height from a PNG's IHDR chunk (bytes 16..23, big endian); {0, 0} if not a PNG.
std::pair<uint32_t, uint32_t> png_size(const std::string& png) {
  static const std::string sig = "\x89PNG\r\n\x1a\n";
  if (png.size() < 24 || png.compare(0, 8, sig) != 0 || png.compare(12, 4, "IHDR") != 0) return {0, 0};
  auto be32 = [&](size_t o) {
    return uint32_t(uint8_t(png[o])) << 24 | uint32_t(uint8_t(png[o + 1])) << 16 | uint32_t(uint8_t(png[o + 2])) << 8 |
           uint32_t(uint8_t(png[o + 3]));
  };
  return {be32(16), be32(20)};
}

const std::string sbottom = hfx::test::data("contour/sbottom_RegionA.jsonl.gz");

hfx::grid_slice sbottom_slice(hfx::contour_quantity q) {
  return hfx::select_slice(hfx::read_scan_file(sbottom),
                           {.x = "m_sbottom", .y = "m_chi2", .where = {{"m_chi1", 60}}, .quantity = q}, sbottom);
}

TEST(ExclusionPlot, SvgHasEveryElement) {
  const hfx::grid_slice g = sbottom_slice(hfx::contour_quantity::cls);
  const hfx::contour_set c = hfx::compute_contours(g, {});
  hfx::plot_style st;
  st.title = "sbottom <A> & B";  // escaped
  const std::string svg = hfx::exclusion_plot_svg(g, c, st);
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
  EXPECT_NE(svg.find("sbottom &lt;A&gt; &amp; B"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), g.size() + 1);  // the points and the legend's marker
  EXPECT_NE(svg.find(">m_sbottom</text>"), std::string::npos);
  EXPECT_NE(svg.find(">m_chi2</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Observed (CLs = 0.05)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">Expected ±1σ</text>"), std::string::npos);
  EXPECT_EQ(count(svg, "fill=\"#ffd92f\""), 2u);  // the band (one path) and its legend swatch
  // Observed and expected polylines, plus one legend line each.
  EXPECT_EQ(count(svg, "stroke=\"#d62728\" stroke-width=\"3.50\""), c.lines.at("obs").size() + 1);
  EXPECT_EQ(count(svg, "stroke-dasharray=\"12,7\""), c.lines.at("exp").size() + 1);
  // Without the common mesh (a curve lacks values at points where others have them) the
  // band is drawn as two dotted lines.
  hfx::contour_set no_mesh = c;
  no_mesh.mesh = {};
  const std::string svg2 = hfx::exclusion_plot_svg(g, no_mesh, {});
  EXPECT_EQ(count(svg2, "fill=\"#ffd92f\""), 0u);
  EXPECT_EQ(count(svg2, "stroke-dasharray=\"2,4\""), c.lines.at("exp_m1").size() + c.lines.at("exp_p1").size() + 1);
}

TEST(ExclusionPlot, RendersWithRsvgConvert) {
  if (!hfx::have_rsvg_convert()) GTEST_SKIP() << "rsvg-convert not installed (Debian: librsvg2-bin)";
  const hfx::grid_slice g = sbottom_slice(hfx::contour_quantity::cls);
  const std::string svg_path = ::testing::TempDir() + "hfx_test_exclusion.svg";
  const std::string png_path = ::testing::TempDir() + "hfx_test_exclusion.png";
  std::remove(png_path.c_str());
  {
    std::ofstream f(svg_path);
    f << hfx::exclusion_plot_svg(g, hfx::compute_contours(g, {}), {});
  }
  hfx::svg_to_png(svg_path, png_path);
  const auto [w, h] = png_size(slurp(png_path));
  EXPECT_EQ(w, 1800u);  // 900 x 720 at zoom 2
  EXPECT_EQ(h, 1440u);
  EXPECT_THROW(hfx::svg_to_png(::testing::TempDir() + "does_not_exist.svg", png_path), hfx::error);
}

// UL records along one label: ul(x) = exp(x / 500) / 2 and its band.
std::vector<hfx::scan_record> limit_records() {
  std::vector<hfx::scan_record> recs;
  for (int i = 0; i < 12; ++i) {
    hfx::scan_record r;
    const double x = 200.0 + 100 * i, u = std::exp(x / 500) / 2;
    r.patch = "p" + std::to_string(i);
    r.values = {{"m", x}, {"n", 5}};
    r.CLs_obs = 0.1;
    r.CLs_exp = {0.01, 0.02, 0.05, 0.1, 0.2};
    r.UL_obs = i == 4 ? std::numeric_limits<double>::quiet_NaN() : u * 1.1;
    r.UL_exp = {u * 0.5, u * 0.7, u, u * 1.4, u * 2};
    recs.push_back(r);
  }
  return recs;
}

TEST(BrazilPlot, BandsLinesAndMissingObserved) {
  const hfx::grid_slice g = hfx::select_slice(limit_records(), {.x = "m", .y = "", .where = {{"n", 5}}, .quantity = hfx::contour_quantity::ul});
  const std::string svg = hfx::brazil_plot_svg(g, {});
  EXPECT_EQ(count(svg, "<circle"), 11u);  // observed markers; point 4 has no observed limit
  EXPECT_NE(svg.find("12 points, 1 without observed limit"), std::string::npos);
  EXPECT_EQ(count(svg, "fill=\"#33bb33\""), 2u);  // +-1 sigma band and its legend swatch
  EXPECT_EQ(count(svg, "fill=\"#ffee33\""), 2u);
  EXPECT_NE(svg.find(">95% CL upper limit on μ</text>"), std::string::npos);
  EXPECT_NE(svg.find(">m</text>"), std::string::npos);
  EXPECT_NE(svg.find("font-size=\"12.60\">1</tspan>"), std::string::npos);  // log axis: 10^1
  if (hfx::have_rsvg_convert()) {
    const std::string svg_path = ::testing::TempDir() + "hfx_test_brazil.svg", png = ::testing::TempDir() + "hfx_test_brazil.png";
    std::ofstream(svg_path) << svg;
    hfx::svg_to_png(svg_path, png, 1.0);
    EXPECT_EQ(png_size(slurp(png)).first, 900u);
  }
}

TEST(BrazilPlot, WrongSlicesAreErrors) {
  std::vector<hfx::scan_record> recs = limit_records();
  hfx::grid_slice g = hfx::select_slice(recs, {.x = "m", .y = "n", .where = {}, .quantity = hfx::contour_quantity::ul});
  EXPECT_THROW(hfx::brazil_plot_svg(g, {}), hfx::usage_error);  // 2D
  g = hfx::select_slice(recs, {.x = "m", .y = "", .where = {{"n", 5}}});
  EXPECT_THROW(hfx::brazil_plot_svg(g, {}), hfx::usage_error);  // CLs, not limits
  EXPECT_THROW(hfx::exclusion_plot_svg(g, {}, {}), hfx::usage_error);
  for (auto& r : recs) r.UL_obs.reset(), r.UL_exp.reset();  // a scan without --limits
  EXPECT_THROW(hfx::select_slice(recs, {.x = "m", .y = "", .where = {{"n", 5}}, .quantity = hfx::contour_quantity::ul}),
               hfx::input_error);
}

struct run_result { int code; std::string out; };
run_result run(const std::string& args) {
  const std::string cmd = hfx::test::cli() + " " + args + " 2>&1";
  run_result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(PlotCli, ExclusionAndBrazil) {
  const std::string dir = ::testing::TempDir();
  run_result r = run("plot " + sbottom + " --x m_sbottom --y m_chi2 --where m_chi1=60 --out " + dir + "hfx_cli_excl.png");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(slurp(dir + "hfx_cli_excl.svg").find("</svg>"), std::string::npos);
  if (hfx::have_rsvg_convert()) {
    EXPECT_EQ(png_size(slurp(dir + "hfx_cli_excl.png")).first, 1800u);
  }
  r = run("plot " + sbottom + " --x m_sbottom --where m_chi1=60 --where m_chi2=205 --out " + dir + "hfx_cli_brazil.svg");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(slurp(dir + "hfx_cli_brazil.svg").find("upper limit on μ"), std::string::npos);
  r = run("plot " + sbottom + " --x m_sbottom --y m_chi2 --where m_chi1=800 --out " + dir + "hfx_cli_bad.svg");
  EXPECT_EQ(r.code, 1) << r.out;
  r = run("plot " + sbottom + " --x m_sbottom --y m_chi2 --where m_chi1=60");
  EXPECT_EQ(r.code, 2) << r.out;  // no --out
}

}  // namespace
