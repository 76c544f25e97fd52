// prepared_workspace: the background parsed once, patches applied to its channel/sample
// lists (see prepared_workspace.hpp). Every check is one of workspace_index.hpp's
// functions, the ones compile_model runs; this file only decides which to rerun.
#include "hfx/prepared_workspace.hpp"

#include <optional>

#include "hfx/error.hpp"
#include "hfx/json_patch.hpp"
#include "workspace_index.hpp"

namespace hfx {

namespace detail {

// One channel as a patch sees it: its name and its samples in file order.
struct channel_state {
  const std::string* name = nullptr;
  std::vector<const ir_sample*> samples;
};

struct prepared_background {
  std::vector<channel_state> channels;             // file order
  std::unique_ptr<name_dict> dict;                  // the background's modifier names
  std::vector<std::unique_ptr<ir_sample>> samples;  // owners of the background samples
  std::unique_ptr<ws_observations> obs;
  std::vector<raw_warning> measurement_warnings;    // check_measurements' findings
};

namespace {

// Parses a channel object of a patch (add/replace at /channels/N) as index_workspace does.
channel_state parse_channel(const checker& ck, const json& cj, std::vector<std::unique_ptr<ir_sample>>& own,
                            name_dict& dict) {
  channel_state ch;
  ch.name = &check_channel_object(ck, cj, "");
  std::int32_t nbins = -1;
  for (const json& sj : cj["samples"]) {
    own.push_back(std::make_unique<ir_sample>(parse_sample(ck, sj, "", *ch.name, nbins, dict)));
    if (nbins < 0) nbins = std::int32_t(own.back()->data.size());
    ch.samples.push_back(own.back().get());
  }
  return ch;
}

// Index of an existing element (`end` = false) or of an insertion point (`end` = true:
// up to size, "-" for size), as RFC 6902 reads the token; nullopt where the JSON path
// would fail (it then reports the error).
std::optional<std::size_t> position(const std::string& tok, std::size_t size, bool insertion) {
  if (insertion && tok == "-") return size;
  std::size_t i = 0;
  if (!parse_json_array_index(tok, i)) return std::nullopt;
  if (insertion ? i > size : i >= size) return std::nullopt;
  return i;
}

// Applies the patch to the channel/sample lists; false when an operation is not one the
// fast path handles (or would fail: the full path then reports it). New samples are
// parsed with a checker whose messages are never shown.
bool apply_ops(const json& ops, std::vector<channel_state>& chans, std::vector<std::unique_ptr<ir_sample>>& own,
               name_dict& dict, const checker& quiet) {
  if (!ops.is_array()) return false;
  for (const json& op : ops) {
    if (!op.is_object()) return false;
    auto name_it = op.find("op"), path_it = op.find("path");
    if (name_it == op.end() || path_it == op.end() || !name_it->is_string() || !path_it->is_string()) return false;
    const std::string& name = name_it->get_ref<const std::string&>();
    const bool add = name == "add", remove = name == "remove", replace = name == "replace";
    if (!add && !remove && !replace) return false;
    const auto value_it = op.find("value");
    if (!remove && value_it == op.end()) return false;
    const std::vector<std::string> toks = parse_json_pointer(path_it->get_ref<const std::string&>());
    if (toks.size() < 2 || toks[0] != "channels") return false;
    if (toks.size() == 2) {  // a whole channel
      const auto ci = position(toks[1], chans.size(), add);
      if (!ci) return false;
      if (remove) chans.erase(chans.begin() + std::ptrdiff_t(*ci));
      else if (add) chans.insert(chans.begin() + std::ptrdiff_t(*ci), parse_channel(quiet, *value_it, own, dict));
      else chans[*ci] = parse_channel(quiet, *value_it, own, dict);
      continue;
    }
    if (toks.size() != 4 || toks[2] != "samples") return false;
    const auto ci = position(toks[1], chans.size(), false);
    if (!ci) return false;
    std::vector<const ir_sample*>& ss = chans[*ci].samples;
    const auto si = position(toks[3], ss.size(), add);
    if (!si) return false;
    if (remove) {
      ss.erase(ss.begin() + std::ptrdiff_t(*si));
      continue;
    }
    own.push_back(std::make_unique<ir_sample>(parse_sample(quiet, *value_it, "", *chans[*ci].name, -1, dict)));
    if (add) ss.insert(ss.begin() + std::ptrdiff_t(*si), own.back().get());
    else ss[*si] = own.back().get();
  }
  return true;
}

// The fast path: nullopt when the patch needs the full path.
std::optional<compiled_model> compile_fast(const prepared_background& bg, const json& spec, const json& ops,
                                           const model_options& opt, const std::string& file) {
  ws_index ix;
  ix.own_dict = std::make_unique<name_dict>();
  ix.own_dict->base = bg.dict.get();  // new names get ids after the background's
  ix.dict = ix.own_dict.get();
  std::vector<channel_state> chans = bg.channels;
  const std::string no_file;
  if (!apply_ops(ops, chans, ix.own_samples, *ix.own_dict, checker{no_file, nullptr})) return std::nullopt;
  if (chans.empty()) return std::nullopt;  // "/channels: empty array"

  // The steps of index_workspace after parsing, on the patched lists.
  std::vector<std::string> warnings;
  const checker ck{file, &warnings};
  ix.channels.reserve(chans.size());
  for (std::size_t ci = 0; ci < chans.size(); ++ci) {
    ws_channel c;
    c.name = chans[ci].name;
    c.pos = std::int32_t(ci);
    c.samples.reserve(chans[ci].samples.size());
    for (std::size_t si = 0; si < chans[ci].samples.size(); ++si) {
      const ir_sample* s = chans[ci].samples[si];
      if (!s->warnings.empty())
        emit_sample_warnings(ck, *s, "/channels/" + std::to_string(ci) + "/samples/" + std::to_string(si));
      c.samples.push_back(ws_sample{s, std::int32_t(si)});
    }
    index_channel(ck, c);
    ix.channels.push_back(std::move(c));
  }
  index_model(ck, ix);
  match_observations(ck, ix, *bg.obs);
  for (const raw_warning& w : bg.measurement_warnings) ck.warn(w.pointer, w.what);
  ix.measurements = &spec["measurements"];
  return compile_indexed(ix, spec, opt, file, std::move(warnings));
}

}  // namespace
}  // namespace detail

prepared_workspace::prepared_workspace(const json& spec, std::string file) : spec_(&spec), file_(std::move(file)) {
  try {
    detail::ws_index ix = detail::index_workspace(spec, file_, nullptr);
    auto bg = std::make_unique<detail::prepared_background>();
    bg->channels.resize(ix.channels.size());
    for (const detail::ws_channel& c : ix.channels) {
      detail::channel_state& st = bg->channels[std::size_t(c.pos)];
      st.name = c.name;
      st.samples.resize(c.samples.size());
      for (const detail::ws_sample& s : c.samples) st.samples[std::size_t(s.pos)] = s.ir;
    }
    bg->samples = std::move(ix.own_samples);
    bg->dict = std::move(ix.own_dict);
    bg->obs = std::move(ix.own_obs);
    detail::check_measurements(detail::checker{file_, nullptr, &bg->measurement_warnings}, spec);
    bg_ = std::move(bg);
  } catch (const error&) {
    bg_.reset();  // invalid background: every patch takes the full path
  }
}

prepared_workspace::~prepared_workspace() = default;
prepared_workspace::prepared_workspace(prepared_workspace&&) noexcept = default;
prepared_workspace& prepared_workspace::operator=(prepared_workspace&&) noexcept = default;

bool prepared_workspace::fast_path() const { return bg_ != nullptr; }

compiled_model prepared_workspace::compile_patched(const patchset& ps, const patch_entry& pe, const model_options& opt,
                                                   const std::string& model_file, path* taken) const {
  if (bg_) {
    try {
      if (std::optional<compiled_model> m = detail::compile_fast(*bg_, *spec_, pe.ops, opt, model_file)) {
        if (taken) *taken = path::fast;
        return std::move(*m);
      }
    } catch (const error&) {
      // a problem in the patched workspace: the full path reports it with its own words
    }
  }
  if (taken) *taken = path::full;
  return compile_model(apply_patch(*spec_, ps, pe), opt, model_file);
}

}  // namespace hfx
