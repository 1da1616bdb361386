// Deterministic model output for the fixture LLM server: a JSON value built
// from a JSON Schema and the last user message, so tests can predict it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace fixture {

using OJson = nlohmann::ordered_json;

constexpr int kMaxSchemaDepth = 32;
constexpr size_t kThoughtsPrefixChars = 40;

inline uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Number of UTF-8 code points (continuation bytes are not counted).
inline size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `chars` code points of `s`.
inline std::string Utf8Prefix(const std::string& s, size_t chars) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == chars) return s.substr(0, i);
      ++seen;
    }
  }
  return s;
}

inline std::string AsciiLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

class OutputGenerator {
 public:
  OutputGenerator(const OJson& root, std::string last_user)
      : root_(root), last_user_(std::move(last_user)), lower_user_(AsciiLower(last_user_)) {}

  OJson Generate() const { return Value(root_, "", 0); }

 private:
  const OJson& Resolve(const OJson& schema, int depth) const {
    if (depth > kMaxSchemaDepth || !schema.is_object() || !schema.contains("$ref") ||
        !schema["$ref"].is_string()) {
      return schema;
    }
    std::string ref = schema["$ref"].get<std::string>();
    if (ref.rfind("#/", 0) != 0) return schema;
    const OJson* node = &root_;
    size_t pos = 2;
    while (pos <= ref.size()) {
      size_t end = ref.find('/', pos);
      if (end == std::string::npos) end = ref.size();
      std::string key = ref.substr(pos, end - pos);
      if (!node->is_object() || !node->contains(key)) return schema;
      node = &(*node)[key];
      pos = end + 1;
    }
    return Resolve(*node, depth + 1);
  }

  static std::string TypeOf(const OJson& s) {
    if (!s.contains("type")) {
      if (s.contains("properties")) return "object";
      if (s.contains("items")) return "array";
      return "string";
    }
    const OJson& t = s["type"];
    if (t.is_string()) return t.get<std::string>();
    if (t.is_array()) {
      for (const auto& x : t) {
        if (x.is_string() && x.get<std::string>() != "null") return x.get<std::string>();
      }
      if (!t.empty() && t[0].is_string()) return t[0].get<std::string>();
    }
    return "string";
  }

  OJson PickEnum(const OJson& values) const {
    if (!values.is_array() || values.empty()) return nullptr;
    size_t best = values.size();
    size_t best_len = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values[i].is_string()) continue;
      std::string v = AsciiLower(values[i].get<std::string>());
      if (!v.empty() && v.size() > best_len && lower_user_.find(v) != std::string::npos) {
        best = i;
        best_len = v.size();
      }
    }
    if (best == values.size()) best = Fnv1a(last_user_) % values.size();
    return values[best];
  }

  static int64_t IntField(const OJson& s, const char* key, int64_t fallback) {
    return s.contains(key) && s[key].is_number() ? s[key].get<int64_t>() : fallback;
  }

  OJson StringValue(const OJson& s, const std::string& name) const {
    std::string v = name == "thoughts"
                        ? "fixture thoughts: " + Utf8Prefix(last_user_, kThoughtsPrefixChars)
                        : "fixture";
    size_t min_len = static_cast<size_t>(std::max<int64_t>(0, IntField(s, "minLength", 0)));
    int64_t max_len = IntField(s, "maxLength", -1);
    if (Utf8Length(v) < min_len) {
      while (Utf8Length(v) < min_len) v += "fixture";
      v = Utf8Prefix(v, min_len);
    }
    if (max_len >= 0) v = Utf8Prefix(v, static_cast<size_t>(max_len));
    return v;
  }

  OJson Value(const OJson& in, const std::string& name, int depth) const {
    if (depth > kMaxSchemaDepth) return nullptr;
    const OJson& s = Resolve(in, depth);
    if (!s.is_object()) return nullptr;
    if (s.contains("const")) return s["const"];
    if (s.contains("enum")) return PickEnum(s["enum"]);
    for (const char* key : {"anyOf", "oneOf", "allOf"}) {
      if (s.contains(key) && s[key].is_array() && !s[key].empty()) {
        return Value(s[key][0], name, depth + 1);
      }
    }
    std::string type = TypeOf(s);
    if (type == "object") {
      OJson out = OJson::object();
      if (s.contains("properties") && s["properties"].is_object()) {
        for (const auto& [key, sub] : s["properties"].items()) {
          out[key] = Value(sub, key, depth + 1);
        }
      }
      return out;
    }
    if (type == "array") {
      OJson out = OJson::array();
      int64_t n = IntField(s, "minItems", 0);
      OJson item = s.contains("items") ? Value(s["items"], name, depth + 1) : OJson("fixture");
      for (int64_t i = 0; i < n && i < 1000; ++i) out.push_back(item);
      return out;
    }
    if (type == "integer" || type == "number") {
      if (s.contains("minimum") && s["minimum"].is_number()) return s["minimum"];
      if (s.contains("exclusiveMinimum") && s["exclusiveMinimum"].is_number()) {
        return s["exclusiveMinimum"].get<int64_t>() + 1;
      }
      return 0;
    }
    if (type == "boolean") return false;
    if (type == "null") return nullptr;
    return StringValue(s, name);
  }

  const OJson& root_;
  std::string last_user_;
  std::string lower_user_;
};

// Makes `out` (generated from `schema`) violate it: the first enum property
// gets "not_a_label"; without enums the first required property is dropped.
inline void MakeInvalid(const OJson& schema, OJson* out) {
  if (!out->is_object() || !schema.is_object()) {
    *out = "not_a_label";
    return;
  }
  if (schema.contains("properties") && schema["properties"].is_object()) {
    for (const auto& [key, sub] : schema["properties"].items()) {
      if (sub.is_object() && sub.contains("enum") && out->contains(key)) {
        (*out)[key] = "not_a_label";
        return;
      }
    }
  }
  if (schema.contains("required") && schema["required"].is_array() && !schema["required"].empty() &&
      schema["required"][0].is_string()) {
    out->erase(schema["required"][0].get<std::string>());
    return;
  }
  *out = "not_a_label";
}

}  // namespace fixture
