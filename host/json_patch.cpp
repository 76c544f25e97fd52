// RFC 6902 JSON Patch and RFC 6901 JSON Pointer (see hfx/json_patch.hpp for the rules).
#include "hfx/json_patch.hpp"

#include <limits>

#include "hfx/error.hpp"
#include "workspace_index.hpp"

namespace hfx {

namespace {

// Error context of one operation: the file, the pointer of the operation, its name.
struct op_context {
  const std::string& file;
  std::string pointer;
  std::string op;
  [[noreturn]] void fail(const std::string& what) const {
    throw input_error(file, pointer, (op.empty() ? std::string() : op + ": ") + what);
  }
};


// Short rendering of a value for messages.
std::string brief(const json& j) {
  std::string s = j.dump();
  constexpr size_t max_chars = 60;  // keep error messages on one readable line
  if (s.size() > max_chars) s = s.substr(0, max_chars) + "...";
  return s;
}

// Pointer text of the first n tokens.
std::string prefix_text(const std::vector<std::string>& toks, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += '/';
    s += json_pointer_escape(toks[i]);
  }
  return s;
}

// RFC 6901 array index: "0" or a digit string without leading zero. No sign, no "-".
bool parse_array_index(const std::string& tok, size_t& out) {
  if (tok.empty() || tok.size() > 1 + std::numeric_limits<size_t>::digits10) return false;
  if (tok.size() > 1 && tok[0] == '0') return false;
  size_t v = 0;
  for (char c : tok) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  out = v;
  return true;
}

// Walks the first n tokens; every step must exist. `role` names the pointer ("path", "from").
json& walk(json& doc, const std::vector<std::string>& toks, size_t n, const op_context& ctx,
           const std::string& role, const std::string& full) {
  json* cur = &doc;
  for (size_t i = 0; i < n; ++i) {
    const std::string& t = toks[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end())
        ctx.fail(role + " '" + full + "' does not exist (no member '" + t + "' in '" + prefix_text(toks, i) + "')");
      cur = &*it;
    } else if (cur->is_array()) {
      size_t idx = 0;
      if (!parse_array_index(t, idx))
        ctx.fail(role + " '" + full + "': '" + t + "' is not a valid index into the array at '" +
                 prefix_text(toks, i) + "'");
      if (idx >= cur->size())
        ctx.fail(role + " '" + full + "' does not exist (index " + t + " of the array at '" + prefix_text(toks, i) +
                 "', which has " + std::to_string(cur->size()) + " elements)");
      cur = &(*cur)[idx];
    } else {
      ctx.fail(role + " '" + full + "' does not exist ('" + prefix_text(toks, i) + "' is " + json_type_name(*cur) +
               ", not a container)");
    }
  }
  return *cur;
}

void do_add(json& doc, const std::vector<std::string>& toks, json value, const op_context& ctx,
            const std::string& full) {
  if (toks.empty()) { doc = std::move(value); return; }
  json& parent = walk(doc, toks, toks.size() - 1, ctx, "path", full);
  const std::string& last = toks.back();
  if (parent.is_object()) {
    parent[last] = std::move(value);
  } else if (parent.is_array()) {
    if (last == "-") { parent.push_back(std::move(value)); return; }
    size_t idx = 0;
    if (!parse_array_index(last, idx))
      ctx.fail("path '" + full + "': '" + last + "' is not a valid array index (use '-' to append)");
    if (idx > parent.size())
      ctx.fail("path '" + full + "': index " + last + " is out of range (the array has " +
               std::to_string(parent.size()) + " elements)");
    parent.insert(parent.begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
  } else {
    ctx.fail("path '" + full + "': cannot add to '" + prefix_text(toks, toks.size() - 1) + "', which is " +
             json_type_name(parent));
  }
}

// Removes the value at toks and returns it.
json do_remove(json& doc, const std::vector<std::string>& toks, const op_context& ctx, const std::string& role,
               const std::string& full) {
  if (toks.empty()) ctx.fail("cannot remove the whole document ('" + full + "')");
  json& parent = walk(doc, toks, toks.size() - 1, ctx, role, full);
  const std::string& last = toks.back();
  if (parent.is_object()) {
    auto it = parent.find(last);
    if (it == parent.end())
      ctx.fail(role + " '" + full + "' does not exist (no member '" + last + "' in '" +
               prefix_text(toks, toks.size() - 1) + "')");
    json v = std::move(*it);
    parent.erase(it);
    return v;
  }
  // arrays and scalars: walk reports the missing element with the right words
  json& target = walk(doc, toks, toks.size(), ctx, role, full);
  json v = std::move(target);
  json& arr = walk(doc, toks, toks.size() - 1, ctx, role, full);
  size_t idx = 0;
  parse_array_index(last, idx);
  arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(idx));
  return v;
}

const std::string& string_member(const json& op, const char* key, const op_context& ctx) {
  auto it = op.find(key);
  if (it == op.end()) ctx.fail(std::string("missing \"") + key + "\"");
  if (!it->is_string()) ctx.fail(std::string("\"") + key + "\" must be a string, got " + json_type_name(*it));
  return it->get_ref<const std::string&>();
}

const std::string& op_name(const json& op, const op_context& ctx) {
  if (!op.is_object()) ctx.fail(std::string("an operation must be an object, got ") + json_type_name(op));
  const std::string& name = string_member(op, "op", ctx);
  if (name != "add" && name != "remove" && name != "replace" && name != "move" && name != "copy" && name != "test")
    ctx.fail("unknown operation \"" + name + "\" (expected add, remove, replace, move, copy or test)");
  return name;
}

void apply_one(json& doc, const json& op, op_context& ctx) {
  const std::string& name = op_name(op, ctx);
  ctx.op = name;
  const std::string& path = string_member(op, "path", ctx);
  auto toks = parse_json_pointer(path, ctx.file, ctx.pointer);
  auto value = [&]() -> const json& {
    auto it = op.find("value");
    if (it == op.end()) ctx.fail("missing \"value\"");
    return *it;
  };
  if (name == "add") {
    do_add(doc, toks, value(), ctx, path);
  } else if (name == "remove") {
    do_remove(doc, toks, ctx, "path", path);
  } else if (name == "replace") {
    const json& v = value();
    walk(doc, toks, toks.size(), ctx, "path", path) = v;
  } else if (name == "test") {
    const json& v = value();
    const json& cur = walk(doc, toks, toks.size(), ctx, "path", path);
    if (!(cur == v)) ctx.fail("test failed: value at '" + path + "' is " + brief(cur) + ", expected " + brief(v));
  } else {  // move, copy
    const std::string& from = string_member(op, "from", ctx);
    auto ftoks = parse_json_pointer(from, ctx.file, ctx.pointer);
    if (name == "copy") {
      json v = walk(doc, ftoks, ftoks.size(), ctx, "from", from);
      do_add(doc, toks, std::move(v), ctx, path);
      return;
    }
    if (ftoks == toks) { walk(doc, ftoks, ftoks.size(), ctx, "from", from); return; }
    if (ftoks.size() < toks.size() && std::equal(ftoks.begin(), ftoks.end(), toks.begin()))
      ctx.fail("cannot move '" + from + "' into its own child '" + path + "'");
    json v = do_remove(doc, ftoks, ctx, "from", from);
    do_add(doc, toks, std::move(v), ctx, path);
  }
}

}  // namespace

bool detail::parse_json_array_index(const std::string& tok, size_t& out) { return parse_array_index(tok, out); }

std::vector<std::string> parse_json_pointer(std::string_view pointer, const std::string& file,
                                            const std::string& where) {
  std::vector<std::string> toks;
  if (pointer.empty()) return toks;
  if (pointer[0] != '/')
    throw input_error(file, where, "invalid JSON pointer '" + std::string(pointer) + "' (must be empty or start with '/')");
  std::string cur;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      toks.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    char c = pointer[i];
    if (c == '~') {
      char n = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (n != '0' && n != '1')
        throw input_error(file, where, "invalid JSON pointer '" + std::string(pointer) +
                                           "' ('~' must be followed by 0 or 1)");
      cur += n == '0' ? '~' : '/';
      ++i;
    } else {
      cur += c;
    }
  }
  return toks;
}

void check_json_patch_operation(const json& op, const std::string& file, const std::string& op_pointer) {
  op_context ctx{file, op_pointer, ""};
  const std::string& name = op_name(op, ctx);
  ctx.op = name;
  parse_json_pointer(string_member(op, "path", ctx), file, op_pointer);
  if ((name == "add" || name == "replace" || name == "test") && !op.contains("value")) ctx.fail("missing \"value\"");
  if (name == "move" || name == "copy") parse_json_pointer(string_member(op, "from", ctx), file, op_pointer);
}

void apply_json_patch(json& doc, const json& ops, const std::string& file, const std::string& ops_pointer) {
  if (!ops.is_array())
    throw input_error(file, ops_pointer, std::string("a JSON patch must be an array of operations, got ") + json_type_name(ops));
  for (size_t i = 0; i < ops.size(); ++i) {
    op_context ctx{file, ops_pointer + "/" + std::to_string(i), ""};
    apply_one(doc, ops[i], ctx);
  }
}

json apply_json_patch_copy(const json& doc, const json& ops, const std::string& file, const std::string& ops_pointer) {
  json out = doc;
  apply_json_patch(out, ops, file, ops_pointer);
  return out;
}

}  // namespace hfx
