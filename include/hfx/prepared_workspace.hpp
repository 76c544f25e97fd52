// hfx/prepared_workspace.hpp - a background-only workspace parsed and validated once, for
// compiling many signal patches quickly.
//
// compile_model(apply_patch(ws, ps, patch), opt, file) copies the whole workspace JSON,
// applies the patch, then validates and converts every channel again: for a published
// likelihood that is most of the host time of a hypothesis. A prepared_workspace keeps the
// background's typed representation (every sample parsed, checked and converted to
// doubles once; observations and measurement schema checked once). compile_patched then
// does only what the patch requires:
//  * patches whose operations all act on whole channels or whole samples -- add, replace
//    or remove at /channels/N or /channels/N/samples/M (what published patchsets do: add
//    the signal sample, sometimes remove channels) -- are applied to the list of
//    channels and samples; only the new samples are parsed, and the checks a patch can
//    affect (bin counts, sample and channel names, modifier name rules across the model,
//    staterror channels, observations of the channels, the measurement config against
//    the new parameters) run with the same functions as compile_model;
//  * anything else (operations inside a sample, on observations or measurements, move,
//    copy, test), and every patch for which that fast path finds a problem, goes through
//    compile_model(apply_patch(...)) itself, so errors and their messages are exactly
//    those of the full path.
// The result equals the full path's compiled_model field by field, warnings included
// (tests/test_prepared_workspace.cpp checks every patch of the bundled patchsets).
//
// Thread safety: compile_patched is const and keeps no state; call it from many threads.
#pragma once
#include <memory>
#include <string>

#include "hfx/json_io.hpp"
#include "hfx/model.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

namespace hfx {

namespace detail {
struct prepared_background;
}

class prepared_workspace {
 public:
  // `spec` (the background workspace as loaded) is referenced, not copied: it must outlive
  // this object and stay unchanged. `file` names it in messages. Does not throw for an
  // invalid spec (a patch may repair it): fast_path() is then false and every patch takes
  // the full path.
  prepared_workspace(const json& spec, std::string file);
  ~prepared_workspace();
  prepared_workspace(prepared_workspace&&) noexcept;
  prepared_workspace& operator=(prepared_workspace&&) noexcept;

  const json& spec() const { return *spec_; }
  const std::string& file() const { return file_; }
  // Whether the background validated (patches can take the fast path).
  bool fast_path() const;

  enum class path { fast, full };

  // Equals compile_model(apply_patch(spec(), ps, pe), opt, model_file) in every field, and
  // throws what it throws. `taken` (optional) says which path produced the result.
  compiled_model compile_patched(const patchset& ps, const patch_entry& pe, const model_options& opt,
                                 const std::string& model_file, path* taken = nullptr) const;

 private:
  const json* spec_;
  std::string file_;
  std::unique_ptr<detail::prepared_background> bg_;
};

}  // namespace hfx
