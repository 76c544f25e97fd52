// hfx patchset inspect|apply|verify|extract - the counterparts of `pyhf patchset ...`
// (pyhf/cli/patchset.py). apply and extract print JSON byte for byte as pyhf does
// (json.dumps(indent=4, sort_keys=True), ASCII-escaped; a trailing newline on stdout,
// none in --out files), so their outputs can be compared with pyhf's directly.
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "hfx/digest.hpp"
#include "hfx/patchset.hpp"

namespace hfx::cli {
namespace {

const char* top_usage =
    "hfx patchset inspect PS\n"
    "       hfx patchset apply WS PS --name NAME [--out FILE] [--no-verify]\n"
    "       hfx patchset verify WS PS\n"
    "       hfx patchset extract PS --name NAME [--out FILE]\n"
    "PS is a pyhf patchset (.json or .json.gz), WS its background-only workspace.";

// pyhf's output: json.dumps(obj, indent=4, sort_keys=True) (ensure_ascii defaults to True).
std::string pyhf_pretty(const json& j) {
  python_dumps_options o;
  o.indent = 4;
  o.ensure_ascii = true;
  return python_json_dumps(j, o);
}

// click.echo adds a newline on stdout; json.dump into a file does not.
void write_output(const std::string& text, const std::optional<std::string>& out) {
  if (!out) {
    std::cout << text << "\n";
    return;
  }
  std::ofstream f(*out, std::ios::binary);
  if (!f) throw input_error(*out, "", "cannot open the output file for writing");
  f << text;
  f.close();
  if (!f) throw input_error(*out, "", "write failed");
}

// Python's repr of tuple(values): "(1000, 131, 1)", "(1.5, 'Gtt')", "(100,)".
std::string python_tuple_repr(const json& values) {
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ", ";
    if (values[i].is_string()) {
      s += '\'';
      for (char c : values[i].get_ref<const std::string&>()) {
        if (c == '\\' || c == '\'') s += '\\';
        s += c;
      }
      s += '\'';
    } else {
      s += python_json_dumps(values[i]);
    }
  }
  return s + (values.size() == 1 ? ",)" : ")");
}

int cmd_inspect(const std::vector<std::string>& args) {
  arg_parser p("hfx patchset inspect", "hfx patchset inspect PS");
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  patchset ps = load_patchset(p.positionals()[0]);
  std::cout << "patchset:    " << ps.file << "\n";
  std::cout << "description: " << ps.description << "\n";
  std::cout << "version:     " << ps.version << "\n";
  std::cout << "labels:      ";
  for (size_t i = 0; i < ps.labels.size(); ++i) std::cout << (i ? ", " : "") << ps.labels[i];
  std::cout << "\ndigests:     ";
  bool first = true;
  for (const auto& [alg, d] : ps.digests) { std::cout << (first ? "" : ", ") << alg << "=" << d; first = false; }
  std::cout << "\nreferences:  ";
  first = true;
  for (auto it = ps.references.begin(); it != ps.references.end(); ++it) {
    std::cout << (first ? "" : ", ") << it.key() << "=" << (it->is_string() ? it->get<std::string>() : it->dump());
    first = false;
  }
  // pyhf's listing: a count, a rule, then one line per patch (pyhf prints only the name;
  // hfx adds the values as the Python tuple pyhf's Patch repr shows).
  std::cout << "\n\n    " << ps.patches.size() << " patches found in Patchset\n---------------------------------\n\n";
  size_t w = 0;
  for (const auto& e : ps.patches) w = std::max(w, e.name.size());
  for (const auto& e : ps.patches) {
    std::cout << e.name << std::string(w - e.name.size() + 2, ' ') << python_tuple_repr(e.values) << "\n";
  }
  return 0;
}

int cmd_apply(const std::vector<std::string>& args) {
  arg_parser p("hfx patchset apply", "hfx patchset apply WS PS --name NAME [--out FILE] [--no-verify]");
  p.option("--name", "name of the patch to apply (see hfx patchset inspect)")
      .option("--out", "write the patched workspace to FILE instead of stdout", std::nullopt, {"--output-file"})
      .flag("--no-verify", "do not check the patchset's digest against WS (pyhf always checks)");
  if (!p.parse(args)) return 0;
  p.require_positionals(2, 2);
  const std::string ws_file = p.positionals()[0];
  const std::string name = p.get("--name");
  json ws = load_json_file(ws_file);
  patchset ps = load_patchset(p.positionals()[1]);
  const patch_entry& e = ps.at(name);
  // pyhf's PatchSet.apply verifies the digests before patching.
  if (!p.has("--no-verify")) verify_patchset(ps, ws, ws_file);
  json patched = apply_patch(ws, ps, e);
  ws = json();  // the background is no longer needed: free it before serialising
  write_output(pyhf_pretty(patched), p.get_opt("--out"));
  return 0;
}

int cmd_verify(const std::vector<std::string>& args) {
  arg_parser p("hfx patchset verify", "hfx patchset verify WS PS");
  if (!p.parse(args)) return 0;
  p.require_positionals(2, 2);
  const std::string ws_file = p.positionals()[0];
  json ws = load_json_file(ws_file);
  patchset ps = load_patchset(p.positionals()[1]);
  verify_patchset(ps, ws, ws_file);
  std::cout << "patchset is valid:";
  for (const auto& [alg, d] : ps.digests) std::cout << " " << alg << " " << d;
  std::cout << " matches " << ws_file << "\n";
  return 0;
}

int cmd_extract(const std::vector<std::string>& args) {
  arg_parser p("hfx patchset extract", "hfx patchset extract PS --name NAME [--out FILE]");
  p.option("--name", "name of the patch to extract")
      .option("--out", "write the patch to FILE instead of stdout", std::nullopt, {"--output-file"});
  if (!p.parse(args)) return 0;
  p.require_positionals(1, 1);
  patchset ps = load_patchset(p.positionals()[0]);
  write_output(pyhf_pretty(ps.at(p.get("--name")).ops), p.get_opt("--out"));
  return 0;
}

int cmd_patchset(const std::vector<std::string>& args) {
  if (args.empty()) throw usage_error(std::string("missing subcommand\nusage: ") + top_usage);
  const std::string& sub = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") { std::cout << "usage: " << top_usage << "\n"; return 0; }
  if (sub == "inspect") return cmd_inspect(rest);
  if (sub == "apply") return cmd_apply(rest);
  if (sub == "verify") return cmd_verify(rest);
  if (sub == "extract") return cmd_extract(rest);
  throw usage_error("unknown subcommand '" + sub + "'\nusage: " + top_usage);
}

}  // namespace

HFX_COMMAND("patchset", "inspect, apply, verify or extract pyhf patchsets", cmd_patchset);

}  // namespace hfx::cli
