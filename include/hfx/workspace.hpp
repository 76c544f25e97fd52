// hfx/workspace.hpp - validating a pyhf workspace (schema 1.0.0 plus the checks pyhf's
// model building makes) and compiling it into the packed model of model_view.hpp.
//
// What is an error (hfx::input_error naming the file, the JSON pointer and the problem):
//  * schema 1.0.0 violations (pyhf/schemas/1.0.0/defs.json): missing keys, wrong types,
//    unknown keys, empty channels/samples/data arrays, version other than "1.0.0", a lumi
//    modifier not named "lumi", unknown modifier types;
//  * what pyhf's Model() rejects: sample data / histosys hi_data, lo_data / staterror and
//    shapesys data whose length differs from the channel's bin count, a name used by two
//    modifier types other than histosys+normsys (pyhf InvalidNameReuse), a shapesys name
//    used by two samples (pyhf: not shared), a staterror that different samples carry in
//    different channels (pyhf asserts), a shapefactor reused in a channel with more bins
//    than where it was first registered, two configs for one parameter, config
//    attributes the parameter does not use (e.g. sigmas on a normsys) or with the wrong
//    number of values, a lumi parameter without inits/bounds/auxdata in its config
//    (pyhf fails on None), a non-scalar POI;
//  * hfx's stricter checks: NaN/inf anywhere (JSON has no NaN literal: Python's `NaN`
//    text is already invalid JSON; 1e999 overflows to inf), negative observed counts,
//    normsys hi or lo <= 0 (code1/code4 take logs), duplicate channel names, duplicate
//    sample names in a channel, the same (name, type) twice on one sample (pyhf silently
//    keeps the last), duplicate observation names, bounds with lo > hi or not 2 values,
//    a model channel without observation or with one of the wrong length.
//  * inits outside bounds (pyhf does not check): an error for a free parameter (a fit
//    cannot start there); accepted for a fixed one (fixing a parameter at a value
//    outside its default range is a legitimate use).
// What is NOT an error (pyhf accepts; published files contain them):
//  * a POI that no modifier provides (the model gets poi = -1, poi_name "");
//  * parameter configs naming absent parameters (warning);
//  * negative nominal or histosys entries (warning);
//  * observations of channels that are not in the model.
#pragma once
#include <string>
#include <vector>

#include "hfx/json_io.hpp"
#include "hfx/model.hpp"

namespace hfx {

struct model_options {
  std::string measurement;                          // "" = the first, as pyhf
  interp_code normsys_code = interp_code::code4;    // pyhf's model default
  interp_code histosys_code = interp_code::code4p;  // pyhf's model default
  std::string poi_override;                         // "" = the measurement's POI
};

// Checks a workspace spec; throws input_error on the first problem. Non-fatal findings
// are appended to *warnings when given.
void validate_workspace(const json& spec, const std::string& file,
                        std::vector<std::string>* warnings = nullptr);

// Validates, then builds pyhf 0.7.6's Model for the chosen measurement (ws.model()).
// Warnings end up in compiled_model::warnings. An explicit poi_override that is not a
// parameter of the model throws model_error.
compiled_model compile_model(const json& spec, const model_options& opt, const std::string& file);

// The measurement object pyhf's get_measurement picks ("" = first); input_error if absent.
const json& find_measurement(const json& spec, const std::string& name, const std::string& file);

// Parses "code0|code1|code2|code4|code4p" (usage_error otherwise).
interp_code parse_interp_code(const std::string& text);
const char* interp_code_name(interp_code c);
const char* modifier_kind_name(modifier_kind k);

}  // namespace hfx
