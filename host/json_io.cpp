#include "hfx/json_io.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

json parse_json_text(std::string_view text, const std::string& name) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset of the failure; report line and column.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw input_error(name, "", "invalid JSON at line " + std::to_string(line) + ", column " +
                                    std::to_string(col) + ": " + what);
  }
}

json load_json_file(const std::string& path) { return parse_json_text(read_file_maybe_gz(path), path); }

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
