// Synthetic signal grids from a real patchset (see hfx/synthetic_grid.hpp).
#include "hfx/synthetic_grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "hfx/error.hpp"

namespace hfx {

namespace {

// splitmix64 (Vigna): a tiny, well-mixed deterministic generator for the pair shuffle.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool is_number(const json& j) { return j.is_number(); }

// Arrays whose elements are all objects with a string "name" (modifier lists, samples,
// channels) are matched by (name, type) rather than by position.
bool named_array(const json& j) {
  if (!j.is_array() || j.empty()) return false;
  for (const auto& e : j)
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return false;
  return true;
}

// Same "name" and same "type" (both absent counts as equal); no copies.
bool same_name_type(const json& x, const json& y) {
  if (x["name"].get_ref<const std::string&>() != y["name"].get_ref<const std::string&>()) return false;
  auto tx = x.find("type"), ty = y.find("type");
  const bool hx = tx != x.end() && tx->is_string(), hy = ty != y.end() && ty->is_string();
  if (hx != hy) return false;
  return !hx || tx->get_ref<const std::string&>() == ty->get_ref<const std::string&>();
}

// Label values as doubles; false when some label is not a number.
bool numeric_values(const json& values, std::vector<double>& out) {
  out.clear();
  if (!values.is_array()) return false;
  for (const auto& v : values) {
    if (!v.is_number()) return false;
    out.push_back(v.get<double>());
  }
  return true;
}

}  // namespace

double van_der_corput(std::uint64_t j) {
  double r = 0.0, f = 0.5;
  while (j) {
    if (j & 1u) r += f;
    j >>= 1;
    f *= 0.5;
  }
  return r;
}

json interpolate_json(const json& a, const json& b, double t) {
  if (is_number(a)) {
    if (!is_number(b)) return a;
    const double xa = a.get<double>(), xb = b.get<double>();
    // Equal numbers stay exactly as they are (also their integer type).
    if (xa == xb) return a;
    return json((1.0 - t) * xa + t * xb);
  }
  if (a.is_object()) {
    if (!b.is_object()) return a;
    json out = json::object();
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto jt = b.find(it.key());
      out[it.key()] = jt == b.end() ? it.value() : interpolate_json(it.value(), *jt, t);
    }
    return out;
  }
  if (a.is_array()) {
    if (!b.is_array()) return a;
    json out = json::array();
    if (named_array(a) && named_array(b)) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        const json& e = a[i];
        const json* match = nullptr;
        // Modifier lists of neighbouring points are usually in the same order: try the same
        // position first, then search.
        if (i < b.size() && same_name_type(b[i], e)) match = &b[i];
        for (std::size_t j = 0; !match && j < b.size(); ++j)
          if (same_name_type(b[j], e)) match = &b[j];
        out.push_back(match ? interpolate_json(e, *match, t) : e);
      }
      return out;
    }
    if (a.size() != b.size()) return a;
    for (std::size_t i = 0; i < a.size(); ++i) out.push_back(interpolate_json(a[i], b[i], t));
    return out;
  }
  return a;  // strings, booleans, null: a's
}

synthetic_grid::synthetic_grid(patchset source, const synthetic_grid_options& opt)
    : src_(std::move(source)), opt_(opt) {
  const std::size_t n = src_.patches.size();
  if (n < 2)
    throw input_error(src_.file, "/patches",
                      "a synthetic grid needs at least 2 patches to interpolate between, got " + std::to_string(n));
  if (opt_.size == 0) throw input_error(src_.file, "", "a synthetic grid needs size >= 1");
  const int K = std::max(1, std::min<int>(opt_.neighbours, int(n) - 1));

  // Label coordinates scaled by each label's range.
  std::vector<std::vector<double>> x(n);
  bool numeric = true;
  for (std::size_t i = 0; i < n && numeric; ++i) numeric = numeric_values(src_.patches[i].values, x[i]);
  std::set<std::pair<std::uint32_t, std::uint32_t>> pairs;
  if (numeric && !x[0].empty()) {
    const std::size_t d = x[0].size();
    for (std::size_t c = 0; c < d; ++c) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (const auto& v : x) { lo = std::min(lo, v[c]); hi = std::max(hi, v[c]); }
      const double range = hi > lo ? hi - lo : 1.0;
      for (auto& v : x) v[c] = (v[c] - lo) / range;
    }
    std::vector<std::pair<double, std::size_t>> dist(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (std::size_t c = 0; c < d; ++c) s += (x[i][c] - x[j][c]) * (x[i][c] - x[j][c]);
        dist[j] = {j == i ? std::numeric_limits<double>::infinity() : s, j};
      }
      std::partial_sort(dist.begin(), dist.begin() + K, dist.end());  // ties: lower index first
      for (int k = 0; k < K; ++k) {
        const auto j = std::uint32_t(dist[k].second);
        pairs.insert({std::min(std::uint32_t(i), j), std::max(std::uint32_t(i), j)});
      }
    }
  } else {
    for (std::size_t i = 0; i < n; ++i)
      for (int k = 1; k <= K; ++k) {
        const std::size_t j = (i + k) % n;
        if (j != i) pairs.insert({std::uint32_t(std::min(i, j)), std::uint32_t(std::max(i, j))});
      }
  }
  pairs_.assign(pairs.begin(), pairs.end());
  // Fisher-Yates with splitmix64; the template of a pair (first) is also chosen by the seed,
  // so both ends of a segment serve as templates across the grid.
  std::uint64_t state = opt_.seed;
  for (std::size_t i = pairs_.size(); i > 1; --i) std::swap(pairs_[i - 1], pairs_[splitmix64(state) % i]);
  for (auto& p : pairs_)
    if (splitmix64(state) & 1u) std::swap(p.first, p.second);
}

synthetic_origin synthetic_grid::origin(std::size_t k) const {
  const std::size_t P = pairs_.size();
  const auto& p = pairs_[k % P];
  return {p.first, p.second, van_der_corput(k / P + 1)};
}

patch_entry synthetic_grid::patch(std::size_t k) const {
  if (k >= opt_.size)
    throw input_error(src_.file, "", "synthetic hypothesis " + std::to_string(k) + " out of range (size " +
                                         std::to_string(opt_.size) + ")");
  const synthetic_origin o = origin(k);
  const patch_entry& a = src_.patches[o.from];
  const patch_entry& b = src_.patches[o.to];
  patch_entry e;
  e.name = opt_.prefix + std::to_string(k);
  e.index = k;
  e.values = interpolate_json(a.values, b.values, o.t);
  // Operations: matched by (op, path).
  e.ops = json::array();
  for (const auto& op : a.ops) {
    const json* match = nullptr;
    for (const auto& q : b.ops)
      if (q.value("op", "") == op.value("op", "") && q.value("path", "") == op.value("path", "")) { match = &q; break; }
    e.ops.push_back(match ? interpolate_json(op, *match, o.t) : op);
  }
  e.metadata = json::object();
  e.metadata["name"] = e.name;
  e.metadata["values"] = e.values;
  e.metadata["synthetic"] = {{"from", a.name}, {"to", b.name}, {"t", o.t}};
  return e;
}

patchset synthetic_grid::single(std::size_t k) const {
  patchset ps;
  ps.file = src_.file + " (synthetic)";
  ps.version = src_.version;
  ps.description = src_.description;
  ps.labels = src_.labels;
  ps.digests = src_.digests;
  ps.patches.push_back(patch(k));
  ps.patches.back().index = 0;
  return ps;
}

json synthetic_grid::patched_workspace(const json& ws, std::size_t k) const {
  const patchset ps = single(k);
  return apply_patch(ws, ps, ps.patches[0]);
}

compiled_model synthetic_grid::model(const json& ws, std::size_t k, const model_options& mopt,
                                     const std::string& ws_file) const {
  return compile_model(patched_workspace(ws, k), mopt, ws_file + " + synthetic patch " + std::to_string(k));
}

json synthetic_grid::to_patchset_json(const std::vector<std::size_t>& ks) const {
  json meta = src_.metadata.is_object() ? src_.metadata : json::object();
  meta["description"] = "synthetic grid from " + src_.file + " (hfx synthetic_grid, seed " +
                        std::to_string(opt_.seed) + ")";
  meta["labels"] = src_.labels;
  json patches = json::array();
  for (std::size_t k : ks) {
    patch_entry e = patch(k);
    patches.push_back({{"metadata", e.metadata}, {"patch", std::move(e.ops)}});
  }
  return {{"metadata", meta}, {"version", src_.version.empty() ? "1.0.0" : src_.version}, {"patches", patches}};
}

json replicate_channels(const json& ws, int copies, const std::string& ws_file) {
  if (copies < 1) throw input_error(ws_file, "", "replicate_channels needs copies >= 1");
  json out = ws;
  if (copies == 1) return out;
  std::set<std::string> shared = {"lumi"};
  for (const auto& m : ws.value("measurements", json::array()))
    if (m.contains("config") && m["config"].contains("poi")) shared.insert(m["config"]["poi"].get<std::string>());
  auto rename = [](const std::string& n, int r) { return n + "_rep" + std::to_string(r); };
  std::set<std::string> renamed;
  for (int r = 1; r < copies; ++r) {
    for (const auto& ch : ws.at("channels")) {
      json c = ch;
      c["name"] = rename(ch.at("name").get<std::string>(), r);
      for (auto& smp : c["samples"])
        for (auto& mod : smp["modifiers"]) {
          const std::string n = mod.at("name").get<std::string>();
          if (shared.count(n)) continue;
          mod["name"] = rename(n, r);
          renamed.insert(n);
        }
      out["channels"].push_back(std::move(c));
    }
    for (const auto& ob : ws.value("observations", json::array())) {
      json o = ob;
      o["name"] = rename(ob.at("name").get<std::string>(), r);
      out["observations"].push_back(std::move(o));
    }
  }
  for (auto& m : out["measurements"]) {
    if (!m.contains("config") || !m["config"].contains("parameters")) continue;
    json extra = json::array();
    for (const auto& par : m["config"]["parameters"]) {
      const std::string n = par.value("name", "");
      if (!renamed.count(n)) continue;
      for (int r = 1; r < copies; ++r) {
        json q = par;
        q["name"] = rename(n, r);
        extra.push_back(std::move(q));
      }
    }
    for (auto& q : extra) m["config"]["parameters"].push_back(std::move(q));
  }
  return out;
}

}  // namespace hfx
