// hfx command-line entry point: dispatches to the registered subcommands and turns every
// error into one line on stderr and an exit code (0 ok, 1 bad input or failure, 2 usage).
#include <exception>
#include <iostream>
#include <new>

#include "cli.hpp"

namespace {
void print_usage() {
  std::cerr << "usage: hfx COMMAND [ARGS...]   (hfx COMMAND --help for details)\ncommands:\n";
  for (const auto& [name, info] : hfx::cli::registry()) {
    std::string left = "  " + name;
    std::cerr << left << std::string(left.size() < 20 ? 20 - left.size() : 1, ' ') << info.summary << "\n";
  }
}
}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc < 2) { print_usage(); return 2; }
  std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") { print_usage(); return 0; }
  auto& reg = hfx::cli::registry();
  auto it = reg.find(cmd);
  if (it == reg.end()) {
    std::cerr << "hfx: unknown command '" << cmd << "'\n";
    print_usage();
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return it->second.fn(args);
  } catch (const hfx::usage_error& e) {
    std::cerr << "hfx " << cmd << ": " << e.what() << "\n";
    return 2;
  } catch (const hfx::error& e) {
    std::cerr << "hfx " << cmd << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "hfx " << cmd << ": error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "hfx " << cmd << ": error: " << e.what() << "\n";
    return 1;
  }
}
