// Workspace validation: pyhf schema 1.0.0 (pyhf/schemas/1.0.0/defs.json) plus the checks
// pyhf 0.7.6's Model() makes while building (pdf.py, modifiers/*.py). See workspace.hpp
// for what is an error and what is not.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string_view>
#include <type_traits>

#include "hfx/error.hpp"
#include "hfx/workspace.hpp"
#include "workspace_index.hpp"

namespace hfx {

namespace detail {

std::int32_t name_dict::find(const std::string& name) const {
  if (auto it = ids.find(name); it != ids.end()) return it->second;
  return base ? base->find(name) : -1;
}

std::int32_t name_dict::intern(const std::string& name) {
  if (base)
    if (std::int32_t id = base->find(name); id >= 0) return id;
  auto [it, fresh] = ids.try_emplace(name, size());
  if (fresh) names.push_back(&it->first);
  return it->second;
}

void checker::fail(const std::string& ptr, const std::string& what) const { throw input_error(file, ptr, what); }

void checker::warn(const std::string& ptr, const std::string& what) const {
  if (raw) raw->push_back({ptr, what});
  else if (warnings) warnings->push_back(input_error::format(file, ptr, what));
}

namespace {

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::null: return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    default: return "invalid value";
  }
}

std::string join(const std::string& base, std::string_view key) { return base + "/" + json_pointer_escape(key); }
std::string join(const std::string& base, std::size_t i) { return base + "/" + std::to_string(i); }

constexpr const char* kind_names[n_modifier_kinds] = {"histosys", "lumi", "normfactor", "normsys",
                                                      "shapefactor", "shapesys", "staterror"};

// ---- schema helpers (throw through ck.fail) ----
// A pointer argument is a string, or a callable that builds it: the hot paths (samples and
// modifiers) build their pointer text only when a message needs it.
template <class P>
std::string text(const P& p) {
  if constexpr (std::is_invocable_v<const P&>) return p();
  else return std::string(p);
}

template <class P>
void expect(const checker& ck, const json& j, json::value_t t, const P& ptr) {
  bool ok = j.type() == t;
  if (!ok) {
    json tmp(t);
    ck.fail(text(ptr), std::string("expected ") + type_name(tmp) + ", got " + type_name(j));
  }
}
template <class P>
void object(const checker& ck, const json& j, const P& ptr, std::initializer_list<const char*> required,
            std::initializer_list<const char*> allowed) {
  expect(ck, j, json::value_t::object, ptr);
  for (const char* k : required)
    if (!j.contains(k)) ck.fail(text(ptr), std::string("missing required key '") + k + "'");
  if (j.size() == required.size()) return;  // only the required keys (every caller allows them)
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || k == a;
    if (!known) ck.fail(text(ptr), "unknown key '" + k + "' (not in pyhf schema 1.0.0)");
  }
}
template <class P>
const std::string& string(const checker& ck, const json& j, const P& ptr) {
  expect(ck, j, json::value_t::string, ptr);
  return j.get_ref<const std::string&>();
}
template <class P>
double number(const checker& ck, const json& j, const P& ptr) {
  if (!j.is_number()) ck.fail(text(ptr), std::string("expected number, got ") + type_name(j));
  double v = j.get<double>();
  if (!std::isfinite(v)) ck.fail(text(ptr), "non-finite number");
  return v;
}
// Array of finite numbers with at least one entry, converted.
template <class P>
std::vector<double> numbers(const checker& ck, const json& j, const P& ptr) {
  if (!j.is_array()) ck.fail(text(ptr), std::string("expected array of numbers, got ") + type_name(j));
  if (j.empty()) ck.fail(text(ptr), "empty array (at least one number required)");
  std::vector<double> v(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {  // pointer text built only on failure
    if (!j[i].is_number() || !std::isfinite(j[i].get<double>())) number(ck, j[i], join(text(ptr), i));
    v[i] = j[i].get<double>();
  }
  return v;
}
template <class P>
void array(const checker& ck, const json& j, const P& ptr, bool nonempty) {
  expect(ck, j, json::value_t::array, ptr);
  if (nonempty && j.empty()) ck.fail(text(ptr), "empty array (at least one entry required)");
}

bool parse_kind(const std::string& t, modifier_kind* k) {
  for (int i = 0; i < n_modifier_kinds; ++i)
    if (t == kind_names[i]) { *k = modifier_kind(i); return true; }
  return false;
}

std::string quoted_mod(const ir_mod& m) { return std::string(kind_names[int(m.kind)]) + " '" + m.name + "'"; }

// The modifier at sp + "/modifiers/<mi>"; its warnings get pointers relative to the sample.
ir_mod check_modifier(const checker& ck, const json& mj, const std::string& sp, std::size_t mi,
                      const std::string& chan, std::int32_t nbins, std::vector<raw_warning>* warnings,
                      name_dict& dict) {
  auto rel = [&] { return "/modifiers/" + std::to_string(mi); };
  auto ptr = [&] { return sp + rel(); };
  object(ck, mj, ptr, {"name", "type", "data"}, {"name", "type", "data"});
  const std::string& name = string(ck, mj["name"], [&] { return join(ptr(), "name"); });
  const std::string& type = string(ck, mj["type"], [&] { return join(ptr(), "type"); });
  ir_mod out;
  if (!parse_kind(type, &out.kind))
    ck.fail(ptr(), "unknown modifier type '" + type +
                       "' (histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror)");
  out.name = name;
  out.id = dict.intern(name);
  out.pos = std::int32_t(mi);
  auto desc = [&] { return " (" + type + " '" + name + "')"; };
  auto mp = [&] { return ptr() + desc(); };
  auto data_ptr = [&](const char* key) { return join(join(ptr(), "data"), key); };
  const json& d = mj["data"];
  auto bins_msg = [&](const char* what, std::size_t n) {
    return std::string(what) + " has " + std::to_string(n) + " bins, channel '" + chan + "' has " +
           std::to_string(nbins);
  };
  switch (out.kind) {
    case modifier_kind::histosys: {
      object(ck, d, [&] { return mp() + ": data"; }, {"lo_data", "hi_data"}, {"lo_data", "hi_data"});
      for (const char* key : {"lo_data", "hi_data"}) {
        std::vector<double>& v = key[0] == 'l' ? out.lo : out.hi;
        v = numbers(ck, d[key], [&] { return data_ptr(key); });
        if (std::int64_t(v.size()) != nbins) ck.fail(mp(), bins_msg(key, v.size()));
        for (std::size_t i = 0; i < v.size(); ++i)
          if (v[i] < 0) {
            warnings->push_back({rel() + desc(), std::string("negative ") + key + " entry in bin " + std::to_string(i)});
            break;
          }
      }
      break;
    }
    case modifier_kind::normsys: {
      object(ck, d, [&] { return mp() + ": data"; }, {"hi", "lo"}, {"hi", "lo"});
      for (const char* key : {"hi", "lo"}) {
        double v = number(ck, d[key], [&] { return data_ptr(key); });
        if (!(v > 0))
          ck.fail(mp(), std::string(key) + " = " + json(v).dump() +
                            " must be > 0 (normsys interpolation code1/code4 takes its log)");
        (key[0] == 'h' ? out.hi : out.lo).assign(1, v);
      }
      break;
    }
    case modifier_kind::staterror:
    case modifier_kind::shapesys: {
      out.data = numbers(ck, d, [&] { return join(ptr(), "data"); });
      if (std::int64_t(out.data.size()) != nbins) ck.fail(mp(), bins_msg("data", out.data.size()));
      break;
    }
    case modifier_kind::lumi:
      if (name != "lumi") ck.fail(mp(), "a lumi modifier must be named 'lumi' (pyhf schema 1.0.0)");
      [[fallthrough]];
    case modifier_kind::normfactor:
    case modifier_kind::shapefactor:
      if (!d.is_null()) ck.fail(join(ptr(), "data"), std::string("expected null, got ") + type_name(d));
      break;
  }
  return out;
}

void check_parameter_config(const checker& ck, const json& p, const std::string& ptr) {
  object(ck, p, ptr, {"name"}, {"name", "inits", "bounds", "auxdata", "factors", "sigmas", "fixed"});
  string(ck, p["name"], join(ptr, "name"));
  for (const char* key : {"inits", "auxdata", "factors", "sigmas"})
    if (p.contains(key)) numbers(ck, p[key], join(ptr, key));
  if (p.contains("fixed")) expect(ck, p["fixed"], json::value_t::boolean, join(ptr, "fixed"));
  if (p.contains("bounds")) {
    const json& b = p["bounds"];
    const std::string bp = join(ptr, "bounds");
    array(ck, b, bp, true);
    for (std::size_t i = 0; i < b.size(); ++i) {
      const std::string ip = join(bp, i);
      expect(ck, b[i], json::value_t::array, ip);
      if (b[i].size() != 2) ck.fail(ip, "a bound needs 2 numbers [lo, hi], got " + std::to_string(b[i].size()));
      double lo = number(ck, b[i][0], join(ip, 0)), hi = number(ck, b[i][1], join(ip, 1));
      if (lo > hi) ck.fail(ip, "lower bound " + json(lo).dump() + " > upper bound " + json(hi).dump());
    }
  }
}

std::string sample_pointer(std::int32_t cpos, std::int32_t spos) {
  return "/channels/" + std::to_string(cpos) + "/samples/" + std::to_string(spos);
}

}  // namespace

std::string modifier_pointer(const ws_channel& c, const ws_sample& s, const ir_mod& m) {
  return sample_pointer(c.pos, s.pos) + "/modifiers/" + std::to_string(m.pos) + " (" + quoted_mod(m) + ")";
}

ir_sample parse_sample(const checker& ck, const json& sj, const std::string& sp, const std::string& chan,
                       std::int32_t nbins, name_dict& dict) {
  object(ck, sj, sp, {"name", "data", "modifiers"}, {"name", "data", "modifiers"});
  ir_sample s;
  s.name = string(ck, sj["name"], [&] { return join(sp, "name"); });
  s.data = numbers(ck, sj["data"], [&] { return join(sp, "data"); });
  const std::size_t n = s.data.size();
  if (nbins < 0) nbins = std::int32_t(n);
  else if (std::int64_t(n) != nbins)
    ck.fail(join(sp, "data"), "sample '" + s.name + "' has " + std::to_string(n) + " bins, channel '" + chan +
                                  "' has " + std::to_string(nbins));
  for (std::size_t b = 0; b < n; ++b)
    if (s.data[b] < 0) {
      s.warnings.push_back({"/data", "negative nominal rate in bin " + std::to_string(b)});
      break;
    }
  const json& mods = sj["modifiers"];
  array(ck, mods, [&] { return join(sp, "modifiers"); }, false);
  s.mods.reserve(mods.size());
  for (std::size_t mi = 0; mi < mods.size(); ++mi)
    s.mods.push_back(check_modifier(ck, mods[mi], sp, mi, chan, nbins, &s.warnings, dict));
  std::sort(s.mods.begin(), s.mods.end(), [](const ir_mod& a, const ir_mod& b) {
    int c = a.name.compare(b.name);
    return c != 0 ? c < 0 : a.kind < b.kind;
  });
  for (std::size_t k = 1; k < s.mods.size(); ++k)
    if (s.mods[k].name == s.mods[k - 1].name && s.mods[k].kind == s.mods[k - 1].kind) {
      const ir_mod& a = s.mods[k].pos < s.mods[k - 1].pos ? s.mods[k] : s.mods[k - 1];
      const ir_mod& b = s.mods[k].pos < s.mods[k - 1].pos ? s.mods[k - 1] : s.mods[k];
      ck.fail(sp + "/modifiers/" + std::to_string(b.pos) + " (" + quoted_mod(b) + ")",
              "sample '" + s.name + "' already has " + quoted_mod(a) + " at modifiers/" + std::to_string(a.pos));
    }
  return s;
}

void emit_sample_warnings(const checker& ck, const ir_sample& s, const std::string& sp) {
  for (const raw_warning& w : s.warnings) ck.warn(sp + w.pointer, w.what);
}

const std::string& check_channel_object(const checker& ck, const json& cj, const std::string& cp) {
  object(ck, cj, cp, {"name", "samples"}, {"name", "samples"});
  const std::string& name = string(ck, cj["name"], join(cp, "name"));
  array(ck, cj["samples"], join(cp, "samples"), true);
  return name;
}

void index_channel(const checker& ck, ws_channel& ch) {
  const std::string cp = join("/channels", std::size_t(ch.pos));
  if (ch.samples.empty()) ck.fail(join(cp, "samples"), "empty array (at least one entry required)");
  // pyhf takes a channel's bin count from its first sample (mixins.py).
  ch.nbins = std::int32_t(ch.samples.front().ir->data.size());
  for (const ws_sample& s : ch.samples)
    if (std::int64_t(s.ir->data.size()) != ch.nbins)
      ck.fail(join(sample_pointer(ch.pos, s.pos), "data"),
              "sample '" + s.name() + "' has " + std::to_string(s.ir->data.size()) + " bins, channel '" + *ch.name +
                  "' has " + std::to_string(ch.nbins));
  std::sort(ch.samples.begin(), ch.samples.end(),
            [](const ws_sample& a, const ws_sample& b) { return a.name() < b.name(); });
  for (std::size_t k = 1; k < ch.samples.size(); ++k)
    if (ch.samples[k].name() == ch.samples[k - 1].name()) {
      int p = std::max(ch.samples[k].pos, ch.samples[k - 1].pos);
      int q = std::min(ch.samples[k].pos, ch.samples[k - 1].pos);
      ck.fail(join(join(cp, "samples"), std::size_t(p)), "duplicate sample name '" + ch.samples[k].name() +
                                                             "' in channel '" + *ch.name + "' (also samples/" +
                                                             std::to_string(q) + ")");
    }
}

void index_model(const checker& ck, ws_index& ix) {
  std::sort(ix.channels.begin(), ix.channels.end(),
            [](const ws_channel& a, const ws_channel& b) { return *a.name < *b.name; });
  for (std::size_t k = 1; k < ix.channels.size(); ++k)
    if (*ix.channels[k].name == *ix.channels[k - 1].name) {
      int p = std::max(ix.channels[k].pos, ix.channels[k - 1].pos);
      int q = std::min(ix.channels[k].pos, ix.channels[k - 1].pos);
      ck.fail(join("/channels", std::size_t(p)), "duplicate channel name '" + *ix.channels[k].name +
                                                     "' (also channels/" + std::to_string(q) + ")");
    }

  // ---- modifier names across the model (pyhf pdf.py / parameters/utils.py) ----
  struct first_use { const ws_channel* c = nullptr; const ws_sample* s = nullptr; const ir_mod* m = nullptr; };
  const std::size_t n_names = std::size_t(ix.dict->size());
  ix.names.assign(n_names, ws_name_info{});
  std::vector<first_use> first(n_names);           // first use of each name
  std::vector<first_use> shapesys_owner(n_names);
  // staterror: per (name, sample name) the channels that sample carries it in
  struct staterror_use {
    std::int32_t id = -1;
    std::unordered_map<std::string_view, std::vector<std::int32_t>> per_sample;
  };
  std::unordered_map<std::string_view, staterror_use> staterror_chans;
  std::vector<std::string> all_samples;
  for (std::size_t ci = 0; ci < ix.channels.size(); ++ci) {
    const ws_channel& c = ix.channels[ci];
    for (const ws_sample& s : c.samples) {
      all_samples.push_back(s.name());
      for (const ir_mod& m : s.ir->mods) {
        ws_name_info& info = ix.names[std::size_t(m.id)];
        if (!first[std::size_t(m.id)].m) first[std::size_t(m.id)] = first_use{&c, &s, &m};
        const std::uint8_t bit = std::uint8_t(1u << int(m.kind));
        if (!(info.kinds & bit)) {
          info.kinds |= bit;
          // pyhf shares a name between types only when their parameter requirements agree
          // (reduce_paramsets_requirements): histosys and normsys, nothing else.
          constexpr std::uint8_t ok = (1u << int(modifier_kind::histosys)) | (1u << int(modifier_kind::normsys));
          if ((info.kinds & (info.kinds - 1)) && (info.kinds & ~ok)) {
            const first_use& f = first[std::size_t(m.id)];
            ck.fail(modifier_pointer(c, s, m),
                    "modifier name '" + m.name + "' is already used by a " + kind_names[int(f.m->kind)] +
                        " modifier (" + modifier_pointer(*f.c, *f.s, *f.m) +
                        "); pyhf allows one name for several types only for histosys and normsys");
          }
          if (m.kind == modifier_kind::shapefactor) info.n = c.nbins;  // first channel registers it
        }
        if (m.kind == modifier_kind::shapefactor && c.nbins > info.n)
          ck.fail(modifier_pointer(c, s, m), "shapefactor '" + m.name + "' has " + std::to_string(info.n) +
                                                 " parameters (first used in a channel with that many bins); channel '" +
                                                 *c.name + "' has " + std::to_string(c.nbins) + " bins");
        if (m.kind == modifier_kind::shapesys) {
          first_use& own = shapesys_owner[std::size_t(m.id)];
          if (own.m)
            ck.fail(modifier_pointer(c, s, m), "shapesys '" + m.name + "' is already used by " +
                                                   modifier_pointer(*own.c, *own.s, *own.m) +
                                                   " (pyhf does not share shapesys parameters)");
          own = first_use{&c, &s, &m};
          info.n = c.nbins;
        }
        if (m.kind == modifier_kind::staterror) {
          staterror_use& u = staterror_chans[m.name];
          u.id = m.id;
          u.per_sample[s.name()].push_back(std::int32_t(ci));
        }
      }
    }
  }
  for (ws_name_info& info : ix.names) {
    for (int k = 0; k < n_modifier_kinds; ++k)
      if (info.kinds & (1u << k)) { info.group = modifier_kind(k); break; }
  }
  // staterror: every sample carrying it must carry it in the same channels (pyhf asserts
  // equal masks in staterror_builder.finalize); its components are those channels' bins.
  for (auto& [name, use] : staterror_chans) {
    auto& per_sample = use.per_sample;
    std::vector<std::int32_t> all;
    for (auto& [sname, chs] : per_sample) all.insert(all.end(), chs.begin(), chs.end());
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (auto& [sname, chs] : per_sample)
      if (chs.size() != all.size()) {
        // name a channel where this sample lacks it
        std::int32_t miss = -1;
        for (std::int32_t c : all)
          if (std::find(chs.begin(), chs.end(), c) == chs.end()) { miss = c; break; }
        const ws_channel& c = ix.channels[std::size_t(miss)];
        ck.fail(join("/channels", std::size_t(c.pos)),
                "staterror '" + std::string(name) + "' is carried by sample '" + std::string(sname) +
                    "' in some channels but not in channel '" + *c.name +
                    "', where other samples carry it (pyhf requires the same channels for every sample)");
      }
    ws_name_info& info = ix.names[std::size_t(use.id)];
    info.channels = all;
    info.n = 0;
    for (std::int32_t c : all) info.n += ix.channels[std::size_t(c)].nbins;
  }
  std::sort(all_samples.begin(), all_samples.end());
  all_samples.erase(std::unique(all_samples.begin(), all_samples.end()), all_samples.end());
  ix.sample_names = std::move(all_samples);
}

ws_observations parse_observations(const checker& ck, const json& spec) {
  const json& obs = spec["observations"];
  array(ck, obs, "/observations", true);
  ws_observations out;
  out.data.reserve(obs.size());
  for (std::size_t oi = 0; oi < obs.size(); ++oi) {
    const std::string op = join("/observations", oi);
    object(ck, obs[oi], op, {"name", "data"}, {"name", "data"});
    const std::string& name = string(ck, obs[oi]["name"], join(op, "name"));
    out.data.push_back(numbers(ck, obs[oi]["data"], join(op, "data")));
    const std::vector<double>& d = out.data.back();
    for (std::size_t b = 0; b < d.size(); ++b)
      if (d[b] < 0) ck.fail(join(join(op, "data"), b), "negative observed count " + obs[oi]["data"][b].dump());
    auto [it, fresh] = out.by_name.emplace(name, oi);
    if (!fresh)
      ck.fail(op, "duplicate observation for channel '" + name + "' (also observations/" +
                      std::to_string(it->second) + ")");
  }
  return out;
}

void match_observations(const checker& ck, ws_index& ix, const ws_observations& obs) {
  for (ws_channel& c : ix.channels) {
    auto it = obs.by_name.find(*c.name);
    if (it == obs.by_name.end())
      ck.fail(join("/channels", std::size_t(c.pos)), "channel '" + *c.name + "' has no observation");
    c.obs = &obs.data[it->second];
    if (std::int64_t(c.obs->size()) != c.nbins)
      ck.fail(join(join("/observations", it->second), "data"),
              "observation has " + std::to_string(c.obs->size()) + " bins, channel '" + *c.name + "' has " +
                  std::to_string(c.nbins));
  }
}

void check_measurements(const checker& ck, const json& spec) {
  const json& meas = spec["measurements"];
  array(ck, meas, "/measurements", true);
  std::unordered_map<std::string, std::size_t> meas_pos;
  for (std::size_t mi = 0; mi < meas.size(); ++mi) {
    const std::string mp = join("/measurements", mi);
    object(ck, meas[mi], mp, {"name", "config"}, {"name", "config"});
    const std::string& name = string(ck, meas[mi]["name"], join(mp, "name"));
    if (!meas_pos.emplace(name, mi).second)
      ck.warn(mp, "duplicate measurement name '" + name + "' (pyhf picks the first)");
    const std::string cp = join(mp, "config");
    const json& cfg = meas[mi]["config"];
    object(ck, cfg, cp, {"poi", "parameters"}, {"poi", "parameters"});
    string(ck, cfg["poi"], join(cp, "poi"));
    const json& pars = cfg["parameters"];
    array(ck, pars, join(cp, "parameters"), false);
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t pi = 0; pi < pars.size(); ++pi) {
      const std::string pp = join(join(cp, "parameters"), pi);
      check_parameter_config(ck, pars[pi], pp);
      auto [it, fresh] = seen.emplace(pars[pi]["name"].get<std::string>(), pi);
      if (!fresh)
        ck.fail(pp, "second configuration for parameter '" + it->first + "' (also parameters/" +
                        std::to_string(it->second) + "; pyhf rejects this)");
    }
  }
}

void check_top_level(const checker& ck, const json& spec) {
  object(ck, spec, "", {"channels", "measurements", "observations", "version"},
         {"channels", "measurements", "observations", "version"});
  const std::string& version = string(ck, spec["version"], "/version");
  if (version != "1.0.0") ck.fail("/version", "unsupported version '" + version + "' (expected \"1.0.0\")");
  array(ck, spec["channels"], "/channels", true);
}

ws_index index_workspace(const json& spec, const std::string& file, std::vector<std::string>* warnings) {
  checker ck{file, warnings};
  check_top_level(ck, spec);

  ws_index ix;
  ix.own_dict = std::make_unique<name_dict>();
  ix.dict = ix.own_dict.get();
  // ---- channels, samples, modifiers (schema and bin counts), one channel at a time ----
  const json& chans = spec["channels"];
  ix.channels.reserve(chans.size());
  for (std::size_t ci = 0; ci < chans.size(); ++ci) {
    const std::string cp = join("/channels", ci);
    const json& cj = chans[ci];
    ws_channel ch;
    ch.name = &check_channel_object(ck, cj, cp);
    ch.pos = std::int32_t(ci);
    const json& samples = cj["samples"];
    std::int32_t nbins = -1;
    for (std::size_t si = 0; si < samples.size(); ++si) {
      const std::string sp = join(join(cp, "samples"), si);
      ix.own_samples.push_back(std::make_unique<ir_sample>(parse_sample(ck, samples[si], sp, *ch.name, nbins, *ix.own_dict)));
      const ir_sample& s = *ix.own_samples.back();
      if (si == 0) nbins = std::int32_t(s.data.size());
      emit_sample_warnings(ck, s, sp);
      ch.samples.push_back(ws_sample{&s, std::int32_t(si)});
    }
    index_channel(ck, ch);
    ix.channels.push_back(std::move(ch));
  }
  index_model(ck, ix);

  // ---- observations ----
  ix.own_obs = std::make_unique<ws_observations>(parse_observations(ck, spec));
  match_observations(ck, ix, *ix.own_obs);

  // ---- measurements (schema; their configs are checked against the model when built) ----
  check_measurements(ck, spec);
  ix.measurements = &spec["measurements"];
  return ix;
}

}  // namespace detail

void validate_workspace(const json& spec, const std::string& file, std::vector<std::string>* warnings) {
  detail::ws_index ix = detail::index_workspace(spec, file, warnings);
  // Every measurement's config must fit the model (compile_model checks only the one it uses).
  model_options opt;
  for (std::size_t i = 0; i < ix.measurements->size(); ++i) {
    std::vector<std::string> w;
    detail::build_model(ix, (*ix.measurements)[i], i, opt, file, &w);
    if (warnings) warnings->insert(warnings->end(), w.begin(), w.end());
  }
}

const json& find_measurement(const json& spec, const std::string& name, const std::string& file) {
  // Works on unvalidated specs too: anything unexpected is an input_error.
  if (!spec.is_object() || !spec.contains("measurements") || !spec["measurements"].is_array())
    throw input_error(file, "/measurements", "no measurements array");
  const json& meas = spec["measurements"];
  if (meas.empty()) throw input_error(file, "/measurements", "no measurements defined");
  auto name_of = [&](std::size_t i) -> const std::string& {
    const json& m = meas[i];
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string())
      throw input_error(file, "/measurements/" + std::to_string(i), "measurement without a string 'name'");
    return m["name"].get_ref<const std::string&>();
  };
  if (name.empty()) return meas[0];
  for (std::size_t i = 0; i < meas.size(); ++i)
    if (name_of(i) == name) return meas[i];
  std::string names;
  for (std::size_t i = 0; i < meas.size(); ++i) names += (names.empty() ? "'" : ", '") + name_of(i) + "'";
  throw input_error(file, "/measurements", "no measurement named '" + name + "' (have " + names + ")");
}

interp_code parse_interp_code(const std::string& t) {
  if (t == "code0") return interp_code::code0;
  if (t == "code1") return interp_code::code1;
  if (t == "code2") return interp_code::code2;
  if (t == "code4") return interp_code::code4;
  if (t == "code4p") return interp_code::code4p;
  throw usage_error("unknown interpolation code '" + t + "' (code0, code1, code2, code4, code4p)");
}

const char* interp_code_name(interp_code c) {
  switch (c) {
    case interp_code::code0: return "code0";
    case interp_code::code1: return "code1";
    case interp_code::code2: return "code2";
    case interp_code::code4: return "code4";
    case interp_code::code4p: return "code4p";
  }
  return "?";
}

const char* modifier_kind_name(modifier_kind k) { return detail::kind_names[int(k)]; }

}  // namespace hfx
