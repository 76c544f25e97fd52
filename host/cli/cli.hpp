// host/cli/cli.hpp - the command registry and a small argument parser for the hfx CLI.
// Each subcommand lives in its own cmd_*.cpp and registers itself with HFX_COMMAND.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hfx/error.hpp"

namespace hfx::cli {

using command_fn = std::function<int(const std::vector<std::string>& args)>;

struct command_info {
  std::string name;
  std::string summary;
  command_fn fn;
};

std::map<std::string, command_info>& registry();

struct registrar {
  registrar(std::string name, std::string summary, command_fn fn);
};

#define HFX_CONCAT_INNER(a, b) a##b
#define HFX_CONCAT(a, b) HFX_CONCAT_INNER(a, b)
// HFX_COMMAND("inspect", "show a workspace's model", cmd_inspect);
#define HFX_COMMAND(name, summary, fn) \
  static ::hfx::cli::registrar HFX_CONCAT(hfx_cmd_registrar_, __LINE__)(name, summary, fn)

// Minimal parser: declare options, then parse. "--opt value" and "--opt=value" both work.
// Unknown options and missing values raise usage_error (exit code 2).
class arg_parser {
 public:
  arg_parser(std::string prog, std::string usage) : prog_(std::move(prog)), usage_(std::move(usage)) {}
  // A flag without value (e.g. --json).
  arg_parser& flag(const std::string& name, const std::string& help);
  // An option with a value; `aliases` answer to the same option (e.g. --test-poi for --mu).
  arg_parser& option(const std::string& name, const std::string& help,
                     std::optional<std::string> def = std::nullopt,
                     std::vector<std::string> aliases = {});
  // An option that may be repeated (e.g. --fix a=1 --fix b=2).
  arg_parser& multi(const std::string& name, const std::string& help);
  // Parses; returns false if --help was requested (help has been printed).
  bool parse(const std::vector<std::string>& args);

  bool has(const std::string& name) const;          // flag set or option given (or defaulted)
  std::string get(const std::string& name) const;   // value (usage_error if absent)
  std::optional<std::string> get_opt(const std::string& name) const;
  double get_double(const std::string& name) const;
  long get_int(const std::string& name) const;
  const std::vector<std::string>& get_multi(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return pos_; }
  // Requires between lo and hi positionals (usage_error otherwise).
  void require_positionals(size_t lo, size_t hi) const;
  std::string help_text() const;

 private:
  struct opt {
    std::string help;
    bool takes_value = false;
    bool repeated = false;
    std::optional<std::string> def;
  };
  std::string resolve(const std::string& name) const;
  std::string prog_, usage_;
  std::map<std::string, opt> opts_;
  std::vector<std::string> order_;
  std::map<std::string, std::string> alias_;
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> multi_values_;
  std::map<std::string, bool> flags_;
  std::vector<std::string> pos_;
};

// Parses a number with full validation (usage_error naming the option on failure).
double parse_double(const std::string& text, const std::string& what);

}  // namespace hfx::cli
