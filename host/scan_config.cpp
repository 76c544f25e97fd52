// host/scan_config.cpp - loading and validating scan configs (format in scan_config.hpp).
#include "hfx/scan_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "hfx/error.hpp"
#include "hfx/patch_select.hpp"

namespace hfx {

namespace fs = std::filesystem;

namespace {

const char* const known_keys[] = {"name",  "description", "workspace", "patchset", "measurement", "mu_test",
                                  "test_stat", "limits",  "patches",   "out",      "provenance"};
const char* const test_stats[] = {"qtilde", "q", "q0"};  // pyhf.infer.utils.get_test_stat

struct validator {
  const json& j;
  const std::string& file;
  fs::path base;

  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    throw input_error(file, key.empty() ? "" : "/" + json_pointer_escape(key), problem);
  }
  const json* get(const std::string& key) const {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }
  std::optional<std::string> opt_string(const std::string& key) const {
    const json* v = get(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(key, std::string("expected a string, got ") + v->type_name());
    return v->get<std::string>();
  }
  std::string string(const std::string& key) const {
    auto s = opt_string(key);
    if (!s) fail("", "missing required key '" + key + "'");
    if (s->empty()) fail(key, "must not be empty");
    return *s;
  }
  std::string resolve(const std::string& rel) const {
    fs::path p(rel);
    if (p.is_relative() && !base.empty()) p = base / p;
    return p.lexically_normal().string();
  }
  std::string existing_file(const std::string& key) const {
    std::string p = resolve(string(key));
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) fail(key, "file '" + p + "' does not exist (paths are relative to the config file)");
    return p;
  }
};

// The selection text, with @FILE items made relative to the config file.
std::string selection_text(const validator& v) {
  const json* p = v.get("patches");
  std::vector<std::string> items;
  if (p->is_string()) {
    std::string s = p->get<std::string>();
    size_t pos = 0;
    while (pos <= s.size()) {
      size_t c = std::min(s.find(',', pos), s.size());
      items.push_back(s.substr(pos, c - pos));
      pos = c + 1;
    }
  } else if (p->is_array()) {
    for (size_t i = 0; i < p->size(); ++i) {
      if (!(*p)[i].is_string()) throw input_error(v.file, "/patches/" + std::to_string(i), "expected a string");
      std::string s = (*p)[i].get<std::string>();
      if (s.find(',') != std::string::npos)
        throw input_error(v.file, "/patches/" + std::to_string(i), "an item of the array must not contain ','");
      items.push_back(s);
    }
  } else {
    v.fail("patches", "expected a selection string or an array of selection items");
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string it = items[i];
    size_t b = it.find_first_not_of(" \t");
    if (b != std::string::npos && it[b] == '@' && it.size() > b + 1) {
      std::string resolved = v.resolve(it.substr(b + 1));
      it = '@';
      it += resolved;
    }
    if (i) out += ',';
    out += it;
  }
  return out;
}

}  // namespace

scan_config parse_scan_config(const json& j, const std::string& path) {
  if (!j.is_object()) throw input_error(path, "", "a scan config must be a JSON object");
  validator v{j, path, fs::path(path).parent_path()};
  for (const auto& item : j.items()) {
    // A named copy, not a structured binding: clang 14 cannot capture those in lambdas.
    const std::string k = item.key();
    bool known = std::any_of(std::begin(known_keys), std::end(known_keys), [&](const char* n) { return k == n; });
    if (!known) {
      std::string list;
      for (const char* n : known_keys) {
        if (!list.empty()) list += ", ";
        list += n;
      }
      v.fail(k, "unknown key (known keys: " + list + ")");
    }
  }
  scan_config c;
  c.file = path;
  c.name = v.string("name");
  if (c.name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != std::string::npos)
    v.fail("name", "'" + c.name + "' may only contain letters, digits, '_', '.' and '-' (it names output files)");
  c.description = v.opt_string("description").value_or("");
  c.workspace = v.existing_file("workspace");
  c.patchset = v.existing_file("patchset");
  c.measurement = v.opt_string("measurement");
  if (c.measurement && c.measurement->empty()) v.fail("measurement", "must not be empty (omit it for the first)");
  if (const json* m = v.get("mu_test")) {
    if (!m->is_number()) v.fail("mu_test", std::string("expected a number, got ") + m->type_name());
    c.mu_test = m->get<double>();
    if (!std::isfinite(c.mu_test)) v.fail("mu_test", "must be finite");
  }
  if (auto ts = v.opt_string("test_stat")) {
    if (std::none_of(std::begin(test_stats), std::end(test_stats), [&](const char* n) { return *ts == n; }))
      v.fail("test_stat", "unknown test statistic '" + *ts + "' (pyhf's: qtilde, q, q0)");
    c.test_stat = *ts;
  }
  if (const json* l = v.get("limits")) {
    if (!l->is_boolean()) v.fail("limits", std::string("expected true or false, got ") + l->type_name());
    c.limits = l->get<bool>();
  }
  if (c.limits && c.test_stat == "q0")
    v.fail("limits", "upper limits need a CLs test statistic (qtilde or q), not q0");
  if (const json* p = v.get("patches"); p && !p->is_null()) {
    c.patches = selection_text(v);
    try {
      check_patch_selection(*c.patches, path);
    } catch (const input_error& e) {
      throw input_error(path, "/patches", e.file == path ? e.problem : e.what());
    }
  }
  c.out = v.opt_string("out").value_or(c.name + ".jsonl");
  if (c.out.empty()) v.fail("out", "must not be empty");
  if (const json* p = v.get("provenance"); p && !p->is_null()) {
    if (!p->is_object()) v.fail("provenance", std::string("expected an object, got ") + p->type_name());
    c.provenance = *p;
  }
  return c;
}

scan_config load_scan_config(const std::string& path) { return parse_scan_config(load_json_file(path), path); }

std::vector<std::string> list_scan_configs(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") out.push_back(e.path().string());
  if (ec) throw error("cannot list scan configs in '" + dir + "': " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace hfx
