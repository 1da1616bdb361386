// Private to src/core/schema*.cc: the compiled form of a JSON Schema and the
// helpers that compiling and validating share. Compiling (schema_compile.cc)
// turns a schema into a vector of Nodes once; validating (schema_validate.cc)
// walks them for every value, from any number of threads, without writing.
#pragma once

#include <re2/re2.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace centaur::schema_internal {

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

// RE2, not std::regex: matching takes time linear in the input and never
// recurses, whatever the schema's author wrote; and a const RE2 may be
// matched from several threads at once.
struct PatternProperty {
  std::string text;
  std::unique_ptr<const RE2> re;
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
  std::unique_ptr<const RE2> pattern;  // searched for, unanchored (RE2::PartialMatch)
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

// schema_compile.cc: compiles `schema` with our own rules into `out`.
// Returns the problems found, each as "<schema pointer>: <what>" (empty when
// there are none; `out` is then complete). Throws only on internal errors.
std::vector<std::string> CompileNodes(const Json& schema, Compiled* out);

// schema_valijson.cc: valijson's verdict on `schema`; nullopt when it accepts
// it, else why not. Our rules run first and catch most mistakes with better
// words; valijson has the last say on what is a schema at all.
std::optional<std::string> ValijsonRejection(const Json& schema);

// schema_validate.cc: whether `value` satisfies `compiled`. With `lines`, each
// violation is appended to it as "<json pointer>: <what>", possibly more than
// once; without, it stops at the first one.
bool ValidateValue(const Compiled& compiled, const Json& value, std::vector<std::string>* lines);

// Helpers both halves use (schema_util.cc; the inline ones run on every value).

// "/a~1b": a JSON pointer token, escaped, with its leading '/'.
void AppendPointerToken(std::string_view token, std::string* out);

// Compact JSON text; invalid UTF-8 is replaced rather than thrown on.
std::string Dump(const Json& v);

// A value as it appears in a message: JSON text, cut short when long.
std::string Brief(const Json& v);

// "string", "integer", ... for a value; an integral float is a "number".
const char* ValueTypeName(const Json& v);

const char* TypeBitName(uint8_t bit);
uint8_t TypeBitFromName(std::string_view name);  // 0 when unknown

inline bool IsIntegral(const Json& v) {
  if (v.is_number_integer()) return true;  // includes unsigned
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// JSON Schema: "integer" matches any number with no fractional part, 1.0
// included; "number" matches every number.
inline bool TypeMatches(uint8_t types, const Json& v) {
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

}  // namespace centaur::schema_internal
