// host/scan_record.cpp - scan records <-> JSON lines (format documented in scan_record.hpp).
#include "hfx/scan_record.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "hfx/error.hpp"

namespace hfx {

namespace {

constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

// Writes a double, or null (recording the pointer) when it is not finite.
struct number_writer {
  std::vector<std::string> nonfinite;
  ordered_json operator()(double x, const std::string& pointer) {
    if (std::isfinite(x)) return x;
    nonfinite.push_back(pointer);
    return nullptr;
  }
  ordered_json set(const expected_set& v, const std::string& pointer) {
    ordered_json a = ordered_json::array();
    for (size_t i = 0; i < v.size(); ++i) a.push_back((*this)(v[i], pointer + "/" + std::to_string(i)));
    return a;
  }
};

// Keys the reader knows; everything else goes to `extra`.
const char* const known_keys[] = {"patch",  "values",    "mu_test",      "test_stat", "CLs_obs",
                                  "CLs_exp", "p0",       "p0_exp",       "UL_obs",    "UL_exp",
                                  "limit_status", "muhat", "twice_nll", "status",    "error",
                                  "time_s", "nonfinite"};

bool is_known_key(const std::string& k) {
  for (const char* key : known_keys)
    if (k == key) return true;
  return false;
}

struct reader {
  const json& j;
  const std::string& file;

  [[noreturn]] void fail(const std::string& pointer, const std::string& problem) const {
    throw input_error(file, pointer, problem);
  }
  static double number(const json& v, const std::string& pointer, const reader& r) {
    if (v.is_null()) return quiet_nan;  // a non-finite value written as null
    if (!v.is_number()) r.fail(pointer, "expected a number or null, got " + std::string(v.type_name()));
    return v.get<double>();
  }
  double number(const std::string& key) const { return number(j.at(key), "/" + key, *this); }
  std::optional<double> opt_number(const std::string& key) const {
    if (!j.contains(key)) return std::nullopt;
    return number(key);
  }
  std::string string(const std::string& key) const {
    const json& v = j.at(key);
    if (!v.is_string()) fail("/" + key, "expected a string, got " + std::string(v.type_name()));
    return v.get<std::string>();
  }
  std::optional<std::string> opt_string(const std::string& key) const {
    if (!j.contains(key)) return std::nullopt;
    return string(key);
  }
  std::optional<expected_set> opt_set(const std::string& key) const {
    if (!j.contains(key)) return std::nullopt;
    const json& v = j.at(key);
    if (!v.is_array() || v.size() != 5)
      fail("/" + key, "expected an array of 5 numbers (pyhf order -2s..+2s)");
    expected_set s{};
    for (size_t i = 0; i < 5; ++i) s[i] = number(v[i], "/" + key + "/" + std::to_string(i), *this);
    return s;
  }
  void require(const std::string& key) const {
    if (!j.contains(key)) fail("", "missing required key '" + key + "'");
  }
};

}  // namespace

scan_record error_record(std::string patch, json values, double mu_test, std::string test_stat,
                         std::string message, double time_s) {
  scan_record r;
  r.patch = std::move(patch);
  r.values = std::move(values);
  r.mu_test = mu_test;
  r.test_stat = std::move(test_stat);
  r.error = std::move(message);
  r.time_s = time_s;
  return r;
}

json label_values(const json& labels, const json& values) {
  if (!labels.is_array()) throw error("patchset labels are not an array");
  if (!values.is_array()) throw error("patch values are not an array");
  if (labels.size() != values.size())
    throw error("patch has " + std::to_string(values.size()) + " values but the patchset has " +
                std::to_string(labels.size()) + " labels");
  json out = json::object();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!labels[i].is_string()) throw error("patchset label " + std::to_string(i) + " is not a string");
    out[labels[i].get<std::string>()] = values[i];
  }
  return out;
}

ordered_json to_json(const scan_record& r) {
  number_writer num;
  ordered_json j;
  j["patch"] = r.patch;
  if (r.label_order.empty() || !r.values.is_object()) {
    j["values"] = r.values;
  } else {
    ordered_json v = ordered_json::object();
    for (const auto& l : r.label_order)
      if (r.values.contains(l)) v[l] = r.values[l];
    for (auto it = r.values.begin(); it != r.values.end(); ++it)
      if (!v.contains(it.key())) v[it.key()] = *it;
    j["values"] = std::move(v);
  }
  j["mu_test"] = num(r.mu_test, "/mu_test");
  j["test_stat"] = r.test_stat;
  if (r.CLs_obs) j["CLs_obs"] = num(*r.CLs_obs, "/CLs_obs");
  if (r.CLs_exp) j["CLs_exp"] = num.set(*r.CLs_exp, "/CLs_exp");
  if (r.p0) j["p0"] = num(*r.p0, "/p0");
  if (r.p0_exp) j["p0_exp"] = num.set(*r.p0_exp, "/p0_exp");
  if (r.UL_obs) j["UL_obs"] = num(*r.UL_obs, "/UL_obs");
  if (r.UL_exp) j["UL_exp"] = num.set(*r.UL_exp, "/UL_exp");
  if (r.limit_status) j["limit_status"] = *r.limit_status;
  if (r.muhat) j["muhat"] = num(*r.muhat, "/muhat");
  if (!r.twice_nll.empty()) {
    ordered_json t = ordered_json::object();
    for (const auto& [fit, v] : r.twice_nll) t[fit] = num(v, "/twice_nll/" + json_pointer_escape(fit));
    j["twice_nll"] = std::move(t);
  }
  if (!r.status.empty()) {
    ordered_json s = ordered_json::object();
    for (const auto& [fit, v] : r.status) s[fit] = v;
    j["status"] = std::move(s);
  }
  if (r.error) j["error"] = *r.error;
  j["time_s"] = num(r.time_s, "/time_s");
  if (!r.extra.is_null()) {
    if (!r.extra.is_object()) throw error("scan record '" + r.patch + "': extra is not a JSON object");
    for (const auto& [k, v] : r.extra.items()) {
      if (is_known_key(k))
        throw error("scan record '" + r.patch + "': extra key '" + k + "' clashes with a record field");
      j[k] = v;
    }
  }
  if (!num.nonfinite.empty()) j["nonfinite"] = num.nonfinite;
  return j;
}

std::string to_json_line(const scan_record& r) {
  // error_handler::replace: a record never fails to serialise because of bad UTF-8 in a
  // message; the offending bytes become U+FFFD.
  return to_json(r).dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

scan_record record_from_json(const json& j, const std::string& file) {
  if (!j.is_object()) throw input_error(file, "", "a scan record must be a JSON object");
  reader rd{j, file};
  scan_record r;
  rd.require("patch");
  r.patch = rd.string("patch");
  if (r.patch.empty()) rd.fail("/patch", "empty patch name");
  if (j.contains("values")) {
    if (!j["values"].is_object()) rd.fail("/values", "expected an object keyed by the patchset labels");
    r.values = j["values"];
  }
  rd.require("mu_test");
  r.mu_test = rd.number("mu_test");
  rd.require("test_stat");
  r.test_stat = rd.string("test_stat");
  r.CLs_obs = rd.opt_number("CLs_obs");
  r.CLs_exp = rd.opt_set("CLs_exp");
  r.p0 = rd.opt_number("p0");
  r.p0_exp = rd.opt_set("p0_exp");
  r.UL_obs = rd.opt_number("UL_obs");
  r.UL_exp = rd.opt_set("UL_exp");
  r.limit_status = rd.opt_string("limit_status");
  r.muhat = rd.opt_number("muhat");
  if (j.contains("twice_nll")) {
    const json& t = j["twice_nll"];
    if (!t.is_object()) rd.fail("/twice_nll", "expected an object {fit name: value}");
    for (const auto& [fit, v] : t.items())
      r.twice_nll[fit] = reader::number(v, "/twice_nll/" + json_pointer_escape(fit), rd);
  }
  if (j.contains("status")) {
    const json& s = j["status"];
    if (!s.is_object()) rd.fail("/status", "expected an object {fit name: status}");
    for (const auto& [fit, v] : s.items()) {
      if (!v.is_string()) rd.fail("/status/" + json_pointer_escape(fit), "expected a string");
      r.status[fit] = v.get<std::string>();
    }
  }
  r.error = rd.opt_string("error");
  r.time_s = j.contains("time_s") ? rd.number("time_s") : 0.0;
  for (const auto& [k, v] : j.items())
    if (!is_known_key(k)) r.extra[k] = v;
  return r;
}

scan_record record_from_json_line(std::string_view line, const std::string& file) {
  return record_from_json(parse_json_text(line, file), file);
}

bool same_results(const scan_record& a, const scan_record& b) {
  scan_record ca = a, cb = b;
  ca.time_s = cb.time_s = 0.0;
  ordered_json ja = to_json(ca), jb = to_json(cb);
  // Shortest round-trip text is one-to-one on finite doubles, so equal text means equal bits.
  return ja.dump() == jb.dump();
}

}  // namespace hfx
