// hfx/patchset.hpp - pyhf patchsets (schema patchset.json v1.0.0, pyhf/patchset.py).
//
// A patchset is {"metadata": {"description", "digests": {"sha256"|"md5": hex}, "labels":
// [..], "references": {"hepdata": "insNNNNNNN"}, ...}, "version": "1.0.0", "patches":
// [{"metadata": {"name", "values": [..], ...}, "patch": [RFC 6902 operations]}]}.
// Each patch applied to the background-only workspace it was made for (identified by the
// digests) gives one signal hypothesis. Patches address channels by position, so they
// apply to the workspace spec as written, never to a reordered copy.
//
// Loading validates what pyhf's schema and PatchSet constructor check: required keys,
// version, label/name patterns, digest formats, number of values == number of labels,
// unique names, unique values (numbers compare by value: 2100 == 2100.0, as Python
// tuples do), and the shape of every operation. Errors are input_error with the pointer,
// e.g. "ps.json: /patches/4/metadata/name: duplicate patch name 'sb_1000_131_1' (first at /patches/1)".
// Whether a patch's paths exist is only known when it is applied (apply_patch).
//
// Memory: the patchset holds each patch's operations once (moved out of the parsed file);
// apply_patch materialises one patched workspace at a time.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "hfx/json_io.hpp"

namespace hfx {

struct patch_entry {
  std::string name;   // metadata.name
  json values;        // metadata.values: array of numbers/strings, one per label
  json metadata;      // the whole patch metadata (may carry extra keys)
  json ops;           // the RFC 6902 operations
  std::size_t index;  // position in the file's "patches" array

  // Pointer of this patch's operations in the patchset file, e.g. "/patches/12/patch".
  std::string ops_pointer() const { return "/patches/" + std::to_string(index) + "/patch"; }
};

struct patchset {
  std::string file;                            // for messages
  std::string version;                         // "1.0.0"
  json metadata;                               // the whole metadata object
  std::string description;
  std::vector<std::string> labels;
  std::map<std::string, std::string> digests;  // algorithm -> hex digest (lower case)
  json references;
  std::vector<patch_entry> patches;

  // The patch with this name, or nullptr.
  const patch_entry* find(const std::string& name) const;
  // The patch with these values (numbers by value), or nullptr.
  const patch_entry* find_values(const json& values) const;
  // Like find, but throws input_error "no patch named 'X' in the patchset (N patches)".
  const patch_entry& at(const std::string& name) const;
};

// Validates a parsed patchset document (consumed: operations are moved out of it).
patchset parse_patchset(json doc, const std::string& file);

// Reads and validates a .json or .json.gz patchset.
patchset load_patchset(const std::string& path);

// A NEW json: `ws` (the workspace spec as written) with the patch applied. Errors name the
// patchset file and the failing operation ("/patches/12/patch/3"). No digest check.
json apply_patch(const json& ws, const patchset& ps, const patch_entry& patch);

// pyhf PatchSet.verify: every digest in the patchset must equal the workspace's digest for
// that algorithm. Throws input_error(ps.file, "/metadata/digests/<alg>", "digest mismatch:
// ... expected X, WS_FILE has Y") on the first mismatch.
void verify_patchset(const patchset& ps, const json& ws, const std::string& ws_file);

}  // namespace hfx
