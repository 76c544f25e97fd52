// Python-compatible json.dumps and the sha256/md5 hashes behind pyhf's digests.
// Sources: CPython Lib/json/encoder.py (separators, escaping, sort_keys), Python/pystrtod.c
// format_float_short (repr: shortest digits, exponent form when decpt <= -4 or > 16),
// FIPS 180-4 (sha256), RFC 1321 (md5).
#include "hfx/digest.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hfx/error.hpp"

namespace hfx {

std::string python_float_repr(double x) {
  if (!std::isfinite(x)) throw input_error("", "", "cannot serialise a non-finite number");
  // Shortest round-trip digits in scientific form, e.g. "1.2345e+16", "5e-324".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  std::string out;
  if (!s.empty() && s[0] == '-') { out += '-'; s.remove_prefix(1); }
  size_t epos = s.find('e');
  std::string digits;
  for (char c : s.substr(0, epos))
    if (c != '.') digits += c;
  int exp10 = 0;
  std::from_chars(s.data() + epos + 1 + (s[epos + 1] == '+'), s.data() + s.size(), exp10);
  const int nd = static_cast<int>(digits.size());
  const int decpt = exp10 + 1;  // digits d1 d2 ... with the decimal point after d_decpt
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (nd > 1) { out += '.'; out.append(digits, 1, std::string::npos); }
    int e = decpt - 1;
    out += e < 0 ? "e-" : "e+";
    int ae = e < 0 ? -e : e;
    if (ae < 10) out += '0';
    out += std::to_string(ae);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out += digits;
  } else if (decpt < nd) {
    out.append(digits, 0, static_cast<size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<size_t>(decpt), std::string::npos);
  } else {
    out += digits;
    out.append(static_cast<size_t>(decpt - nd), '0');
    out += ".0";
  }
  return out;
}

namespace {
const char* hexdig = "0123456789abcdef";

void append_u4(std::string& out, unsigned v) {
  out += "\\u";
  for (int sh = 12; sh >= 0; sh -= 4) out += hexdig[(v >> sh) & 15u];
}

// Decodes the UTF-8 sequence at s[i] (validated by the JSON reader); returns its length.
size_t decode_utf8(const std::string& s, size_t i, unsigned& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  cp = n == 2 ? (c & 0x1Fu) : n == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  return n;
}

void dump_string(std::string& out, const std::string& s, bool ensure_ascii) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || (ensure_ascii && c == 0x7F)) { append_u4(out, c); continue; }
    if (c < 0x80 || !ensure_ascii) { out += static_cast<char>(c); continue; }
    unsigned cp = 0;
    i += decode_utf8(s, i, cp) - 1;
    if (cp >= 0x10000) {  // UTF-16 surrogate pair, as Python's ensure_ascii encoder
      cp -= 0x10000;
      append_u4(out, 0xD800u | (cp >> 10));
      append_u4(out, 0xDC00u | (cp & 0x3FFu));
    } else {
      append_u4(out, cp);
    }
  }
  out += '"';
}

void newline_indent(std::string& out, const python_dumps_options& opt, int level) {
  out += '\n';
  out.append(static_cast<size_t>(opt.indent * level), ' ');
}

// Recursive; the JSON reader bounds the depth (json_limits::max_depth).
void dump(std::string& out, const json& j, const python_dumps_options& opt, int level) {
  const bool pretty = opt.indent >= 0;
  const char* item_sep = pretty ? "," : ", ";
  switch (j.type()) {
    case json::value_t::null: out += "null"; return;
    case json::value_t::boolean: out += j.get<bool>() ? "true" : "false"; return;
    case json::value_t::number_integer: out += std::to_string(j.get<std::int64_t>()); return;
    case json::value_t::number_unsigned: out += std::to_string(j.get<std::uint64_t>()); return;
    case json::value_t::number_float: out += python_float_repr(j.get<double>()); return;
    case json::value_t::string: dump_string(out, j.get_ref<const std::string&>(), opt.ensure_ascii); return;
    case json::value_t::array: {
      if (j.empty()) { out += "[]"; return; }
      out += '[';
      bool first = true;
      for (const auto& v : j) {
        if (!first) out += item_sep;
        first = false;
        if (pretty) newline_indent(out, opt, level + 1);
        dump(out, v, opt, level + 1);
      }
      if (pretty) newline_indent(out, opt, level);
      out += ']';
      return;
    }
    case json::value_t::object: {
      if (j.empty()) { out += "{}"; return; }
      out += '{';
      bool first = true;
      // nlohmann's object is a std::map<std::string, ...>: byte order of UTF-8 keys is
      // code point order, which is what Python's sort_keys gives.
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += item_sep;
        first = false;
        if (pretty) newline_indent(out, opt, level + 1);
        dump_string(out, it.key(), opt.ensure_ascii);
        out += ": ";
        dump(out, it.value(), opt, level + 1);
      }
      if (pretty) newline_indent(out, opt, level);
      out += '}';
      return;
    }
    default:
      throw input_error("", "", "cannot serialise a binary or discarded JSON value");
  }
}

// ---- sha256 (FIPS 180-4) ---------------------------------------------------------------
constexpr std::array<std::uint32_t, 64> sha256_k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
constexpr std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// Message padding shared by both hashes: 0x80, zeros, 64-bit bit length (big- or little-endian).
std::string pad_message(std::string_view msg, bool big_endian_length) {
  std::string m(msg);
  std::uint64_t bits = static_cast<std::uint64_t>(msg.size()) * 8u;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int k = 0; k < 8; ++k) {
    int sh = big_endian_length ? 56 - 8 * k : 8 * k;
    m += static_cast<char>((bits >> sh) & 0xFFu);
  }
  return m;
}

std::string to_hex(const unsigned char* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) { s += hexdig[p[i] >> 4]; s += hexdig[p[i] & 15]; }
  return s;
}
}  // namespace

std::string python_json_dumps(const json& obj, const python_dumps_options& opt) {
  std::string out;
  dump(out, obj, opt, 0);
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const std::string m = pad_message(bytes, true);
  std::uint32_t w[64];
  for (size_t blk = 0; blk < m.size(); blk += 64) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.data() + blk);
    for (int t = 0; t < 16; ++t)
      w[t] = (std::uint32_t(p[4 * t]) << 24) | (std::uint32_t(p[4 * t + 1]) << 16) |
             (std::uint32_t(p[4 * t + 2]) << 8) | std::uint32_t(p[4 * t + 3]);
    for (int t = 16; t < 64; ++t) {
      std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; ++t) {
      std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[t] + w[t];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  unsigned char out[32];
  for (int i = 0; i < 8; ++i)
    for (int k = 0; k < 4; ++k) out[4 * i + k] = static_cast<unsigned char>(h[i] >> (24 - 8 * k));
  return to_hex(out, 32);
}

std::string md5_hex(std::string_view bytes) {
  // RFC 1321: per-round shift amounts and K[i] = floor(2^32 * |sin(i + 1)|).
  static constexpr int shifts[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
  static const std::array<std::uint32_t, 64> k = [] {
    std::array<std::uint32_t, 64> t{};
    for (int i = 0; i < 64; ++i) t[i] = static_cast<std::uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    return t;
  }();
  std::uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const std::string m = pad_message(bytes, false);
  for (size_t blk = 0; blk < m.size(); blk += 64) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.data() + blk);
    std::uint32_t x[16];
    for (int t = 0; t < 16; ++t)
      x[t] = std::uint32_t(p[4 * t]) | (std::uint32_t(p[4 * t + 1]) << 8) |
             (std::uint32_t(p[4 * t + 2]) << 16) | (std::uint32_t(p[4 * t + 3]) << 24);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
      else { f = c ^ (b | ~d); g = (7 * i) % 16; }
      std::uint32_t tmp = d;
      d = c; c = b;
      b = b + rotl(a + f + k[i] + x[g], shifts[i / 16][i % 4]);
      a = tmp;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  }
  unsigned char out[16];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<unsigned char>(h[i] >> (8 * j));
  return to_hex(out, 16);
}

std::string json_digest(const json& obj, const std::string& algorithm, const std::string& file) {
  if (algorithm == "sha256") return sha256_hex(python_json_dumps(obj));
  if (algorithm == "md5") return md5_hex(python_json_dumps(obj));
  throw input_error(file, "", "unsupported digest algorithm '" + algorithm + "' (hfx supports sha256 and md5)");
}

}  // namespace hfx
