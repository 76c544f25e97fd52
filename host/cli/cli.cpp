#include "cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace hfx::cli {

std::map<std::string, command_info>& registry() {
  static std::map<std::string, command_info> r;
  return r;
}

registrar::registrar(std::string name, std::string summary, command_fn fn) {
  registry()[name] = command_info{name, std::move(summary), std::move(fn)};
}

arg_parser& arg_parser::flag(const std::string& name, const std::string& help) {
  opts_[name] = opt{help, false, false, std::nullopt};
  order_.push_back(name);
  return *this;
}

arg_parser& arg_parser::option(const std::string& name, const std::string& help,
                               std::optional<std::string> def, std::vector<std::string> aliases) {
  opts_[name] = opt{help, true, false, std::move(def)};
  order_.push_back(name);
  for (auto& a : aliases) alias_[a] = name;
  return *this;
}

arg_parser& arg_parser::multi(const std::string& name, const std::string& help) {
  opts_[name] = opt{help, true, true, std::nullopt};
  order_.push_back(name);
  return *this;
}

std::string arg_parser::resolve(const std::string& name) const {
  auto a = alias_.find(name);
  return a == alias_.end() ? name : a->second;
}

bool arg_parser::parse(const std::vector<std::string>& args) {
  bool only_pos = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (only_pos || a.size() < 2 || a[0] != '-' || (a[1] != '-' && a != "-h")) {
      pos_.push_back(a);
      continue;
    }
    if (a == "--") { only_pos = true; continue; }
    if (a == "--help" || a == "-h") { std::cout << help_text(); return false; }
    std::string name = a, value;
    bool has_eq = false;
    if (auto eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_eq = true;
    }
    name = resolve(name);
    auto it = opts_.find(name);
    if (it == opts_.end()) throw usage_error(prog_ + ": unknown option " + name + " (see --help)");
    if (!it->second.takes_value) {
      if (has_eq) throw usage_error(prog_ + ": option " + name + " takes no value");
      flags_[name] = true;
      continue;
    }
    if (!has_eq) {
      if (i + 1 >= args.size()) throw usage_error(prog_ + ": option " + name + " needs a value");
      value = args[++i];
    }
    if (it->second.repeated) multi_values_[name].push_back(value);
    else values_[name] = value;
  }
  return true;
}

bool arg_parser::has(const std::string& name) const {
  if (flags_.count(name)) return true;
  if (values_.count(name)) return true;
  if (multi_values_.count(name)) return true;
  auto it = opts_.find(name);
  return it != opts_.end() && it->second.def.has_value();
}

std::optional<std::string> arg_parser::get_opt(const std::string& name) const {
  if (auto v = values_.find(name); v != values_.end()) return v->second;
  auto it = opts_.find(name);
  if (it != opts_.end() && it->second.def) return it->second.def;
  return std::nullopt;
}

std::string arg_parser::get(const std::string& name) const {
  auto v = get_opt(name);
  if (!v) throw usage_error(prog_ + ": option " + name + " is required");
  return *v;
}

double arg_parser::get_double(const std::string& name) const { return parse_double(get(name), name); }

long arg_parser::get_int(const std::string& name) const {
  std::string s = get(name);
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0)
    throw usage_error(prog_ + ": option " + name + " expects an integer, got '" + s + "'");
  return v;
}

const std::vector<std::string>& arg_parser::get_multi(const std::string& name) const {
  static const std::vector<std::string> empty;
  auto it = multi_values_.find(name);
  return it == multi_values_.end() ? empty : it->second;
}

void arg_parser::require_positionals(size_t lo, size_t hi) const {
  if (pos_.size() < lo || pos_.size() > hi)
    throw usage_error(prog_ + ": expected " +
                      (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                      " positional argument(s), got " + std::to_string(pos_.size()) + "\nusage: " + usage_);
}

std::string arg_parser::help_text() const {
  std::ostringstream os;
  os << "usage: " << usage_ << "\n";
  if (!order_.empty()) os << "options:\n";
  for (const auto& n : order_) {
    const auto& o = opts_.at(n);
    std::string left = "  " + n + (o.takes_value ? " VALUE" : "");
    for (const auto& [al, target] : alias_)
      if (target == n) left += ", " + al;
    os << left;
    if (left.size() < 28) os << std::string(28 - left.size(), ' ');
    else os << "\n" << std::string(28, ' ');
    os << o.help;
    if (o.def) os << " (default: " << *o.def << ")";
    os << "\n";
  }
  return os.str();
}

double parse_double(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v))
    throw usage_error(what + ": expected a finite number, got '" + text + "'");
  return v;
}

}  // namespace hfx::cli
