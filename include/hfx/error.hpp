// hfx/error.hpp - typed exceptions thrown by host code. Device code never throws; it
// reports per-hypothesis status codes instead (see fit_status in fit_types.hpp).
#pragma once
#include <stdexcept>
#include <string>

namespace hfx {

// Base of every hfx error. what() is a single line meant for the user.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bad input: malformed JSON, schema violations, patches that do not apply, bad values.
// The message names the file, the JSON pointer and the problem:
//   "BkgOnly.json: /channels/2/samples/4/modifiers/7 (histosys 'JES'): hi_data has 3 bins, channel 'SR' has 4"
struct input_error : error {
  std::string file, pointer, problem;
  input_error(std::string file_, std::string pointer_, std::string problem_)
      : error(format(file_, pointer_, problem_)), file(std::move(file_)),
        pointer(std::move(pointer_)), problem(std::move(problem_)) {}
  static std::string format(const std::string& f, const std::string& p, const std::string& what) {
    std::string s = f.empty() ? std::string("<input>") : f;
    s += ": ";
    if (!p.empty()) { s += p; s += ": "; }
    s += what;
    return s;
  }
};

// The request cannot be served by this model (e.g. a hypothesis test on a model without POI).
struct model_error : error {
  using error::error;
};

// Wrong command-line usage (exit code 2).
struct usage_error : error {
  using error::error;
};

}  // namespace hfx
