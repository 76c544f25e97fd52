// hfx/scan_record.hpp - one scan result per hypothesis and its JSON-lines format
// (DESIGN.md §3).
//
// A record is written as one JSON object on one line, keys in this order:
//
//   {"patch": "sbottom_1300_205_60",
//    "values": {"m_sbottom": 1300, "m_chi2": 205, "m_chi1": 60},   // keyed by patchset labels
//    "mu_test": 1.0, "test_stat": "qtilde",
//    "CLs_obs": 0.2444, "CLs_exp": [e0, e1, e2, e3, e4],           // q, qtilde
//    "p0": 0.01, "p0_exp": [e0, ..., e4],                          // q0 instead of CLs_*
//    "UL_obs": 2.25, "UL_exp": [u0, ..., u4], "limit_status": "ok",// only when limits were asked
//    "muhat": 0.31,
//    "twice_nll": {"free": x, "fixed_mu": y, "asimov_free": z, "asimov_fixed_mu": w},
//    "status": {"free": "converged", "fixed_mu": "converged", ...},
//    "error": "patch leaves no POI",                               // only for failed hypotheses
//    "time_s": 0.013,
//    ... any keys of `extra` ...,
//    "nonfinite": ["/CLs_obs"]}                                    // only if some value was NaN/inf
//
// Expected sets (CLs_exp, p0_exp, UL_exp) have 5 entries in pyhf's order: index 0 is the
// "-2 sigma" edge of the band, 2 the median, 4 "+2 sigma" (pyhf's return_expected_set).
//
// Fits: `twice_nll` and `status` are maps keyed by fit name. The names the inference
// driver uses are the constants in `fit_name` below (pyhf's asymptotic calculator runs
// these fits: the free and mu-fixed fits to the observed data, the mu=0 fit that builds
// the Asimov data (mu=1 for q0), and the free and mu-fixed fits to that Asimov data).
// Fits that were not run are simply absent. Status strings are the fit status names
// ("converged", "max_iterations", ...); every key of `status` should also be in
// `twice_nll` unless the fit failed before producing a value.
//
// Numbers: doubles are written with the shortest text that reads back to the same bits
// (nlohmann's Grisu2 serializer, <= 17 significant digits). NaN and +-inf are not valid
// JSON: they are written as null and the record gets "nonfinite": [JSON pointers of those
// values]; reading null back gives NaN (the sign of an infinity is lost; the pointer list
// says which values were non-finite). So record -> line -> record -> line is byte-stable.
//
// Failed hypotheses: `error` holds the message and the result fields (CLs_*, p0*, UL_*,
// muhat) stay empty; twice_nll/status may still say which fit failed. Use error_record().
#pragma once
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hfx/json_io.hpp"

namespace hfx {

using ordered_json = nlohmann::ordered_json;  // keeps the documented key order on output

// Canonical fit names used as keys of scan_record::twice_nll and ::status.
namespace fit_name {
inline constexpr const char* free = "free";                        // mu free, observed data
inline constexpr const char* fixed_mu = "fixed_mu";                // mu = mu_test, observed data
inline constexpr const char* asimov_data = "asimov_data";          // mu = 0 (q0: mu = 1) fit that builds Asimov data
inline constexpr const char* asimov_free = "asimov_free";          // mu free, Asimov data
inline constexpr const char* asimov_fixed_mu = "asimov_fixed_mu";  // mu = mu_test, Asimov data
}  // namespace fit_name

using expected_set = std::array<double, 5>;  // pyhf order: -2s, -1s, median, +1s, +2s

struct scan_record {
  std::string patch;
  json values = json::object();     // {label: value} from the patch's metadata
  std::vector<std::string> label_order;  // not serialised: write `values` in the patchset's label order
  double mu_test = 1.0;
  std::string test_stat = "qtilde";  // pyhf names: "q", "qtilde", "q0"

  std::optional<double> CLs_obs;     // q, qtilde
  std::optional<expected_set> CLs_exp;
  std::optional<double> p0;          // q0: pyhf hypotest returns p0 (CLs+b) instead of CLs
  std::optional<expected_set> p0_exp;

  std::optional<double> UL_obs;      // only when limits were requested
  std::optional<expected_set> UL_exp;
  std::optional<std::string> limit_status;  // "ok" or why a limit is missing, e.g. "no crossing below 20"

  std::optional<double> muhat;
  std::map<std::string, double> twice_nll;    // fit name -> value
  std::map<std::string, std::string> status;  // fit name -> status string
  std::optional<std::string> error;           // the hypothesis failed
  double time_s = 0.0;                        // wall time of this hypothesis
  json extra = json::object();                // further keys, written at top level after time_s

  bool failed() const { return error.has_value(); }
};

// A record for a hypothesis that failed: no result fields, `error` set.
scan_record error_record(std::string patch, json values, double mu_test, std::string test_stat,
                         std::string message, double time_s = 0.0);

// {labels[i]: values[i]} as in a patch's metadata. Throws hfx::error when `labels` is not
// an array of strings or the sizes differ.
json label_values(const json& labels, const json& values);

// The JSON object of a record (keys in the order documented above).
ordered_json to_json(const scan_record& r);
// One line of the JSON-lines file, without the trailing '\n'.
std::string to_json_line(const scan_record& r);

// Reads a record. Throws input_error(file, pointer, problem) for missing or mistyped
// fields; unknown keys go to `extra`; "nonfinite" is recomputed on output, not stored.
scan_record record_from_json(const json& j, const std::string& file = "");
scan_record record_from_json_line(std::string_view line, const std::string& file = "");

// Same results: compares every field but time_s (numbers bitwise, NaN equal to NaN).
bool same_results(const scan_record& a, const scan_record& b);

}  // namespace hfx
