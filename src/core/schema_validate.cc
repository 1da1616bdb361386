// Validating a value against compiled schema_internal::Nodes. The walk is
// done twice for a value that fails: once without messages (most values are
// valid, and building messages is most of the cost), then once more to say
// what is wrong, each violation as "<json pointer>: <what>".
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema_internal.h"

namespace centaur::schema_internal {
namespace {

// Guards the stack against recursive schemas ($ref) meeting deep values.
constexpr int kMaxDepth = 512;

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

// Formats: the ones valijson knows; the others are annotations.

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
    if (s.pattern && !RE2::PartialMatch(str, *s.pattern)) {
      ok = false;
      if (!out_) return false;
      Add(at, "string " + Brief(v) + " does not match pattern " + Brief(Json(s.pattern_text)));
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
        if (!RE2::PartialMatch(key, *pp.re)) continue;
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

  const std::vector<Node>& nodes_;
  std::vector<std::string>* out_;
  int depth_ = 0;
};

}  // namespace

bool ValidateValue(const Compiled& compiled, const Json& value, std::vector<std::string>* lines) {
  PathFrame root;
  return Validator(compiled, lines).Visit(0, value, &root);
}

}  // namespace centaur::schema_internal
