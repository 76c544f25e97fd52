#include "hfx/json_io.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "hfx/error.hpp"

namespace hfx {

namespace {
std::string gunzip(const std::string& in, const std::string& path) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw input_error(path, "", "cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    // A gzip bomb must not exhaust memory: the largest published patchsets are a few hundred
    // MB uncompressed, so 4 GiB of JSON text is far beyond any real input.
    constexpr std::size_t max_uncompressed = std::size_t(4) << 30;
    if (out.size() > max_uncompressed) {
      inflateEnd(&zs);
      throw input_error(path, "", "gzip data expands beyond 4 GiB; refusing to read it");
    }
    if (rc == Z_STREAM_END) {
      // concatenated gzip members: continue with the next one
      if (zs.avail_in > 0) { inflateReset(&zs); continue; }
      break;
    }
    if (rc != Z_OK) {
      std::string msg = zs.msg ? zs.msg : "data error";
      inflateEnd(&zs);
      throw input_error(path, "", "corrupt gzip data (" + msg + ")");
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw input_error(path, "", "truncated gzip data");
    }
  }
  inflateEnd(&zs);
  return out;
}
}  // namespace

std::string read_file_maybe_gz(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw input_error(path, "", std::string("cannot open file: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string raw = ss.str();
  if (raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b)
    return gunzip(raw, path);
  return raw;
}

namespace {
// 1-based line and column (in bytes) of byte offset `pos`.
std::pair<size_t, size_t> line_col(std::string_view text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
  }
  return {line, col};
}

[[noreturn]] void fail_at(std::string_view text, size_t pos, const std::string& name, const std::string& what) {
  auto [line, col] = line_col(text, pos);
  throw input_error(name, "", "invalid JSON at line " + std::to_string(line) + ", column " +
                                  std::to_string(col) + ": " + what);
}

std::string hex_byte(unsigned char c) {
  static const char* d = "0123456789abcdef";
  return std::string("0x") + d[c >> 4] + d[c & 15];
}

// Length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when it is invalid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [](unsigned c) { return (c & 0xC0u) == 0x80u; };
  unsigned c0 = b(0);
  if (c0 < 0x80) return 1;
  if (c0 >= 0xC2 && c0 <= 0xDF) return cont(b(1)) ? 2 : 0;
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    unsigned c1 = b(1);
    if (c0 == 0xE0 && c1 < 0xA0) return 0;   // overlong
    if (c0 == 0xED && c1 > 0x9F) return 0;   // UTF-16 surrogate
    return cont(c1) && cont(b(2)) ? 3 : 0;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    unsigned c1 = b(1);
    if (c0 == 0xF0 && c1 < 0x90) return 0;   // overlong
    if (c0 == 0xF4 && c1 > 0x8F) return 0;   // above U+10FFFF
    return cont(c1) && cont(b(2)) && cont(b(3)) ? 4 : 0;
  }
  return 0;
}

// One pass over the text before the DOM is built: nesting depth, token sizes, UTF-8 in
// strings. Syntax errors are left to the parser (this scan only needs to stay in step with
// string boundaries, which a '"' outside a string always starts).
void prescan(std::string_view t, const std::string& name, const json_limits& lim) {
  size_t depth = 0, token_start = 0;
  bool in_token = false;
  for (size_t i = 0; i < t.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == '"') {
      in_token = false;
      size_t start = i++;
      while (i < t.size() && t[i] != '"') {
        unsigned char d = static_cast<unsigned char>(t[i]);
        if (d == '\\') { i += 2; continue; }
        if (d < 0x80) { ++i; continue; }
        size_t n = utf8_sequence_length(t, i);
        if (n == 0) fail_at(t, i, name, "invalid UTF-8 byte " + hex_byte(d) + " in a string");
        i += n;
        if (i - start > lim.max_token_bytes) break;
      }
      if (i - start > lim.max_token_bytes)
        fail_at(t, start, name, "string longer than " + std::to_string(lim.max_token_bytes) + " bytes");
      continue;  // i is at the closing quote (or past the end: the parser reports it)
    }
    if (c == '[' || c == '{') {
      in_token = false;
      if (++depth > lim.max_depth)
        fail_at(t, i, name, "nesting deeper than " + std::to_string(lim.max_depth) + " levels");
    } else if (c == ']' || c == '}') {
      in_token = false;
      if (depth > 0) --depth;
    } else if (c == ',' || c == ':' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      in_token = false;
    } else {
      if (!in_token) { in_token = true; token_start = i; }
      if (i - token_start >= lim.max_token_bytes)
        fail_at(t, token_start, name, "token longer than " + std::to_string(lim.max_token_bytes) + " bytes");
    }
  }
}
}  // namespace

json parse_json_text(std::string_view text, const std::string& name) {
  return parse_json_text(text, name, json_limits{});
}

json parse_json_text(std::string_view text, const std::string& name, const json_limits& limits) {
  prescan(text, name, limits);
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the failure; report line and column.
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    fail_at(text, e.byte > 0 ? e.byte - 1 : 0, name, what);
  } catch (const json::exception& e) {
    // e.g. out_of_range 406 "number overflow parsing '1e400'" (no position available)
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw input_error(name, "", "invalid JSON: " + what);
  }
}

json load_json_file(const std::string& path) { return parse_json_text(read_file_maybe_gz(path), path); }

const char* json_type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::null: return "null";
    default: return "a number";
  }
}

std::string json_pointer_escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace hfx
