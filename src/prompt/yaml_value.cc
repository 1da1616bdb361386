// GCC 12 at -O2+ reports a false -Wrestrict inside libstdc++'s string
// concatenation (GCC bug 105329); it must be off from the first include on.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "prompt/yaml_value.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <vector>

namespace centaur::prompt_internal {
namespace {

constexpr size_t kMaxShownChars = 40;  // longer strings are cut in "got ..." messages

bool IsPlainNull(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> PlainBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

bool AllOf(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [pred](char c) { return pred(static_cast<unsigned char>(c)); });
}

int IsOctal(int c) { return c >= '0' && c <= '7'; }

std::optional<OrderedJson> PlainInteger(const std::string& s) {
  std::string_view digits = s;
  int base = 10;
  bool negative = false;
  if (digits.starts_with("0x")) {
    digits.remove_prefix(2);
    base = 16;
    if (!AllOf(digits, isxdigit)) return std::nullopt;
  } else if (digits.starts_with("0o")) {
    digits.remove_prefix(2);
    base = 8;
    if (!AllOf(digits, IsOctal)) return std::nullopt;
  } else {
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (!AllOf(digits, isdigit)) return std::nullopt;
  }
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;  // too large for 64 bits: a decimal one may still be a float
  }
  if (!negative) {
    if (magnitude <= static_cast<uint64_t>(INT64_MAX)) {
      return OrderedJson(static_cast<int64_t>(magnitude));
    }
    return OrderedJson(magnitude);
  }
  if (magnitude <= static_cast<uint64_t>(INT64_MAX) + 1) {
    return OrderedJson(static_cast<int64_t>(0 - magnitude));
  }
  return OrderedJson(-static_cast<double>(magnitude));
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
std::optional<OrderedJson> PlainFloat(const std::string& s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = digits();
  size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    frac_digits = digits();
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data() + (s[0] == '+' ? 1 : 0), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return OrderedJson(value);
}

// Optimal string alignment distance.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string Where(const std::string& path, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return path;
  return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string WhereOffset(const std::string& path, std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  size_t line_start = text.rfind('\n', offset == 0 ? std::string_view::npos : offset - 1);
  size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  if (offset == 0) column = 1;
  return path + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Error ErrorAt(const std::string& path, const YAML::Mark& mark, const std::string& message) {
  return MakeError(ErrorCode::kInvalidArgument, Where(path, mark) + ": " + message);
}

OrderedJson ScalarValue(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  const std::string& tag = node.Tag();
  // "!" marks a quoted or block scalar; "!!str" forces a string.
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return s;
  if (IsPlainNull(s)) return nullptr;
  if (std::optional<bool> b = PlainBool(s)) return *b;
  if (std::optional<OrderedJson> i = PlainInteger(s)) return *i;
  if (std::optional<OrderedJson> f = PlainFloat(s)) return *f;
  return s;  // .inf and .nan have no JSON form: they stay strings
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      break;
    default:
      return "null";
  }
  OrderedJson value = ScalarValue(node);
  if (value.is_null()) return "null";
  if (value.is_boolean()) return std::string("boolean ") + (value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) return "integer " + value.dump();
  if (value.is_number()) return "number " + value.dump();
  std::string s = value.get<std::string>();
  if (s.size() > kMaxShownChars) s = s.substr(0, kMaxShownChars) + "...";
  return "string " + DumpCompact(Json(s));
}

Result<OrderedJson> ToJson(const YAML::Node& node, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return ScalarValue(node);
    case YAML::NodeType::Sequence: {
      OrderedJson array = OrderedJson::array();
      for (const YAML::Node& item : node) {
        CENTAUR_ASSIGN_OR_RETURN(OrderedJson value, ToJson(item, path));
        array.push_back(std::move(value));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      CENTAUR_RETURN_IF_ERROR(CheckKeys(node, path, "", {}));
      OrderedJson object = OrderedJson::object();
      for (const auto& entry : node) {
        CENTAUR_ASSIGN_OR_RETURN(OrderedJson value, ToJson(entry.second, path));
        object[entry.first.Scalar()] = std::move(value);
      }
      return object;
    }
    default:
      return OrderedJson(nullptr);
  }
}

Json ToPlainJson(const OrderedJson& value) {
  if (value.is_object()) {
    Json object = Json::object();
    for (const auto& [key, item] : value.items()) object[key] = ToPlainJson(item);
    return object;
  }
  if (value.is_array()) {
    Json array = Json::array();
    for (const OrderedJson& item : value) array.push_back(ToPlainJson(item));
    return array;
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return value.get<double>();
  return nullptr;
}

std::optional<std::string_view> NearestKey(std::string_view key,
                                           std::span<const std::string_view> known) {
  std::optional<std::string_view> best;
  size_t best_distance = 0;
  for (std::string_view candidate : known) {
    size_t distance = EditDistance(key, candidate);
    size_t allowed = candidate.size() <= 4 ? 1 : 2;
    if (distance <= allowed && (!best || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string UnknownKeyHint(std::string_view key, std::span<const std::string_view> known) {
  if (std::optional<std::string_view> near = NearestKey(key, known)) {
    return " (did you mean \"" + std::string(*near) + "\"?)";
  }
  std::string hint = " (known keys:";
  for (size_t i = 0; i < known.size(); ++i) {
    hint += (i == 0 ? " " : ", ") + std::string(known[i]);
  }
  return hint + ")";
}

Status CheckKeys(const YAML::Node& map, const std::string& path, std::string_view in,
                 std::span<const std::string_view> known) {
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      return ErrorAt(path, key.Mark(), "keys must be strings, got " + Describe(key));
    }
    const std::string& name = key.Scalar();
    auto [it, inserted] = seen.emplace(name, key.Mark());
    if (!inserted) {
      std::string first = it->second.is_null()
                              ? ""
                              : " (first at line " + std::to_string(it->second.line + 1) + ")";
      return ErrorAt(path, key.Mark(), "duplicate key \"" + name + "\"" + first);
    }
    if (known.empty() || std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "unknown key \"" + name + "\"";
    if (!in.empty()) message += " in " + std::string(in);
    return ErrorAt(path, key.Mark(), message + UnknownKeyHint(name, known));
  }
  return OkStatus();
}

std::optional<Field> FindField(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key)
      return Field{entry.first, entry.second};
  }
  return std::nullopt;
}

YAML::Mark MarkOf(const Field& field) {
  if (field.value.IsNull() || field.value.Mark().is_null()) return field.key.Mark();
  return field.value.Mark();
}

Error TypeError(const std::string& path, const Field& field, std::string_view name,
                std::string_view expected) {
  return ErrorAt(path, MarkOf(field),
                 "\"" + std::string(name) + "\" must be " + std::string(expected) + ", got " +
                     Describe(field.value));
}

Result<std::string> GetString(const std::string& path, const Field& field, std::string_view name) {
  if (field.value.IsScalar()) {
    OrderedJson value = ScalarValue(field.value);
    if (value.is_string()) return value.get<std::string>();
  }
  return TypeError(path, field, name, "a string");
}

Result<int64_t> GetInteger(const std::string& path, const Field& field, std::string_view name) {
  if (field.value.IsScalar()) {
    OrderedJson value = ScalarValue(field.value);
    if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<int64_t>();
    if (value.is_number_unsigned() && value.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(value.get<uint64_t>());
    }
  }
  return TypeError(path, field, name, "an integer");
}

Result<double> GetNumber(const std::string& path, const Field& field, std::string_view name) {
  if (field.value.IsScalar()) {
    OrderedJson value = ScalarValue(field.value);
    if (value.is_number()) return value.get<double>();
  }
  return TypeError(path, field, name, "a number");
}

std::string PointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string DumpCompact(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace centaur::prompt_internal
