// Helpers for reading YAML task files with exact error positions: where a
// node is ("FILE:LINE:COL", 1-based), what a node holds ("string \"hot\""),
// and YAML -> JSON conversion that keeps mapping key order and rejects
// duplicate keys. Internal to the file loaders of src/prompt/ and src/eval/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/result.h"

namespace centaur::prompt_internal {

// Like Json, but objects keep the order their keys were written in.
using OrderedJson = nlohmann::ordered_json;

// "FILE:LINE:COL" for a mark (yaml-cpp marks are 0-based), or "FILE" when the
// mark is unknown.
std::string Where(const std::string& path, const YAML::Mark& mark);
// "FILE:LINE:COL" for a byte offset into `text`.
std::string WhereOffset(const std::string& path, std::string_view text, size_t offset);

// kInvalidArgument "WHERE: message".
Error ErrorAt(const std::string& path, const YAML::Mark& mark, const std::string& message);

// The value of a scalar under the YAML 1.2 core schema: quoted and block
// scalars are strings; plain ones may be null, booleans, integers or floats.
OrderedJson ScalarValue(const YAML::Node& node);

// What a node holds, for "got ..." in messages: `string "hot"`, `integer 3`,
// `number 0.5`, `boolean true`, `null`, `a mapping`, `a list`.
std::string Describe(const YAML::Node& node);

// Converts a node to JSON. Mapping keys must be scalars and unique.
Result<OrderedJson> ToJson(const YAML::Node& node, const std::string& path);

// Plain (key-sorted) JSON from ordered JSON.
Json ToPlainJson(const OrderedJson& value);

// The known key closest to `key` by edit distance (transpositions count as
// one edit), when it is close enough to be a likely typo.
std::optional<std::string_view> NearestKey(std::string_view key,
                                           std::span<const std::string_view> known);

// What follows "unknown key ..." in messages: ` (did you mean "NEAR"?)` when
// `key` is close to a known key, else ` (known keys: A, B)`.
std::string UnknownKeyHint(std::string_view key, std::span<const std::string_view> known);

// Checks a mapping's keys: each is a scalar, appears once, and is one of
// `known`. `in` names the mapping in messages ("params"; "" at the top).
Status CheckKeys(const YAML::Node& map, const std::string& path, std::string_view in,
                 std::span<const std::string_view> known);

// A key of a mapping and its value.
struct Field {
  YAML::Node key;
  YAML::Node value;
};
// The field named `key` of a mapping, if present.
std::optional<Field> FindField(const YAML::Node& map, std::string_view key);
// Where a field's value is. A null value (`key:`) has no position of its
// own, so it is reported at the key.
YAML::Mark MarkOf(const Field& field);

// kInvalidArgument `WHERE: "NAME" must be EXPECTED, got WHAT`.
Error TypeError(const std::string& path, const Field& field, std::string_view name,
                std::string_view expected);
// A string-valued field (quoted or plain scalar holding a string).
Result<std::string> GetString(const std::string& path, const Field& field, std::string_view name);
// An integer-valued field.
Result<int64_t> GetInteger(const std::string& path, const Field& field, std::string_view name);
// A number-valued field (integer or float).
Result<double> GetNumber(const std::string& path, const Field& field, std::string_view name);

// `token` escaped for use in a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string PointerToken(std::string_view token);

// Compact JSON that never throws (invalid UTF-8 is replaced).
std::string DumpCompact(const Json& value);

}  // namespace centaur::prompt_internal
