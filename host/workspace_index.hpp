// host/workspace_index.hpp (internal) - a validated, sorted index over a workspace spec,
// shared by validate_workspace (workspace.cpp) and compile_model (compile_model.cpp).
// Pointers refer into the spec, which must outlive the index.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

namespace hfx::detail {

struct ws_mod {
  const std::string* name = nullptr;
  modifier_kind kind = modifier_kind::normfactor;
  std::int32_t pos = 0;          // index in the sample's "modifiers" array
  const json* data = nullptr;
};

struct ws_sample {
  const std::string* name = nullptr;
  std::int32_t pos = 0;          // index in the channel's "samples" array
  const json* data = nullptr;    // nominal rates
  std::vector<ws_mod> mods;      // sorted by (name, type) as pyhf's config.modifiers
};

struct ws_channel {
  const std::string* name = nullptr;
  std::int32_t pos = 0;          // index in "channels"
  std::int32_t nbins = 0;
  std::vector<ws_sample> samples;  // sorted by name
  const json* obs = nullptr;     // observed data of this channel
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
  std::unordered_map<std::string, ws_name_info> names;
  const json* measurements = nullptr;
};

// Schema and model-structure checks; throws input_error.
ws_index index_workspace(const json& spec, const std::string& file, std::vector<std::string>* warnings);

// "/channels/2/samples/4/modifiers/7 (histosys 'JES')"
std::string modifier_pointer(const ws_channel& c, const ws_sample& s, const ws_mod& m);

// Builds the model for one measurement (index mpos of spec["measurements"]).
compiled_model build_model(const ws_index& ix, const json& measurement, std::size_t mpos,
                           const model_options& opt, const std::string& file,
                           std::vector<std::string>* warnings);

}  // namespace hfx::detail
