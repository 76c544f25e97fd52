// host/patch_select.cpp - patch selection (syntax in patch_select.hpp).
#include "hfx/patch_select.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <unordered_map>

#include "hfx/error.hpp"

namespace hfx {

namespace {

// One selection item and where it came from (for error messages).
struct item {
  std::string text;
  std::string origin;  // "--patches" or the @FILE
  std::string where;   // "" or "line N"
  [[noreturn]] void fail(const std::string& problem) const {
    throw input_error(origin, "", (where.empty() ? "" : where + ": ") + problem);
  }
};

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n\f\v";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::vector<item> read_item_file(const std::string& path, const item& from) {
  std::ifstream f(path);
  if (!f) from.fail("cannot read selection file '" + path + "': " + std::strerror(errno));
  std::vector<item> out;
  std::string line;
  for (size_t n = 1; std::getline(f, line); ++n) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    item it{t, path, "line " + std::to_string(n)};
    if (t[0] == '@') it.fail("nested @FILE selections are not supported");
    out.push_back(std::move(it));
  }
  if (f.bad()) from.fail("error reading selection file '" + path + "'");
  return out;
}

// Splits the selection text into items, expanding @FILE.
std::vector<item> expand(const std::string& select, const std::string& origin) {
  if (trim(select).empty()) throw input_error(origin, "", "empty patch selection");
  std::vector<item> out;
  size_t pos = 0;
  while (pos <= select.size()) {
    size_t comma = select.find(',', pos);
    if (comma == std::string::npos) comma = select.size();
    std::string t = trim(std::string_view(select).substr(pos, comma - pos));
    pos = comma + 1;
    if (t.empty()) continue;
    item it{t, origin, ""};
    if (t[0] == '@') {
      if (t.size() == 1) it.fail("'@' needs a file name");
      auto more = read_item_file(t.substr(1), it);
      if (more.empty()) it.fail("selection file '" + t.substr(1) + "' lists no patch");
      out.insert(out.end(), more.begin(), more.end());
    } else {
      out.push_back(std::move(it));
    }
  }
  if (out.empty()) throw input_error(origin, "", "empty patch selection '" + select + "'");
  return out;
}

bool has_glob(const std::string& s) { return s.find_first_of("*?") != std::string::npos; }

struct slice {
  std::optional<long long> start, stop, step;
};

std::optional<long long> parse_bound(const std::string& s, const item& it) {
  std::string t = trim(s);
  if (t.empty()) return std::nullopt;
  const char* b = t.data();
  if (*b == '+') ++b;
  long long v = 0;
  auto [p, ec] = std::from_chars(b, t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size())
    it.fail("'" + it.text + "' is not a patch name and not a slice START:STOP[:STEP] of integers");
  return v;
}

// Parses "START:STOP[:STEP]"; nullopt if the item has no ':' (then it is a plain name).
std::optional<slice> parse_slice(const item& it) {
  const std::string& t = it.text;
  size_t c1 = t.find(':');
  if (c1 == std::string::npos) return std::nullopt;
  size_t c2 = t.find(':', c1 + 1);
  if (c2 != std::string::npos && t.find(':', c2 + 1) != std::string::npos)
    it.fail("'" + t + "' is not a patch name and not a slice START:STOP[:STEP] (too many ':')");
  slice s;
  s.start = parse_bound(t.substr(0, c1), it);
  s.stop = parse_bound(t.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1), it);
  if (c2 != std::string::npos) s.step = parse_bound(t.substr(c2 + 1), it);
  if (s.step && *s.step == 0) it.fail("slice '" + t + "' has step 0");
  return s;
}

// Python's slice.indices(n) followed by range(start, stop, step).
void apply_slice(const slice& s, long long n, std::vector<size_t>& out) {
  long long step = s.step.value_or(1);
  auto clamp = [&](std::optional<long long> v, long long def) {
    if (!v) return def;
    long long x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= n) {
      x = step < 0 ? n - 1 : n;
    }
    return x;
  };
  long long start = clamp(s.start, step < 0 ? n - 1 : 0);
  long long stop = clamp(s.stop, step < 0 ? -1 : n);
  if (step > 0)
    for (long long i = start; i < stop; i += step) out.push_back(size_t(i));
  else
    for (long long i = start; i > stop; i += step) out.push_back(size_t(i));
}

std::string quoted_list(const std::vector<std::string>& v, size_t max_shown) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max_shown; ++i) s += (i ? ", '" : "'") + v[i] + "'";
  if (v.size() > max_shown) s += " and " + std::to_string(v.size() - max_shown) + " more";
  return s;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last '*' (linear in practice).
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<size_t> select_patches(const std::vector<std::string>& names, const std::string& select,
                                   const std::string& origin) {
  std::unordered_multimap<std::string, size_t> index;
  index.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) index.emplace(names[i], i);

  std::vector<size_t> out;
  std::vector<std::string> unknown;
  for (const item& it : expand(select, origin)) {
    auto [b, e] = index.equal_range(it.text);
    if (b != e) {
      for (auto i = b; i != e; ++i) out.push_back(i->second);
    } else if (has_glob(it.text)) {
      size_t before = out.size();
      for (size_t i = 0; i < names.size(); ++i)
        if (glob_match(it.text, names[i])) out.push_back(i);
      if (out.size() == before) it.fail("pattern '" + it.text + "' matches no patch");
    } else if (auto s = parse_slice(it)) {
      apply_slice(*s, static_cast<long long>(names.size()), out);
    } else {
      unknown.push_back(it.text);
    }
  }
  if (!unknown.empty())
    throw input_error(origin, "", std::string(unknown.size() == 1 ? "unknown patch " : "unknown patches ") +
                                      quoted_list(unknown, 20) + " (not among the " +
                                      std::to_string(names.size()) + " patches of the patchset)");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty())
    throw input_error(origin, "", "selection '" + select + "' selects no patch (the patchset has " +
                                      std::to_string(names.size()) + ")");
  return out;
}

void check_patch_selection(const std::string& select, const std::string& origin) {
  // Only items made of slice characters are checked: anything else may be a patch name
  // (even one with ':'), which only the patchset can tell.
  for (const item& it : expand(select, origin))
    if (it.text.find_first_not_of("0123456789+-: ") == std::string::npos) (void)parse_slice(it);
}

}  // namespace hfx
