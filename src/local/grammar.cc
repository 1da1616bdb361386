#include "local/grammar.h"

#include <exception>
#include <set>
#include <string_view>

#include "core/json.h"
#include "json-schema-to-grammar.h"

namespace centaur {
namespace {

// Keywords that constrain values and that the converter enforces, plus
// annotations that constrain nothing. Anything else constrains values in
// ways the grammar will not: reported.
const std::set<std::string, std::less<>>& KnownKeywords() {
  static const std::set<std::string, std::less<>> k = {
      // enforced
      "type", "properties", "required", "additionalProperties", "items", "prefixItems", "minItems",
      "maxItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "pattern", "format",
      "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
      // annotations and containers
      "$schema", "$id", "$comment", "$defs", "definitions", "title", "description", "default",
      "examples", "deprecated", "readOnly", "writeOnly", "strict"};
  return k;
}

bool EnforcedFormat(std::string_view f) {
  return f == "date" || f == "time" || f == "date-time" || f == "uuid";
}

std::string Escape(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

bool IsBound(std::string_view key) {
  return key == "minimum" || key == "maximum" || key == "exclusiveMinimum" ||
         key == "exclusiveMaximum";
}

// The converter bounds integers but not floating-point numbers.
bool IsFloatType(const Json& schema) {
  auto it = schema.find("type");
  if (it == schema.end()) return false;
  if (it->is_string()) return *it == "number";
  if (it->is_array()) {
    for (const Json& t : *it) {
      if (t == "number") return true;
    }
  }
  return false;
}

void Walk(const Json& schema, const std::string& path, std::vector<std::string>* ignored) {
  if (!schema.is_object()) return;
  const bool float_type = IsFloatType(schema);
  for (const auto& [key, value] : schema.items()) {
    const std::string here = path + "/" + Escape(key);
    if (KnownKeywords().count(key) == 0 || (float_type && IsBound(key))) {
      ignored->push_back(key + " at " + (path.empty() ? "/" : path));
      continue;
    }
    if (key == "format" && value.is_string() && !EnforcedFormat(value.get<std::string>())) {
      ignored->push_back("format \"" + value.get<std::string>() + "\" at " +
                         (path.empty() ? "/" : path));
    }
    if (key == "properties" || key == "$defs" || key == "definitions") {
      if (value.is_object()) {
        for (const auto& [name, sub] : value.items()) Walk(sub, here + "/" + Escape(name), ignored);
      }
    } else if (key == "items" || key == "additionalProperties") {
      Walk(value, here, ignored);
    } else if (key == "prefixItems" || key == "anyOf" || key == "oneOf" || key == "allOf") {
      if (value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i) {
          Walk(value[i], here + "/" + std::to_string(i), ignored);
        }
      }
    }
  }
}

}  // namespace

Result<LocalGrammar> SchemaToGrammar(const std::string& schema_text) {
  LocalGrammar out;
  Json schema = Json::parse(schema_text, nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "output schema is not valid JSON");
  }
  Walk(schema, "", &out.ignored);
  try {
    out.gbnf = json_schema_to_grammar(common_json::parse(schema_text));
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("output schema cannot be turned into a grammar: ") + e.what());
  }
  // The converter allows a 16-digit exponent, which no double holds (1e75023
  // would not parse); two digits keep every number finite.
  constexpr std::string_view kExponent = "([eE] [-+]? integral-part)?";
  for (size_t at = out.gbnf.find(kExponent); at != std::string::npos;
       at = out.gbnf.find(kExponent, at)) {
    out.gbnf.replace(at, kExponent.size(), "([eE] [-+]? [0-9] [0-9]?)?");
  }
  return out;
}

}  // namespace centaur
