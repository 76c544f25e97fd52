// pyhf patchsets: validation as in pyhf's schema (schemas/1.0.0/defs.json#/definitions/
// patchset) and PatchSet.__init__, application and digest verification (PatchSet.verify).
#include "hfx/patchset.hpp"

#include <unordered_map>

#include "hfx/digest.hpp"
#include "hfx/error.hpp"
#include "hfx/json_patch.hpp"

namespace hfx {

namespace {


bool is_identifier(const std::string& s) {  // schema pattern ^[a-zA-Z0-9_]+$
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool is_hex(const std::string& s, size_t n, bool allow_upper) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (allow_upper && c >= 'A' && c <= 'F'))) return false;
  return true;
}

struct checker {
  const std::string& file;

  [[noreturn]] void fail(const std::string& ptr, const std::string& what) const { throw input_error(file, ptr, what); }

  void expect(const json& j, json::value_t t, const char* want, const std::string& ptr) const {
    if (j.type() != t) fail(ptr, std::string("expected ") + want + ", got " + json_type_name(j));
  }
  const json& member(const json& obj, const char* key, const std::string& ptr) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(ptr, std::string("missing required key \"") + key + "\"");
    return *it;
  }
  void only_keys(const json& obj, std::initializer_list<const char*> keys, const std::string& ptr) const {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* k : keys) ok = ok || it.key() == k;
      if (!ok) fail(ptr, "unexpected key \"" + it.key() + "\"");
    }
  }
};

// Key under which Python's tuple equality/hash would collide: numbers by value
// (2100 == 2100.0), strings by content.
std::string values_key(const json& values) {
  std::string key;
  for (const auto& v : values) {
    if (v.is_string()) key += python_json_dumps(v);
    else {
      key += 'n';
      key += python_float_repr(v.get<double>());
    }
    key += ',';
  }
  return key;
}

std::string values_text(const json& values) { return python_json_dumps(values); }

}  // namespace

const patch_entry* patchset::find(const std::string& name) const {
  for (const auto& p : patches)
    if (p.name == name) return &p;
  return nullptr;
}

const patch_entry* patchset::find_values(const json& values) const {
  if (!values.is_array()) return nullptr;
  for (const auto& v : values)
    if (!v.is_string() && !v.is_number()) return nullptr;
  const std::string key = values_key(values);
  for (const auto& p : patches)
    if (p.values.size() == values.size() && values_key(p.values) == key) return &p;
  return nullptr;
}

const patch_entry& patchset::at(const std::string& name) const {
  if (const patch_entry* p = find(name)) return *p;
  throw input_error(file, "", "no patch named '" + name + "' in the patchset (" + std::to_string(patches.size()) +
                                  " patches; list them with 'hfx patchset inspect')");
}

patchset parse_patchset(json doc, const std::string& file) {
  checker c{file};
  patchset ps;
  ps.file = file;
  c.expect(doc, json::value_t::object, "a patchset object", "");
  if (doc.contains("channels") && !doc.contains("patches"))
    c.fail("", "this is a workspace, not a patchset (are WS and PS swapped?)");
  c.only_keys(doc, {"metadata", "patches", "version"}, "");

  const json& version = c.member(doc, "version", "");
  if (!version.is_string() || version.get<std::string>() != "1.0.0")
    c.fail("/version", "unsupported patchset version " + version.dump() + " (expected \"1.0.0\")");
  ps.version = version.get<std::string>();

  // ---- metadata
  const json& md = c.member(doc, "metadata", "");
  c.expect(md, json::value_t::object, "an object", "/metadata");
  const json& desc = c.member(md, "description", "/metadata");
  c.expect(desc, json::value_t::string, "a string", "/metadata/description");
  ps.description = desc.get<std::string>();

  const json& labels = c.member(md, "labels", "/metadata");
  c.expect(labels, json::value_t::array, "an array of label names", "/metadata/labels");
  if (labels.empty()) c.fail("/metadata/labels", "at least one label is required");
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string p = "/metadata/labels/" + std::to_string(i);
    c.expect(labels[i], json::value_t::string, "a string", p);
    const auto& s = labels[i].get_ref<const std::string&>();
    if (!is_identifier(s)) c.fail(p, "label '" + s + "' must match ^[a-zA-Z0-9_]+$");
    ps.labels.push_back(s);
  }

  const json& digests = c.member(md, "digests", "/metadata");
  c.expect(digests, json::value_t::object, "an object", "/metadata/digests");
  if (digests.empty()) c.fail("/metadata/digests", "at least one digest (sha256 or md5) is required");
  for (auto it = digests.begin(); it != digests.end(); ++it) {
    std::string p = "/metadata/digests/" + json_pointer_escape(it.key());
    if (it.key() != "sha256" && it.key() != "md5")
      c.fail(p, "unsupported digest algorithm '" + it.key() + "' (the schema allows sha256 and md5)");
    c.expect(it.value(), json::value_t::string, "a hex string", p);
    const auto& s = it.value().get_ref<const std::string&>();
    bool ok = it.key() == "sha256" ? is_hex(s, 64, true) : is_hex(s, 32, false);
    if (!ok) c.fail(p, "'" + s + "' is not a valid " + it.key() + " digest");
    ps.digests[it.key()] = s;
  }

  const json& refs = c.member(md, "references", "/metadata");
  c.expect(refs, json::value_t::object, "an object", "/metadata/references");
  if (refs.empty()) c.fail("/metadata/references", "at least one reference is required");
  c.only_keys(refs, {"hepdata"}, "/metadata/references");
  {
    const json& h = refs.at("hepdata");
    c.expect(h, json::value_t::string, "a string", "/metadata/references/hepdata");
    const auto& s = h.get_ref<const std::string&>();
    bool ok = s.size() == 10 && s.compare(0, 3, "ins") == 0;
    for (size_t i = 3; ok && i < s.size(); ++i) ok = s[i] >= '0' && s[i] <= '9';
    if (!ok) c.fail("/metadata/references/hepdata", "'" + s + "' must match ^ins[0-9]{7}$");
  }
  ps.references = refs;
  ps.metadata = md;

  // ---- patches
  if (!doc.contains("patches")) c.fail("", "missing required key \"patches\"");
  json& patches = doc["patches"];
  c.expect(patches, json::value_t::array, "an array of patches", "/patches");
  if (patches.empty()) c.fail("/patches", "a patchset needs at least one patch");
  std::unordered_map<std::string, size_t> by_name, by_values;
  ps.patches.reserve(patches.size());
  for (size_t i = 0; i < patches.size(); ++i) {
    const std::string p = "/patches/" + std::to_string(i);
    json& entry = patches[i];
    c.expect(entry, json::value_t::object, "a patch object", p);
    c.only_keys(entry, {"metadata", "patch"}, p);
    if (!entry.contains("metadata")) c.fail(p, "missing required key \"metadata\"");
    json& pm = entry["metadata"];
    c.expect(pm, json::value_t::object, "an object", p + "/metadata");
    const json& name = c.member(pm, "name", p + "/metadata");
    c.expect(name, json::value_t::string, "a string", p + "/metadata/name");
    const std::string& n = name.get_ref<const std::string&>();
    if (!is_identifier(n)) c.fail(p + "/metadata/name", "patch name '" + n + "' must match ^[a-zA-Z0-9_]+$");
    const json& values = c.member(pm, "values", p + "/metadata");
    c.expect(values, json::value_t::array, "an array", p + "/metadata/values");
    for (size_t k = 0; k < values.size(); ++k)
      if (!values[k].is_number() && !values[k].is_string())
        c.fail(p + "/metadata/values/" + std::to_string(k),
               std::string("a value must be a number or a string, got ") + json_type_name(values[k]));
    if (values.size() != ps.labels.size())
      c.fail(p + "/metadata/values", "patch '" + n + "' has " + std::to_string(values.size()) + " values " +
                                         values_text(values) + ", the patchset has " +
                                         std::to_string(ps.labels.size()) + " labels");
    if (auto [it, fresh] = by_name.emplace(n, i); !fresh)
      c.fail(p + "/metadata/name", "duplicate patch name '" + n + "' (first at /patches/" +
                                       std::to_string(it->second) + ")");
    if (auto [it, fresh] = by_values.emplace(values_key(values), i); !fresh)
      c.fail(p + "/metadata/values", "duplicate patch values " + values_text(values) + " of '" + n +
                                         "' (same as '" + ps.patches[it->second].name + "' at /patches/" +
                                         std::to_string(it->second) + ")");
    if (!entry.contains("patch")) c.fail(p, "missing required key \"patch\"");
    json& ops = entry["patch"];
    c.expect(ops, json::value_t::array, "an array of operations", p + "/patch");
    for (size_t k = 0; k < ops.size(); ++k) check_json_patch_operation(ops[k], file, p + "/patch/" + std::to_string(k));

    patch_entry e;
    e.name = n;
    e.values = values;
    e.index = i;
    e.ops = std::move(ops);
    e.metadata = std::move(pm);
    ps.patches.push_back(std::move(e));
  }
  return ps;
}

patchset load_patchset(const std::string& path) { return parse_patchset(load_json_file(path), path); }

json apply_patch(const json& ws, const patchset& ps, const patch_entry& patch) {
  return apply_json_patch_copy(ws, patch.ops, ps.file, patch.ops_pointer());
}

void verify_patchset(const patchset& ps, const json& ws, const std::string& ws_file) {
  for (const auto& [alg, expected] : ps.digests) {
    std::string got = json_digest(ws, alg, ps.file);
    if (got != expected)
      throw input_error(ps.file, "/metadata/digests/" + alg,
                        "digest mismatch: the patchset was made for a workspace with " + alg + " " + expected + ", but " +
                            (ws_file.empty() ? std::string("the workspace") : ws_file) + " has " + got +
                            " (is it the background-only workspace of this patchset?)");
  }
}

}  // namespace hfx
