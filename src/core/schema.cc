// Schema checking has two halves. Compile() checks the schema with our own
// rules (unknown type names, wrongly typed keywords, unknown keywords: things
// valijson accepts silently) and then with valijson's parser, which throws on
// what it cannot handle. Validation then runs on our own compiled tree:
// measured on a 1 KB output, valijson's validator costs ~4 us with a warm
// regex cache (which is mutable, so not shareable across threads) and ~23 us
// without, against a 10 us budget for parse + validate; ours takes under
// 1 us and words each violation the way we want it. Parsing likewise tries a
// fast reader first (nlohmann alone took ~6 us of the budget); see
// bench/schema_bench.cc.

// GCC 12 at -O2+ reports a false -Wrestrict inside valijson's json_pointer
// (GCC bug 105329); the location is in libstdc++, so it must be off from the
// first include on.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "core/schema.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string_view>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <vector>

namespace centaur {
namespace schema_internal {

enum TypeBit : uint8_t {
  kNullBit = 1,
  kBooleanBit = 2,
  kIntegerBit = 4,
  kNumberBit = 8,
  kStringBit = 16,
  kArrayBit = 32,
  kObjectBit = 64,
};

enum class Format { kNone, kDate, kTime, kDateTime };

struct Property {
  std::string name;
  int node = -1;
};

struct PatternProperty {
  std::string text;
  std::regex re;
  int node = -1;
};

struct Dependency {
  std::string name;
  std::vector<std::string> required;  // array form
  int node = -1;                      // schema form
};

// One subschema. Indices refer to Compiled::nodes; -1 means absent.
struct Node {
  bool always_true = false;  // no constraints at all: skip the visit
  bool always_false = false;
  int ref = -1;
  uint8_t types = 0;               // 0: any type
  std::vector<uint8_t> type_list;  // as written, for messages

  bool has_enum = false;
  std::vector<std::string> enum_strings;  // sorted, for binary search
  std::vector<Json> enum_others;
  std::string enum_text;
  std::optional<Json> const_value;

  std::optional<Json> minimum, maximum, exclusive_minimum, exclusive_maximum, multiple_of;

  std::optional<uint64_t> min_length, max_length;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  Format format = Format::kNone;

  std::optional<uint64_t> min_items, max_items;
  bool unique_items = false;
  int items = -1;
  std::vector<int> tuple_items;
  int additional_items = -1;
  int contains = -1;

  std::optional<uint64_t> min_properties, max_properties;
  std::vector<std::string> required;
  std::vector<Property> properties;  // sorted by name, the order nlohmann keeps keys in
  std::vector<PatternProperty> pattern_properties;
  int additional_properties = -1;
  int property_names = -1;
  std::vector<Dependency> dependencies;

  std::vector<int> all_of, any_of, one_of;
  int not_schema = -1, if_schema = -1, then_schema = -1, else_schema = -1;
};

struct Compiled {
  std::vector<Node> nodes;  // nodes[0] is the root
};

}  // namespace schema_internal

namespace {

using namespace schema_internal;  // NOLINT: this file is its only user

constexpr size_t kMaxReportedViolations = 50;
// Guards the stack against recursive schemas ($ref) meeting deep values.
constexpr int kMaxDepth = 512;
constexpr size_t kMaxValueChars = 60;

// ---------- shared helpers

void AppendPointerToken(std::string_view token, std::string* out) {
  out->push_back('/');
  for (char c : token) {
    if (c == '~') {
      out->append("~0");
    } else if (c == '/') {
      out->append("~1");
    } else {
      out->push_back(c);
    }
  }
}

std::string ChildPointer(const std::string& parent, std::string_view token) {
  std::string out = parent == "/" ? std::string() : parent;
  AppendPointerToken(token, &out);
  return out;
}

std::string Dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A value as it appears in a message: JSON text, cut short when long.
std::string Brief(const Json& v) {
  std::string s = Dump(v);
  if (s.size() <= kMaxValueChars) return s;
  size_t cut = kMaxValueChars - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
  if (v.is_string()) s += '"';
  return s;
}

const char* TypeBitName(uint8_t bit) {
  switch (bit) {
    case kNullBit:
      return "null";
    case kBooleanBit:
      return "boolean";
    case kIntegerBit:
      return "integer";
    case kNumberBit:
      return "number";
    case kStringBit:
      return "string";
    case kArrayBit:
      return "array";
    case kObjectBit:
      return "object";
  }
  return "?";
}

uint8_t TypeBitFromName(std::string_view name) {
  if (name == "null") return kNullBit;
  if (name == "boolean") return kBooleanBit;
  if (name == "integer") return kIntegerBit;
  if (name == "number") return kNumberBit;
  if (name == "string") return kStringBit;
  if (name == "array") return kArrayBit;
  if (name == "object") return kObjectBit;
  return 0;
}

bool IsIntegral(const Json& v) {
  if (v.is_number_integer()) return true;  // includes unsigned
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

const char* ValueTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

// JSON Schema: "integer" matches any number with no fractional part, 1.0
// included; "number" matches every number.
bool TypeMatches(uint8_t types, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return types & kNullBit;
    case Json::value_t::boolean:
      return types & kBooleanBit;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return types & (kIntegerBit | kNumberBit);
    case Json::value_t::number_float:
      return (types & kNumberBit) || ((types & kIntegerBit) && IsIntegral(v));
    case Json::value_t::string:
      return types & kStringBit;
    case Json::value_t::array:
      return types & kArrayBit;
    case Json::value_t::object:
      return types & kObjectBit;
    default:
      return false;
  }
}

std::string JoinOr(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
    out += items[i];
  }
  return out;
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean \"x\"?)" for the closest candidate within 2 edits, else "".
template <typename Range>
std::string Suggest(std::string_view word, const Range& candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (best.empty()) return "";
  return " (did you mean \"" + std::string(best) + "\"?)";
}

// ---------- formats (the ones valijson knows; others are annotations)

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// RFC 3339 full-date: YYYY-MM-DD with a real day of that month.
bool IsDate(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) || !Digits(s, 8, 2, &d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
bool IsTime(std::string_view s) {
  int h, m, sec;
  if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
  if (!Digits(s, 0, 2, &h) || !Digits(s, 3, 2, &m) || !Digits(s, 6, 2, &sec)) return false;
  if (h > 23 || m > 59 || sec > 60) return false;
  size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    size_t start = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i == s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  int oh, om;
  return s.size() == i + 6 && Digits(s, i + 1, 2, &oh) && s[i + 3] == ':' &&
         Digits(s, i + 4, 2, &om) && oh <= 23 && om <= 59;
}

bool IsDateTime(std::string_view s) {
  return s.size() > 11 && (s[10] == 'T' || s[10] == 't') && IsDate(s.substr(0, 10)) &&
         IsTime(s.substr(11));
}

// ---------- compiling

enum class Keyword {
  kAnnotation,
  kDefinitions,
  kRef,
  kType,
  kEnum,
  kConst,
  kMultipleOf,
  kMaximum,
  kExclusiveMaximum,
  kMinimum,
  kExclusiveMinimum,
  kMaxLength,
  kMinLength,
  kPattern,
  kFormat,
  kItems,
  kAdditionalItems,
  kMaxItems,
  kMinItems,
  kUniqueItems,
  kContains,
  kMaxProperties,
  kMinProperties,
  kRequired,
  kProperties,
  kPatternProperties,
  kAdditionalProperties,
  kDependencies,
  kPropertyNames,
  kIf,
  kThen,
  kElse,
  kAllOf,
  kAnyOf,
  kOneOf,
  kNot,
};

const std::map<std::string, Keyword, std::less<>>& Keywords() {
  static const auto* keywords = new std::map<std::string, Keyword, std::less<>>{
      {"$schema", Keyword::kAnnotation},
      {"$id", Keyword::kAnnotation},
      {"id", Keyword::kAnnotation},
      {"$comment", Keyword::kAnnotation},
      {"title", Keyword::kAnnotation},
      {"description", Keyword::kAnnotation},
      {"default", Keyword::kAnnotation},
      {"examples", Keyword::kAnnotation},
      {"readOnly", Keyword::kAnnotation},
      {"writeOnly", Keyword::kAnnotation},
      {"deprecated", Keyword::kAnnotation},
      {"contentMediaType", Keyword::kAnnotation},
      {"contentEncoding", Keyword::kAnnotation},
      {"definitions", Keyword::kDefinitions},
      {"$defs", Keyword::kDefinitions},
      {"$ref", Keyword::kRef},
      {"type", Keyword::kType},
      {"enum", Keyword::kEnum},
      {"const", Keyword::kConst},
      {"multipleOf", Keyword::kMultipleOf},
      {"maximum", Keyword::kMaximum},
      {"exclusiveMaximum", Keyword::kExclusiveMaximum},
      {"minimum", Keyword::kMinimum},
      {"exclusiveMinimum", Keyword::kExclusiveMinimum},
      {"maxLength", Keyword::kMaxLength},
      {"minLength", Keyword::kMinLength},
      {"pattern", Keyword::kPattern},
      {"format", Keyword::kFormat},
      {"items", Keyword::kItems},
      {"additionalItems", Keyword::kAdditionalItems},
      {"maxItems", Keyword::kMaxItems},
      {"minItems", Keyword::kMinItems},
      {"uniqueItems", Keyword::kUniqueItems},
      {"contains", Keyword::kContains},
      {"maxProperties", Keyword::kMaxProperties},
      {"minProperties", Keyword::kMinProperties},
      {"required", Keyword::kRequired},
      {"properties", Keyword::kProperties},
      {"patternProperties", Keyword::kPatternProperties},
      {"additionalProperties", Keyword::kAdditionalProperties},
      {"dependencies", Keyword::kDependencies},
      {"propertyNames", Keyword::kPropertyNames},
      {"if", Keyword::kIf},
      {"then", Keyword::kThen},
      {"else", Keyword::kElse},
      {"allOf", Keyword::kAllOf},
      {"anyOf", Keyword::kAnyOf},
      {"oneOf", Keyword::kOneOf},
      {"not", Keyword::kNot},
  };
  return *keywords;
}

std::vector<std::string_view> KeywordNames() {
  std::vector<std::string_view> names;
  for (const auto& [name, kw] : Keywords()) names.push_back(name);
  return names;
}

// Percent-decodes a URI fragment ("#/definitions/a%20b" -> "/definitions/a b").
std::string DecodeFragment(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class Compiler {
 public:
  explicit Compiler(const Json& root) : root_(root) {}

  int Compile(const Json& s, const std::string& ptr) {
    if (auto it = by_pointer_.find(ptr); it != by_pointer_.end()) return it->second;
    const int index = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    by_pointer_.emplace(ptr, index);
    Node node = Build(s, ptr, index);  // may append nodes: fill in place only at the end
    nodes_[index] = std::move(node);
    return index;
  }

  // A chain of "$ref"s that comes back to itself would never reach a
  // constraint; report the first node found on such a loop.
  void CheckRefCycles() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      std::vector<int> chain;
      for (int at = static_cast<int>(i); at >= 0 && nodes_[at].ref >= 0; at = nodes_[at].ref) {
        if (std::find(chain.begin(), chain.end(), at) != chain.end()) {
          errors_.push_back(ref_pointers_[at] +
                            ": \"$ref\": reference cycle (the schema refers to itself "
                            "without describing anything)");
          return;
        }
        chain.push_back(at);
      }
    }
  }

  std::vector<Node> TakeNodes() { return std::move(nodes_); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void Err(const std::string& ptr, std::string_view keyword, const std::string& what) {
    std::string msg = ptr + ": ";
    if (!keyword.empty()) {
      msg += '"';
      msg += keyword;
      msg += "\": ";
    }
    msg += what;
    errors_.push_back(std::move(msg));
  }

  int Sub(const Json& s, const std::string& ptr, std::string_view keyword) {
    return Compile(s, ChildPointer(ptr, keyword));
  }

  // "minLength" and friends.
  std::optional<uint64_t> Count(const Json& v, const std::string& ptr, std::string_view kw) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0) return v.get<uint64_t>();
    if (v.is_number_float() && IsIntegral(v) && v.get<double>() >= 0 && v.get<double>() < 9.2e18) {
      return static_cast<uint64_t>(v.get<double>());
    }
    Err(ptr, kw, "must be a non-negative integer, got " + Brief(v));
    return std::nullopt;
  }

  std::optional<Json> Number(const Json& v, const std::string& ptr, std::string_view kw) {
    if (v.is_number()) return v;
    Err(ptr, kw, std::string("must be a number, got ") + ValueTypeName(v));
    return std::nullopt;
  }

  std::optional<std::regex> Regex(const Json& v, const std::string& ptr, std::string_view kw,
                                  std::string_view what) {
    if (!v.is_string()) {
      Err(ptr, kw, std::string("must be a string, got ") + ValueTypeName(v));
      return std::nullopt;
    }
    try {
      return std::regex(v.get<std::string>(), std::regex::ECMAScript);
    } catch (const std::exception& e) {
      Err(ptr, kw, "invalid " + std::string(what) + " " + Brief(v) + ": " + std::string(e.what()));
      return std::nullopt;
    }
  }

  std::vector<int> SchemaList(const Json& v, const std::string& ptr, std::string_view kw) {
    std::vector<int> out;
    if (!v.is_array() || v.empty()) {
      Err(ptr, kw,
          std::string("must be a non-empty array of schemas, got ") +
              (v.is_array() ? "[]" : ValueTypeName(v)));
      return out;
    }
    const std::string base = ChildPointer(ptr, kw);
    for (size_t i = 0; i < v.size(); ++i) {
      out.push_back(Compile(v[i], ChildPointer(base, std::to_string(i))));
    }
    return out;
  }

  // Object of name -> schema ("properties", "definitions", ...).
  template <typename F>
  void SchemaMap(const Json& v, const std::string& ptr, std::string_view kw, F&& each) {
    if (!v.is_object()) {
      Err(ptr, kw, std::string("must be an object, got ") + ValueTypeName(v));
      return;
    }
    const std::string base = ChildPointer(ptr, kw);
    for (auto it = v.begin(); it != v.end(); ++it) {
      each(it.key(), Compile(it.value(), ChildPointer(base, it.key())));
    }
  }

  void Type(const Json& v, const std::string& ptr, Node* node) {
    std::vector<std::string_view> names;
    if (v.is_string()) {
      names.push_back(v.get_ref<const std::string&>());
    } else if (v.is_array() && !v.empty()) {
      for (const Json& t : v) {
        if (!t.is_string()) {
          Err(ptr, "type", "must be a type name or an array of them, got " + Brief(t) + " in it");
          return;
        }
        names.push_back(t.get_ref<const std::string&>());
      }
    } else {
      Err(ptr, "type",
          std::string("must be a type name or a non-empty array of them, got ") +
              (v.is_array() ? "[]" : ValueTypeName(v)));
      return;
    }
    static constexpr std::string_view kTypeNames[] = {"array",  "boolean", "integer", "null",
                                                      "number", "object",  "string"};
    for (std::string_view name : names) {
      uint8_t bit = TypeBitFromName(name);
      if (bit == 0) {
        Err(ptr, "type", "unknown type \"" + std::string(name) + "\"" + Suggest(name, kTypeNames));
        continue;
      }
      if (node->types & bit) {
        Err(ptr, "type", "type \"" + std::string(name) + "\" is listed twice");
        continue;
      }
      node->types |= bit;
      node->type_list.push_back(bit);
    }
  }

  void Enum(const Json& v, const std::string& ptr, Node* node) {
    if (!v.is_array()) {
      Err(ptr, "enum", std::string("must be an array, got ") + ValueTypeName(v));
      return;
    }
    if (v.empty()) {
      Err(ptr, "enum", "must not be empty (no value could match)");
      return;
    }
    node->has_enum = true;
    node->enum_text = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) node->enum_text += ", ";
      node->enum_text += Dump(v[i]);
      if (v[i].is_string()) {
        node->enum_strings.push_back(v[i].get<std::string>());
      } else {
        node->enum_others.push_back(v[i]);
      }
    }
    node->enum_text += "]";
    std::sort(node->enum_strings.begin(), node->enum_strings.end());
  }

  void Required(const Json& v, const std::string& ptr, Node* node) {
    if (!v.is_array()) {
      Err(ptr, "required",
          std::string("must be an array of property names, got ") + ValueTypeName(v));
      return;
    }
    for (const Json& name : v) {
      if (!name.is_string()) {
        Err(ptr, "required", "must be an array of property names, got " + Brief(name) + " in it");
        return;
      }
      const std::string& s = name.get_ref<const std::string&>();
      if (std::find(node->required.begin(), node->required.end(), s) != node->required.end()) {
        Err(ptr, "required", "property \"" + s + "\" is listed twice");
        continue;
      }
      node->required.push_back(s);
    }
  }

  void Items(const Json& v, const std::string& ptr, Node* node) {
    if (v.is_array()) {
      const std::string base = ChildPointer(ptr, "items");
      for (size_t i = 0; i < v.size(); ++i) {
        node->tuple_items.push_back(Compile(v[i], ChildPointer(base, std::to_string(i))));
      }
    } else {
      node->items = Sub(v, ptr, "items");
    }
  }

  void Dependencies(const Json& v, const std::string& ptr, Node* node) {
    if (!v.is_object()) {
      Err(ptr, "dependencies", std::string("must be an object, got ") + ValueTypeName(v));
      return;
    }
    const std::string base = ChildPointer(ptr, "dependencies");
    for (auto it = v.begin(); it != v.end(); ++it) {
      Dependency dep;
      dep.name = it.key();
      if (it->is_array()) {
        for (const Json& name : *it) {
          if (!name.is_string()) {
            Err(ptr, "dependencies",
                "\"" + it.key() + "\" must list property names, got " + Brief(name) + " in it");
            break;
          }
          dep.required.push_back(name.get<std::string>());
        }
      } else {
        dep.node = Compile(*it, ChildPointer(base, it.key()));
      }
      node->dependencies.push_back(std::move(dep));
    }
  }

  void Ref(const Json& v, const std::string& ptr, Node* node) {
    if (!v.is_string()) {
      Err(ptr, "$ref", std::string("must be a string, got ") + ValueTypeName(v));
      return;
    }
    const std::string& ref = v.get_ref<const std::string&>();
    if (ref.empty() || ref[0] != '#' || (ref.size() > 1 && ref[1] != '/')) {
      Err(ptr, "$ref", "only local references (\"#\" or \"#/...\") are supported, got " + Brief(v));
      return;
    }
    const std::string target = DecodeFragment(std::string_view(ref).substr(1));
    const Json* resolved = nullptr;
    try {
      Json::json_pointer jp(target);
      if (root_.contains(jp)) resolved = &root_.at(jp);
    } catch (const std::exception&) {
      resolved = nullptr;
    }
    if (resolved == nullptr) {
      Err(ptr, "$ref", "cannot resolve " + Brief(v) + " in this schema");
      return;
    }
    node->ref = Compile(*resolved, target.empty() ? "/" : target);
  }

  Node Build(const Json& s, const std::string& ptr, int index) {
    Node node;
    if (s.is_boolean()) {
      node.always_true = s.get<bool>();
      node.always_false = !node.always_true;
      return node;
    }
    if (!s.is_object()) {
      Err(ptr, "", std::string("a schema must be an object or a boolean, got ") + ValueTypeName(s));
      node.always_true = true;
      return node;
    }
    const auto& keywords = Keywords();
    int constraints = 0;
    bool has_ref = false;
    std::vector<std::string> ref_siblings;
    for (auto it = s.begin(); it != s.end(); ++it) {
      const std::string& key = it.key();
      const Json& v = it.value();
      auto kw_it = keywords.find(key);
      if (kw_it == keywords.end()) {
        if (key.rfind("x-", 0) == 0) continue;  // vendor extension
        static const std::vector<std::string_view> names = KeywordNames();
        Err(ptr, "", "unknown keyword \"" + key + "\"" + Suggest(key, names));
        continue;
      }
      const Keyword kw = kw_it->second;
      if (kw != Keyword::kAnnotation && kw != Keyword::kDefinitions && kw != Keyword::kRef) {
        ++constraints;
        ref_siblings.push_back(key);
      }
      switch (kw) {
        case Keyword::kAnnotation:
          if ((key == "title" || key == "description" || key == "$comment" || key == "$id" ||
               key == "$schema") &&
              !v.is_string()) {
            Err(ptr, key, std::string("must be a string, got ") + ValueTypeName(v));
          }
          break;
        case Keyword::kDefinitions:
          SchemaMap(v, ptr, key, [](const std::string&, int) {});
          break;
        case Keyword::kRef:
          has_ref = true;
          ref_pointers_[index] = ptr;
          break;
        case Keyword::kType:
          Type(v, ptr, &node);
          break;
        case Keyword::kEnum:
          Enum(v, ptr, &node);
          break;
        case Keyword::kConst:
          node.const_value = v;
          break;
        case Keyword::kMultipleOf:
          node.multiple_of = Number(v, ptr, key);
          if (node.multiple_of && !(*node.multiple_of > 0)) {
            Err(ptr, key, "must be greater than 0, got " + Brief(v));
            node.multiple_of.reset();
          }
          break;
        case Keyword::kMaximum:
          node.maximum = Number(v, ptr, key);
          break;
        case Keyword::kExclusiveMaximum:
          node.exclusive_maximum = Number(v, ptr, key);
          break;
        case Keyword::kMinimum:
          node.minimum = Number(v, ptr, key);
          break;
        case Keyword::kExclusiveMinimum:
          node.exclusive_minimum = Number(v, ptr, key);
          break;
        case Keyword::kMaxLength:
          node.max_length = Count(v, ptr, key);
          break;
        case Keyword::kMinLength:
          node.min_length = Count(v, ptr, key);
          break;
        case Keyword::kPattern:
          node.pattern = Regex(v, ptr, key, "regular expression");
          if (node.pattern) node.pattern_text = v.get<std::string>();
          break;
        case Keyword::kFormat:
          if (!v.is_string()) {
            Err(ptr, key, std::string("must be a string, got ") + ValueTypeName(v));
          } else if (v == "date") {
            node.format = Format::kDate;
          } else if (v == "time") {
            node.format = Format::kTime;
          } else if (v == "date-time") {
            node.format = Format::kDateTime;
          }
          break;
        case Keyword::kItems:
          Items(v, ptr, &node);
          break;
        case Keyword::kAdditionalItems:
          node.additional_items = Sub(v, ptr, key);
          break;
        case Keyword::kMaxItems:
          node.max_items = Count(v, ptr, key);
          break;
        case Keyword::kMinItems:
          node.min_items = Count(v, ptr, key);
          break;
        case Keyword::kUniqueItems:
          if (!v.is_boolean()) {
            Err(ptr, key, std::string("must be true or false, got ") + ValueTypeName(v));
          } else {
            node.unique_items = v.get<bool>();
          }
          break;
        case Keyword::kContains:
          node.contains = Sub(v, ptr, key);
          break;
        case Keyword::kMaxProperties:
          node.max_properties = Count(v, ptr, key);
          break;
        case Keyword::kMinProperties:
          node.min_properties = Count(v, ptr, key);
          break;
        case Keyword::kRequired:
          Required(v, ptr, &node);
          break;
        case Keyword::kProperties:
          SchemaMap(v, ptr, key, [&](const std::string& name, int index) {
            node.properties.push_back({name, index});
          });
          break;
        case Keyword::kPatternProperties:
          if (!v.is_object()) {
            Err(ptr, key, std::string("must be an object, got ") + ValueTypeName(v));
            break;
          }
          for (auto p = v.begin(); p != v.end(); ++p) {
            std::optional<std::regex> re = Regex(Json(p.key()), ptr, key, "regular expression");
            int index = Compile(p.value(), ChildPointer(ChildPointer(ptr, key), p.key()));
            if (re) node.pattern_properties.push_back({p.key(), std::move(*re), index});
          }
          break;
        case Keyword::kAdditionalProperties:
          node.additional_properties = Sub(v, ptr, key);
          break;
        case Keyword::kDependencies:
          Dependencies(v, ptr, &node);
          break;
        case Keyword::kPropertyNames:
          node.property_names = Sub(v, ptr, key);
          break;
        case Keyword::kIf:
          node.if_schema = Sub(v, ptr, key);
          break;
        case Keyword::kThen:
          node.then_schema = Sub(v, ptr, key);
          break;
        case Keyword::kElse:
          node.else_schema = Sub(v, ptr, key);
          break;
        case Keyword::kAllOf:
          node.all_of = SchemaList(v, ptr, key);
          break;
        case Keyword::kAnyOf:
          node.any_of = SchemaList(v, ptr, key);
          break;
        case Keyword::kOneOf:
          node.one_of = SchemaList(v, ptr, key);
          break;
        case Keyword::kNot:
          node.not_schema = Sub(v, ptr, key);
          break;
      }
    }
    if (has_ref) {
      // Draft 7 ignores keywords beside "$ref"; say so rather than let a
      // "required" there check nothing.
      for (const std::string& sibling : ref_siblings) {
        Err(ptr, "$ref",
            "\"" + sibling +
                "\" next to \"$ref\" would be ignored (draft 7); put both in \"allOf\"");
      }
      Node ref_node;
      Ref(s.at("$ref"), ptr, &ref_node);
      if (ref_node.ref < 0) ref_node.always_true = true;
      return ref_node;
    }
    std::sort(node.properties.begin(), node.properties.end(),
              [](const Property& a, const Property& b) { return a.name < b.name; });
    node.always_true = constraints == 0;
    return node;
  }

  const Json& root_;
  std::vector<Node> nodes_;
  std::map<std::string, int> by_pointer_;
  std::map<int, std::string> ref_pointers_;
  std::vector<std::string> errors_;
};

// ---------- validating

// A path from the root to the value being checked, kept on the stack and
// turned into a JSON pointer only when there is something to report.
struct PathFrame {
  const PathFrame* parent = nullptr;
  std::string_view key;
  size_t index = 0;
  bool is_index = false;
};

std::string PointerOf(const PathFrame* frame) {
  std::vector<const PathFrame*> frames;
  for (const PathFrame* f = frame; f != nullptr && f->parent != nullptr; f = f->parent) {
    frames.push_back(f);
  }
  if (frames.empty()) return "/";
  std::string out;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if ((*it)->is_index) {
      out += '/';
      out += std::to_string((*it)->index);
    } else {
      AppendPointerToken((*it)->key, &out);
    }
  }
  return out;
}

bool NumberLess(const Json& a, const Json& b) { return a < b; }

bool IsMultipleOf(const Json& v, const Json& m) {
  if (v.is_number_integer() && m.is_number_integer()) {
    if (v.is_number_unsigned() || m.is_number_unsigned()) {
      if (m.is_number_integer() && !m.is_number_unsigned() && m.get<int64_t>() <= 0) return false;
      const uint64_t mu = m.get<uint64_t>();
      if (v.is_number_unsigned()) return v.get<uint64_t>() % mu == 0;
      const int64_t vi = v.get<int64_t>();
      const uint64_t abs_v = vi < 0 ? 0 - static_cast<uint64_t>(vi) : static_cast<uint64_t>(vi);
      return abs_v % mu == 0;
    }
    return v.get<int64_t>() % m.get<int64_t>() == 0;
  }
  const double q = v.get<double>() / m.get<double>();
  if (!std::isfinite(q)) return false;
  return std::fabs(q - std::round(q)) <= 1e-9 * std::max(1.0, std::fabs(q));
}

class Validator {
 public:
  Validator(const Compiled& compiled, std::vector<std::string>* out)
      : nodes_(compiled.nodes), out_(out) {}

  bool Visit(int index, const Json& v, const PathFrame* at) {
    const Node* node = &nodes_[static_cast<size_t>(index)];
    while (node->ref >= 0) node = &nodes_[static_cast<size_t>(node->ref)];
    if (node->always_true) return true;
    if (depth_ >= kMaxDepth) {
      if (out_) Add(at, "value nested too deeply to validate");
      return false;
    }
    ++depth_;
    bool ok = VisitNode(*node, v, at);
    --depth_;
    return ok;
  }

 private:
  void Add(const PathFrame* at, const std::string& what) {
    out_->push_back(PointerOf(at) + ": " + what);
  }

  // Runs `f` without collecting messages; the answer is all that is needed.
  template <typename F>
  bool Quietly(F&& f) {
    std::vector<std::string>* saved = out_;
    out_ = nullptr;
    bool ok = f();
    out_ = saved;
    return ok;
  }

  bool VisitNode(const Node& s, const Json& v, const PathFrame* at) {
    if (s.always_false) {
      if (out_) Add(at, "no value is allowed here");
      return false;
    }
    if (s.types != 0 && !TypeMatches(s.types, v)) {
      // The other keywords would only repeat the same complaint.
      if (out_) Add(at, "expected " + TypeListText(s.type_list) + ", got " + ValueTypeName(v));
      return false;
    }
    bool ok = true;
    if (s.has_enum && !InEnum(s, v)) {
      ok = false;
      if (!out_) return false;
      Add(at, "value " + Brief(v) + " is not one of " + s.enum_text);
    }
    if (s.const_value && v != *s.const_value) {
      ok = false;
      if (!out_) return false;
      Add(at, "value " + Brief(v) + " is not equal to " + Brief(*s.const_value));
    }
    switch (v.type()) {
      case Json::value_t::string:
        ok = String(s, v, at) && ok;
        break;
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned:
      case Json::value_t::number_float:
        ok = Number(s, v, at) && ok;
        break;
      case Json::value_t::array:
        ok = Array(s, v, at) && ok;
        break;
      case Json::value_t::object:
        ok = Object(s, v, at) && ok;
        break;
      default:
        break;
    }
    if (!ok && !out_) return false;
    return Combinators(s, v, at) && ok;
  }

  static std::string TypeListText(const std::vector<uint8_t>& bits) {
    std::vector<std::string> names;
    for (uint8_t bit : bits) names.emplace_back(TypeBitName(bit));
    return JoinOr(names);
  }

  static bool InEnum(const Node& s, const Json& v) {
    if (v.is_string()) {
      return std::binary_search(s.enum_strings.begin(), s.enum_strings.end(),
                                v.get_ref<const std::string&>());
    }
    for (const Json& e : s.enum_others) {
      if (v == e) return true;
    }
    return false;
  }

  bool String(const Node& s, const Json& v, const PathFrame* at) {
    const std::string& str = v.get_ref<const std::string&>();
    bool ok = true;
    if (s.min_length || s.max_length) {
      const size_t n = Utf8Length(str);
      if (s.min_length && n < *s.min_length) {
        ok = false;
        if (!out_) return false;
        Add(at, "string is too short (" + Plural(n, "character", "characters") + ", minimum " +
                    std::to_string(*s.min_length) + ")");
      }
      if (s.max_length && n > *s.max_length) {
        ok = false;
        if (!out_) return false;
        Add(at, "string is too long (" + Plural(n, "character", "characters") + ", maximum " +
                    std::to_string(*s.max_length) + ")");
      }
    }
    if (s.pattern) {
      bool matched = false;
      std::string failure;
      try {
        matched = std::regex_search(str, *s.pattern);
      } catch (const std::exception& e) {
        failure = e.what();  // e.g. the regex engine's complexity limit
      }
      if (!matched) {
        ok = false;
        if (!out_) return false;
        Add(at, "string " + Brief(v) + " does not match pattern " + Brief(Json(s.pattern_text)) +
                    (failure.empty() ? "" : " (" + failure + ")"));
      }
    }
    if (s.format != Format::kNone) {
      bool good = true;
      const char* name = "";
      switch (s.format) {
        case Format::kDate:
          good = IsDate(str);
          name = "date (YYYY-MM-DD)";
          break;
        case Format::kTime:
          good = IsTime(str);
          name = "time (HH:MM:SS with a Z or +HH:MM offset)";
          break;
        case Format::kDateTime:
          good = IsDateTime(str);
          name = "date-time (RFC 3339, e.g. 2024-01-31T12:00:00Z)";
          break;
        case Format::kNone:
          break;
      }
      if (!good) {
        ok = false;
        if (!out_) return false;
        Add(at, "string " + Brief(v) + " is not a valid " + name);
      }
    }
    return ok;
  }

  bool Number(const Node& s, const Json& v, const PathFrame* at) {
    bool ok = true;
    auto fail = [&](const std::string& what) {
      ok = false;
      if (out_) Add(at, "value " + Dump(v) + " " + what);
      return out_ != nullptr;
    };
    if (s.minimum && NumberLess(v, *s.minimum) &&
        !fail("is less than the minimum " + Dump(*s.minimum))) {
      return false;
    }
    if (s.maximum && NumberLess(*s.maximum, v) &&
        !fail("is greater than the maximum " + Dump(*s.maximum))) {
      return false;
    }
    if (s.exclusive_minimum && !NumberLess(*s.exclusive_minimum, v) &&
        !fail("is not greater than the exclusive minimum " + Dump(*s.exclusive_minimum))) {
      return false;
    }
    if (s.exclusive_maximum && !NumberLess(v, *s.exclusive_maximum) &&
        !fail("is not less than the exclusive maximum " + Dump(*s.exclusive_maximum))) {
      return false;
    }
    if (s.multiple_of && !IsMultipleOf(v, *s.multiple_of) &&
        !fail("is not a multiple of " + Dump(*s.multiple_of))) {
      return false;
    }
    return ok;
  }

  bool Array(const Node& s, const Json& v, const PathFrame* at) {
    const auto& items = v.get_ref<const Json::array_t&>();
    bool ok = true;
    auto fail = [&](const std::string& what) {
      ok = false;
      if (out_) Add(at, what);
      return out_ != nullptr;
    };
    const size_t n = items.size();
    if (s.min_items && n < *s.min_items &&
        !fail("array is too short (" + Plural(n, "item", "items") + ", minimum " +
              std::to_string(*s.min_items) + ")")) {
      return false;
    }
    if (s.max_items && n > *s.max_items &&
        !fail("array is too long (" + Plural(n, "item", "items") + ", maximum " +
              std::to_string(*s.max_items) + ")")) {
      return false;
    }
    if (s.unique_items) {
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = i + 1; j < n; ++j) {
          if (items[i] == items[j] && !fail("items " + std::to_string(i) + " and " +
                                            std::to_string(j) + " are equal (uniqueItems)")) {
            return false;
          }
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      int schema = s.items;
      if (!s.tuple_items.empty()) {
        schema = i < s.tuple_items.size() ? s.tuple_items[i] : s.additional_items;
        if (i >= s.tuple_items.size() && schema >= 0 && Resolve(schema).always_false) {
          if (!fail("array has " + Plural(n, "item", "items") + ", at most " +
                    std::to_string(s.tuple_items.size()) + " allowed")) {
            return false;
          }
          break;
        }
      }
      if (schema < 0) continue;
      PathFrame frame{at, {}, i, true};
      if (!Visit(schema, items[i], &frame)) {
        ok = false;
        if (!out_) return false;
      }
    }
    if (s.contains >= 0) {
      bool found = Quietly([&] {
        for (size_t i = 0; i < n; ++i) {
          PathFrame frame{at, {}, i, true};
          if (Visit(s.contains, items[i], &frame)) return true;
        }
        return false;
      });
      if (!found && !fail("array has no item that matches \"contains\"")) return false;
    }
    return ok;
  }

  bool Object(const Node& s, const Json& v, const PathFrame* at) {
    const auto& object = v.get_ref<const Json::object_t&>();
    bool ok = true;
    auto fail = [&](const std::string& what) {
      ok = false;
      if (out_) Add(at, what);
      return out_ != nullptr;
    };
    const size_t n = object.size();
    if (s.min_properties && n < *s.min_properties &&
        !fail("object has too few properties (" + std::to_string(n) + ", minimum " +
              std::to_string(*s.min_properties) + ")")) {
      return false;
    }
    if (s.max_properties && n > *s.max_properties &&
        !fail("object has too many properties (" + std::to_string(n) + ", maximum " +
              std::to_string(*s.max_properties) + ")")) {
      return false;
    }
    for (const std::string& name : s.required) {
      if (object.find(name) == object.end() &&
          !fail("missing required property \"" + name + "\"")) {
        return false;
      }
    }
    // Both the object's keys and s.properties are sorted: one merge pass.
    auto prop = s.properties.begin();
    for (const auto& [key, value] : object) {
      while (prop != s.properties.end() && prop->name < key) ++prop;
      bool matched = false;
      PathFrame frame{at, key, 0, false};
      if (prop != s.properties.end() && prop->name == key) {
        matched = true;
        if (!Visit(prop->node, value, &frame)) {
          ok = false;
          if (!out_) return false;
        }
      }
      for (const PatternProperty& pp : s.pattern_properties) {
        if (!SafeSearch(key, pp.re)) continue;
        matched = true;
        if (!Visit(pp.node, value, &frame)) {
          ok = false;
          if (!out_) return false;
        }
      }
      if (!matched && s.additional_properties >= 0) {
        if (Resolve(s.additional_properties).always_false) {
          if (!fail("unexpected property \"" + key + "\"")) return false;
        } else if (!Visit(s.additional_properties, value, &frame)) {
          ok = false;
          if (!out_) return false;
        }
      }
      if (s.property_names >= 0) {
        const Json name(key);
        if (!Quietly([&] { return Visit(s.property_names, name, at); }) &&
            !fail("property name \"" + key + "\" does not match \"propertyNames\"")) {
          return false;
        }
      }
    }
    for (const Dependency& dep : s.dependencies) {
      if (object.find(dep.name) == object.end()) continue;
      for (const std::string& needed : dep.required) {
        if (object.find(needed) == object.end() &&
            !fail("property \"" + dep.name + "\" requires property \"" + needed + "\"")) {
          return false;
        }
      }
      if (dep.node >= 0 && !Visit(dep.node, v, at)) {
        ok = false;
        if (!out_) return false;
      }
    }
    return ok;
  }

  bool Combinators(const Node& s, const Json& v, const PathFrame* at) {
    bool ok = true;
    for (int branch : s.all_of) {
      if (!Visit(branch, v, at)) {
        ok = false;
        if (!out_) return false;
      }
    }
    if (!s.any_of.empty()) {
      bool any = Quietly([&] {
        for (int branch : s.any_of) {
          if (Visit(branch, v, at)) return true;
        }
        return false;
      });
      if (!any) {
        ok = false;
        if (!out_) return false;
        ExplainNoMatch(s.any_of, "anyOf", v, at);
      }
    }
    if (!s.one_of.empty()) {
      std::vector<size_t> matches;
      Quietly([&] {
        for (size_t i = 0; i < s.one_of.size() && matches.size() < 2; ++i) {
          if (Visit(s.one_of[i], v, at)) matches.push_back(i);
        }
        return true;
      });
      if (matches.size() != 1) {
        ok = false;
        if (!out_) return false;
        if (matches.empty()) {
          ExplainNoMatch(s.one_of, "oneOf", v, at);
        } else {
          Add(at, "value matches more than one schema in \"oneOf\" (" + std::to_string(matches[0]) +
                      " and " + std::to_string(matches[1]) + ")");
        }
      }
    }
    if (s.not_schema >= 0 && Quietly([&] { return Visit(s.not_schema, v, at); })) {
      ok = false;
      if (!out_) return false;
      Add(at, "value must not match the schema in \"not\"");
    }
    if (s.if_schema >= 0) {
      const int next =
          Quietly([&] { return Visit(s.if_schema, v, at); }) ? s.then_schema : s.else_schema;
      if (next >= 0 && !Visit(next, v, at)) {
        ok = false;
        if (!out_) return false;
      }
    }
    return ok;
  }

  // Says why no branch of anyOf/oneOf matched, as specifically as it can:
  // by type when no branch takes this type ("expected string or null"),
  // by that branch's own errors when only one does.
  void ExplainNoMatch(const std::vector<int>& branches, const char* keyword, const Json& v,
                      const PathFrame* at) {
    std::vector<std::string> names;
    int candidates = 0;
    int only = -1;
    for (int branch : branches) {
      const Node& b = Resolve(branch);
      if (b.always_false) continue;
      if (b.types == 0 || TypeMatches(b.types, v)) {
        ++candidates;
        only = branch;
        continue;
      }
      for (uint8_t bit : b.type_list) {
        std::string name = TypeBitName(bit);
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
    if (candidates == 0 && !names.empty()) {
      Add(at, "expected " + JoinOr(names) + ", got " + ValueTypeName(v));
    } else if (candidates == 1) {
      Visit(only, v, at);
    } else {
      Add(at, "value does not match any of the schemas in \"" + std::string(keyword) + "\"");
    }
  }

  const Node& Resolve(int index) const {
    const Node* node = &nodes_[static_cast<size_t>(index)];
    while (node->ref >= 0) node = &nodes_[static_cast<size_t>(node->ref)];
    return *node;
  }

  static bool SafeSearch(const std::string& s, const std::regex& re) {
    try {
      return std::regex_search(s, re);
    } catch (const std::exception&) {
      return false;
    }
  }

  const std::vector<Node>& nodes_;
  std::vector<std::string>* out_;
  int depth_ = 0;
};

// A JSON reader for the common case, about three times faster than
// nlohmann's lexer on model output. It is only a fast path: on anything it
// is not sure of (a syntax error, a duplicate key, a number that overflows,
// a lone surrogate, deep nesting) it gives up and nlohmann parses the text
// again, so what is accepted, the values and the error messages stay
// nlohmann's. tests/core/schema_test.cc checks the two agree on mutated input.
// String bytes that need no attention: printable ASCII but '"' and '\\'.
struct PlainStringBytes {
  bool plain[256] = {};
  constexpr PlainStringBytes() {
    for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainStringBytes kPlainStringBytes;

class FastJsonReader {
 public:
  FastJsonReader(const char* begin, const char* end) : p_(begin), end_(end) {}

  bool Read(Json* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(Json* out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return Object(out, depth);
      case '[':
        return Array(out, depth);
      case '"': {
        std::string s;
        if (!String(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        *out = true;
        return Literal("true");
      case 'f':
        *out = false;
        return Literal("false");
      case 'n':
        *out = nullptr;
        return Literal("null");
      default:
        return Number(out);
    }
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool Object(Json* out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    *out = Json::object();
    auto& object = out->get_ref<Json::object_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    while (true) {
      SkipSpace();
      if (p_ == end_ || *p_ != '"') return false;
      key.clear();
      if (!String(&key)) return false;
      SkipSpace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      SkipSpace();
      auto [it, inserted] = object.emplace(std::move(key), nullptr);
      if (!inserted) return false;  // nlohmann's rule for duplicates applies
      if (!Value(&it->second, depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      return true;
    }
  }

  bool Array(Json* out, int depth) {
    if (depth >= kMaxDepth) return false;
    ++p_;
    *out = Json::array();
    auto& array = out->get_ref<Json::array_t&>();
    SkipSpace();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      array.emplace_back();
      if (!Value(&array.back(), depth + 1)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool Hex4(unsigned* out) {
    if (end_ - p_ < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    p_ += 4;
    *out = v;
    return true;
  }

  static void AppendUtf8(unsigned cp, std::string* s) {
    if (cp < 0x80) {
      s->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Length of the well-formed UTF-8 sequence at p_ (Unicode table 3-7), or 0.
  size_t Utf8Sequence() const {
    const auto* u = reinterpret_cast<const unsigned char*>(p_);
    const size_t left = static_cast<size_t>(end_ - p_);
    const unsigned char c = u[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c == 0xE0) {
      n = 3;
      lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      n = 3;
    } else if (c == 0xED) {
      n = 3;
      hi = 0x9F;
    } else if (c == 0xF0) {
      n = 4;
      lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = 4;
    } else if (c == 0xF4) {
      n = 4;
      hi = 0x8F;
    } else {
      return 0;
    }
    if (left < n || u[1] < lo || u[1] > hi) return 0;
    for (size_t i = 2; i < n; ++i) {
      if (u[i] < 0x80 || u[i] > 0xBF) return 0;
    }
    return n;
  }

  bool String(std::string* s) {
    ++p_;  // the opening quote
    while (true) {
      const char* run = p_;
      while (p_ < end_ && kPlainStringBytes.plain[static_cast<unsigned char>(*p_)]) ++p_;
      s->append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_) return false;
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (++p_ == end_) return false;
        const char e = *p_++;
        switch (e) {
          case '"':
            s->push_back('"');
            break;
          case '\\':
            s->push_back('\\');
            break;
          case '/':
            s->push_back('/');
            break;
          case 'b':
            s->push_back('\b');
            break;
          case 'f':
            s->push_back('\f');
            break;
          case 'n':
            s->push_back('\n');
            break;
          case 'r':
            s->push_back('\r');
            break;
          case 't':
            s->push_back('\t');
            break;
          case 'u': {
            unsigned cp;
            if (!Hex4(&cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              unsigned low;
              if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
              p_ += 2;
              if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            AppendUtf8(cp, s);
            break;
          }
          default:
            return false;
        }
        continue;
      }
      if (c < 0x20) return false;
      const size_t n = Utf8Sequence();
      if (n == 0) return false;
      s->append(p_, n);
      p_ += n;
    }
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // RFC 8259 number grammar; integers become int64 (negative) or uint64,
  // as in nlohmann; an integer that overflows is left to nlohmann.
  bool Number(Json* out) {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    } else {
      return false;
    }
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      is_float = true;
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      is_float = true;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
    }
    if (is_float) {
      double d;
      auto [ptr, ec] = std::from_chars(start, p_, d);
      if (ec != std::errc() || ptr != p_ || !std::isfinite(d)) return false;
      *out = d;
    } else if (*start == '-') {
      int64_t i;
      auto [ptr, ec] = std::from_chars(start, p_, i);
      if (ec != std::errc() || ptr != p_) return false;
      *out = i;
    } else {
      uint64_t u;
      auto [ptr, ec] = std::from_chars(start, p_, u);
      if (ec != std::errc() || ptr != p_) return false;
      *out = u;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

// Where the JSON starts and ends in model output: surrounding whitespace and
// one ``` fence (with any info string, e.g. ```json) are skipped.
std::pair<size_t, size_t> JsonBounds(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {text.size(), text.size()};
  size_t end = text.find_last_not_of(kSpace) + 1;
  if (text.substr(begin, 3) == "```") {
    size_t nl = text.find('\n', begin);
    if (nl != std::string_view::npos && nl < end &&
        text.substr(begin + 3, nl - begin - 3).find('`') == std::string_view::npos) {
      begin = nl + 1;
      if (end >= begin + 3 && text.substr(end - 3, 3) == "```") end -= 3;
    }
  }
  return {begin, std::max(begin, end)};
}

// "line L, column C: " for byte `at` of `text`; columns count characters.
std::string Position(std::string_view text, size_t at) {
  if (at > text.size()) at = text.size();
  int line = 1;
  int col = 1;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col) + ": ";
}

std::string TrimJsonError(const std::string& what) {
  size_t col = what.find("column ");
  if (col != std::string::npos) {
    size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

Result<Schema> Schema::Compile(const Json& schema) {
  auto compiled = std::make_shared<Compiled>();
  try {
    Compiler compiler(schema);
    compiler.Compile(schema, "/");
    compiler.CheckRefCycles();
    if (!compiler.errors().empty()) {
      std::string msg;
      for (const std::string& e : compiler.errors()) {
        if (!msg.empty()) msg += '\n';
        msg += e;
      }
      return MakeError(ErrorCode::kValidation, msg);
    }
    compiled->nodes = compiler.TakeNodes();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("compiling the schema: ") + e.what());
  }
  // valijson has the last word on whether it is a schema at all.
  try {
    valijson::Schema parsed;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, parsed);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kValidation, std::string("/: invalid schema: ") + e.what());
  } catch (...) {
    return MakeError(ErrorCode::kValidation, "/: invalid schema");
  }
  Schema out;
  out.json_ = schema;
  out.compiled_ = std::move(compiled);
  return out;
}

Status Schema::Validate(const Json& value) const {
  if (compiled_ == nullptr) return OkStatus();
  try {
    PathFrame root;
    // Most values are valid: check without building messages first.
    if (Validator(*compiled_, nullptr).Visit(0, value, &root)) return OkStatus();
    std::vector<std::string> lines;
    Validator(*compiled_, &lines).Visit(0, value, &root);
    std::string msg;
    std::vector<std::string_view> seen;
    size_t shown = 0;
    for (const std::string& line : lines) {
      if (std::find(seen.begin(), seen.end(), line) != seen.end()) continue;
      seen.push_back(line);
      if (shown == kMaxReportedViolations) continue;
      if (!msg.empty()) msg += '\n';
      msg += line;
      ++shown;
    }
    if (seen.size() > shown) msg += "\n... and " + std::to_string(seen.size() - shown) + " more";
    if (msg.empty()) msg = "/: value does not match the schema";
    return MakeError(ErrorCode::kValidation, std::move(msg));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("validating: ") + e.what());
  }
}

Result<Json> ParseAndValidate(std::string_view text, const Schema& schema) {
  const auto [begin, end] = JsonBounds(text);
  Json value;
  try {
    if (!FastJsonReader(text.data() + begin, text.data() + end).Read(&value)) {
      value = Json::parse(text.data() + begin, text.data() + end);
    }
  } catch (const Json::parse_error& e) {
    // e.byte counts the bytes read, so the one at fault is e.byte - 1.
    const size_t at = begin + (e.byte > 0 ? e.byte - 1 : 0);
    return MakeError(ErrorCode::kParse, Position(text, at) + TrimJsonError(e.what()));
  } catch (const std::exception& e) {
    // "number overflow parsing '1e400'" carries no position: find the number.
    std::string what = TrimJsonError(e.what());
    size_t open = what.find('\'');
    size_t close = what.rfind('\'');
    if (open != std::string::npos && close > open + 1) {
      std::string_view token = std::string_view(what).substr(open + 1, close - open - 1);
      size_t at = text.substr(0, end).find(token, begin);
      if (at != std::string_view::npos) {
        return MakeError(ErrorCode::kParse, Position(text, at) + what);
      }
    }
    return MakeError(ErrorCode::kParse, what);
  }
  Status valid = schema.Validate(value);
  if (!valid.ok()) return valid.error();
  return value;
}

}  // namespace centaur
