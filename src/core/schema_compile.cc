// Compiling a JSON Schema into schema_internal::Nodes, checking it with our
// own rules on the way: unknown type names, wrongly typed keywords, unknown
// keywords, "$ref" problems and regular expressions RE2 cannot run are each
// reported as "<schema pointer>: <what>" (things valijson accepts silently).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/schema_internal.h"

namespace centaur::schema_internal {
namespace {

std::string ChildPointer(const std::string& parent, std::string_view token) {
  std::string out = parent == "/" ? std::string() : parent;
  AppendPointerToken(token, &out);
  return out;
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

  // JSON Schema patterns are ECMA-262 regular expressions. RE2 matches in
  // time linear in the input, so it has no backreferences or lookaround;
  // those and the other ECMA-262 syntax it lacks ("\uFFFF", "(?<name>",
  // over 1000 repetitions) are "unsupported" rather than "invalid".
  std::unique_ptr<const RE2> Regex(const Json& v, const std::string& ptr, std::string_view kw) {
    if (!v.is_string()) {
      Err(ptr, kw, std::string("must be a string, got ") + ValueTypeName(v));
      return nullptr;
    }
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<const RE2>(v.get_ref<const std::string&>(), options);
    if (re->ok()) return re;
    const char* verdict = "invalid";
    switch (re->error_code()) {
      case RE2::ErrorBadEscape:  // "\1", "\k<name>", "\uFFFF"
      case RE2::ErrorBadPerlOp:  // "(?=", "(?!", "(?<=", "(?<name>"
      case RE2::ErrorBadNamedCapture:
      case RE2::ErrorRepeatSize:  // over 1000 repetitions
      case RE2::ErrorPatternTooLarge:
        verdict = "unsupported";
        break;
      default:
        break;
    }
    Err(ptr, kw, std::string(verdict) + " regular expression " + Brief(v) + ": " + re->error());
    return nullptr;
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
          node.pattern = Regex(v, ptr, key);
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
            std::unique_ptr<const RE2> re = Regex(Json(p.key()), ptr, key);
            int index = Compile(p.value(), ChildPointer(ChildPointer(ptr, key), p.key()));
            if (re) node.pattern_properties.push_back({p.key(), std::move(re), index});
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

}  // namespace

std::vector<std::string> CompileNodes(const Json& schema, Compiled* out) {
  Compiler compiler(schema);
  compiler.Compile(schema, "/");
  compiler.CheckRefCycles();
  if (compiler.errors().empty()) out->nodes = compiler.TakeNodes();
  return compiler.errors();
}

}  // namespace centaur::schema_internal
