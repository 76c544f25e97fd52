// host/workspace_index.hpp (internal) - a workspace parsed into a typed representation
// (ir_*), and a validated, sorted index over it, shared by validate_workspace
// (workspace.cpp), compile_model (compile_model.cpp) and the prepared-background path
// (prepared_workspace.cpp).
//
// The pieces are split by what a patch can change: a sample (ir_sample) is parsed and
// checked on its own, once; everything that depends on how samples are put together
// (a channel's bin count, sorting, duplicate names, modifier names across the model,
// staterror channels, observations of the channels) is checked when the index is built.
// The full path (index_workspace) runs the steps interleaved in the order that gives the
// historical first error; the prepared path parses the background once and repeats only
// the assembly steps per patch, with the same functions.
//
// Pointers refer into the spec (channel names, measurements) and into ir_samples and
// ws_observations, which must outlive the index (ws_index::own keeps those it parsed).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

namespace hfx::detail {

// A non-fatal finding with its JSON pointer (relative to a sample for ir_sample::warnings).
struct raw_warning {
  std::string pointer, what;
};

// Collects errors (input_error naming the file and pointer) and warnings. Warnings go to
// `warnings` formatted with the file, or, when `raw` is set, unformatted to `raw`.
struct checker {
  const std::string& file;
  std::vector<std::string>* warnings;
  std::vector<raw_warning>* raw = nullptr;

  [[noreturn]] void fail(const std::string& ptr, const std::string& what) const;
  void warn(const std::string& ptr, const std::string& what) const;
};

// Modifier names as small integers (ir_mod::id), so that the model-wide tables are
// vectors, not hash maps. A prepared background's dictionary is shared read-only; a
// patch's new names go to a dictionary of its own that extends it (base).
struct name_dict {
  const name_dict* base = nullptr;
  std::unordered_map<std::string, std::int32_t> ids;  // own names -> id
  std::vector<const std::string*> names;              // own names (keys of ids) by id - first_id()

  std::int32_t first_id() const { return base ? base->size() : 0; }
  std::int32_t size() const { return first_id() + std::int32_t(names.size()); }
  std::int32_t find(const std::string& name) const;  // -1 when absent
  std::int32_t intern(const std::string& name);
  const std::string& name(std::int32_t id) const {
    return id < first_id() ? base->name(id) : *names[std::size_t(id - first_id())];
  }
};

// One modifier of a sample, checked against the schema and the sample's bin count.
struct ir_mod {
  std::string name;
  std::int32_t id = -1;            // in the name_dict it was parsed with
  modifier_kind kind = modifier_kind::normfactor;
  std::int32_t pos = 0;            // index in the sample's "modifiers" array
  std::vector<double> lo, hi;      // histosys lo_data/hi_data; normsys: one value each
  std::vector<double> data;        // staterror, shapesys
};

// One sample: parsed and checked on its own (schema, numbers, modifiers, duplicate
// (name, type)); its warnings carry pointers relative to the sample ("/data",
// "/modifiers/3 (histosys 'JES')").
struct ir_sample {
  std::string name;
  std::vector<double> data;        // nominal rates
  std::vector<ir_mod> mods;        // sorted by (name, type) as pyhf's config.modifiers
  std::vector<raw_warning> warnings;
};

// Parses and checks the sample at pointer `sp` (errors name it). `nbins` is the bin count
// of its channel `chan`, or -1 when the sample defines it (the channel's first sample, or
// a sample whose channel is not known yet: index_channel checks the count later).
ir_sample parse_sample(const checker& ck, const json& sj, const std::string& sp, const std::string& chan,
                       std::int32_t nbins, name_dict& dict);

// Parsed /observations (checked: schema, finite non-negative counts, unique names).
struct ws_observations {
  std::vector<std::vector<double>> data;                       // per observation
  std::unordered_map<std::string_view, std::size_t> by_name;   // names point into the spec
};
ws_observations parse_observations(const checker& ck, const json& spec);

struct ws_sample {
  const ir_sample* ir = nullptr;
  std::int32_t pos = 0;            // index in the channel's "samples" array
  const std::string& name() const { return ir->name; }
};

struct ws_channel {
  const std::string* name = nullptr;
  std::int32_t pos = 0;            // index in "channels"
  std::int32_t nbins = 0;
  std::vector<ws_sample> samples;  // file order until index_channel sorts them by name
  const std::vector<double>* obs = nullptr;  // observed data of this channel
};

// Per modifier name: the types using it and, for per-bin types, how many components.
struct ws_name_info {
  std::uint8_t kinds = 0;        // bit (1 << kind) for each type using the name
  modifier_kind group = modifier_kind::normfactor;  // pyhf's paramset group (first type)
  std::int32_t n = 1;            // components
  // staterror: channels (positions in ws_index::channels, ascending) it covers.
  std::vector<std::int32_t> channels;
};

struct ws_index {
  std::vector<ws_channel> channels;  // sorted by name (pyhf config.channels)
  std::vector<std::string> sample_names;  // sorted unique (pyhf config.samples)
  const name_dict* dict = nullptr;   // the ids of the samples' modifiers
  std::vector<ws_name_info> names;   // by id; kinds == 0 for a name no sample here uses
  const json* measurements = nullptr;
  // What this index parsed itself (the full path; the prepared path's new samples).
  std::vector<std::unique_ptr<ir_sample>> own_samples;
  std::unique_ptr<ws_observations> own_obs;
  std::unique_ptr<name_dict> own_dict;
};

// The JSON schema of a channel object without its samples' contents ({"name", "samples"},
// samples a non-empty array); returns the name.
const std::string& check_channel_object(const checker& ck, const json& cj, const std::string& cp);

// Emits a sample's warnings with pointers under `sp`.
void emit_sample_warnings(const checker& ck, const ir_sample& s, const std::string& sp);

// A channel whose samples (file order, non-empty) are set: takes the bin count from the
// first sample (pyhf mixins.py), checks the others', sorts the samples by name and
// rejects duplicate names.
void index_channel(const checker& ck, ws_channel& ch);

// With every channel indexed (file order): sorts the channels, rejects duplicate names,
// builds the modifier-name table across the model (name reuse, shapesys, shapefactor and
// staterror rules) and the sorted sample names.
void index_model(const checker& ck, ws_index& ix);

// Points every channel at its observation (must exist, same bin count).
void match_observations(const checker& ck, ws_index& ix, const ws_observations& obs);

// The schema of /measurements and their parameter configs (warnings for duplicate names).
void check_measurements(const checker& ck, const json& spec);

// The top level of a spec: keys and version (not the contents of the arrays).
void check_top_level(const checker& ck, const json& spec);

// Schema and model-structure checks; throws input_error.
ws_index index_workspace(const json& spec, const std::string& file, std::vector<std::string>* warnings);

// "/channels/2/samples/4/modifiers/7 (histosys 'JES')"
std::string modifier_pointer(const ws_channel& c, const ws_sample& s, const ir_mod& m);

// Builds the model for one measurement (index mpos of spec["measurements"]).
compiled_model build_model(const ws_index& ix, const json& measurement, std::size_t mpos,
                           const model_options& opt, const std::string& file,
                           std::vector<std::string>* warnings);

// The model of an indexed workspace for opt.measurement, with the index's warnings first
// (compile_model's body; the prepared path calls it on its own index).
compiled_model compile_indexed(const ws_index& ix, const json& spec, const model_options& opt,
                               const std::string& file, std::vector<std::string> warnings);

// RFC 6901 array index ("0" or digits without a leading zero); json_patch.cpp's rule.
bool parse_json_array_index(const std::string& tok, std::size_t& out);

}  // namespace hfx::detail
