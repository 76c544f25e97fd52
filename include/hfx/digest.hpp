// hfx/digest.hpp - pyhf-compatible digests of JSON documents.
//
// pyhf (utils.digest) hashes the UTF-8 bytes of
//   json.dumps(obj, sort_keys=True, ensure_ascii=False)
// so reproducing its digests means reproducing Python's json.dumps byte for byte:
// separators ", " and ": " (or "," and ": " with an indent), keys sorted by code point,
// floats as Python's repr (shortest round-trip digits; fixed notation for decimal
// exponents -4 <= e < 16, else "1e-05" / "1.2e+16"; always a ".0" or exponent), integers
// as integers, strings escaped like Python's encoder (\" \\ \n \r \t \b \f, other control
// characters as \u00XX; non-ASCII raw UTF-8, or \uXXXX with surrogate pairs when
// ensure_ascii). The hashes are implemented here (no dependency): sha256 (FIPS 180-4) and
// md5 (RFC 1321), the two algorithms the pyhf patchset schema allows.
#pragma once
#include <string>
#include <string_view>

#include "hfx/json_io.hpp"

namespace hfx {

struct python_dumps_options {
  int indent = -1;            // < 0: Python's indent=None (one line)
  bool ensure_ascii = false;  // escape non-ASCII as \uXXXX (Python's default is True)
  bool sort_keys = true;      // nlohmann objects are always sorted by bytes; kept for clarity
};

// Python's json.dumps(obj, sort_keys=True, ensure_ascii=False) unless `opt` says otherwise.
// Throws input_error for non-finite numbers (nlohmann cannot hold them from parsed text).
std::string python_json_dumps(const json& obj, const python_dumps_options& opt = {});

// Python's repr(float) for a finite double, e.g. "1.0", "0.0001", "1e-05", "1.2e+16".
std::string python_float_repr(double x);

// Lower-case hex digests of raw bytes.
std::string sha256_hex(std::string_view bytes);
std::string md5_hex(std::string_view bytes);

// pyhf.utils.digest(obj, algorithm): "sha256" or "md5"; other names throw input_error
// (pointer empty, `file` names the document for the message).
std::string json_digest(const json& obj, const std::string& algorithm = "sha256",
                        const std::string& file = "");

// pyhf.utils.digest(workspace) with sha256, the digest patchsets record.
inline std::string workspace_digest(const json& ws) { return json_digest(ws, "sha256"); }

}  // namespace hfx
