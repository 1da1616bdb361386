// CompileAssertion: an assertion spec (JSON) -> Assertion, checking every
// key and value up front so a suite never fails half-way for a typo.
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <span>
#include <string_view>

#include "eval/assertion.h"
#include "prompt/yaml_value.h"

namespace centaur {
namespace {

using prompt_internal::DumpCompact;
using prompt_internal::NearestKey;
using prompt_internal::UnknownKeyHint;

// What the "value" key of a type holds.
enum class ValueKind { kNone, kAny, kString, kStringList, kList, kSchema, kOptionalSchema };

struct TypeInfo {
  std::string_view name;
  AssertionType type;
  ValueKind value;
  bool path;       // takes "path"
  bool range;      // takes "min" / "max"
  bool threshold;  // takes "threshold"
};

constexpr std::array<TypeInfo, 16> kTypes = {{
    {"equals", AssertionType::kEquals, ValueKind::kAny, true, false, false},
    {"field-equals", AssertionType::kFieldEquals, ValueKind::kAny, true, false, false},
    {"one-of", AssertionType::kOneOf, ValueKind::kList, true, false, false},
    {"contains", AssertionType::kContains, ValueKind::kString, true, false, false},
    {"icontains", AssertionType::kIContains, ValueKind::kString, true, false, false},
    {"starts-with", AssertionType::kStartsWith, ValueKind::kString, true, false, false},
    {"contains-any", AssertionType::kContainsAny, ValueKind::kStringList, true, false, false},
    {"contains-all", AssertionType::kContainsAll, ValueKind::kStringList, true, false, false},
    {"regex", AssertionType::kRegex, ValueKind::kString, true, false, false},
    {"is-json", AssertionType::kIsJson, ValueKind::kOptionalSchema, true, false, false},
    {"json-schema", AssertionType::kJsonSchema, ValueKind::kSchema, true, false, false},
    {"length", AssertionType::kLength, ValueKind::kNone, true, true, false},
    {"word-count", AssertionType::kWordCount, ValueKind::kNone, true, true, false},
    {"latency", AssertionType::kLatency, ValueKind::kNone, false, false, true},
    {"cost", AssertionType::kCost, ValueKind::kNone, false, false, true},
    {"judge", AssertionType::kJudge, ValueKind::kString, true, false, true},
}};

std::string Describe(const Json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return std::string("boolean ") + (value.get<bool>() ? "true" : "false");
  if (value.is_number_integer()) return "integer " + value.dump();
  if (value.is_number()) return "number " + value.dump();
  if (value.is_string()) return "string " + DumpCompact(value);
  if (value.is_array()) return "a list";
  return "a mapping";
}

class Compiler {
 public:
  Compiler(const Json& spec, SpecProblem* problem) : spec_(spec), problem_(problem) {}

  Result<Assertion> Compile() {
    if (!spec_.is_object()) {
      return Fail(
          "", false,
          "an assertion must be a mapping like {type: equals, value: ...}, got " + Describe(spec_));
    }
    auto type = spec_.find("type");
    if (type == spec_.end()) return Fail("", false, "an assertion needs a \"type\"");
    if (!type->is_string())
      return Fail("type", false, "\"type\" must be a string, got " + Describe(*type));
    std::string name = type->get<std::string>();
    a_.type_name = name;
    if (name.starts_with("not-")) {
      a_.negate = true;
      name = name.substr(4);
    }
    const TypeInfo* info = nullptr;
    for (const TypeInfo& t : kTypes) {
      if (t.name == name) info = &t;
    }
    if (info == nullptr) return UnknownType(name);
    a_.type = info->type;
    CENTAUR_RETURN_IF_ERROR(CheckKeys(*info));
    CENTAUR_RETURN_IF_ERROR(CompileValue(*info));
    if (auto path = spec_.find("path"); path != spec_.end()) {
      if (!path->is_string()) {
        return Fail("path", false, "\"path\" must be a string, got " + Describe(*path));
      }
      Result<JsonPath> parsed = JsonPath::Parse(path->get<std::string>());
      if (!parsed.ok()) return Fail("path", false, parsed.error().message);
      a_.path = std::move(parsed).value();
    } else if (info->type == AssertionType::kFieldEquals) {
      return Fail("", false, "field-equals needs a \"path\" (e.g. path: label)");
    }
    if (auto weight = spec_.find("weight"); weight != spec_.end()) {
      if (!weight->is_number() || weight->get<double>() < 0) {
        return Fail("weight", false, "\"weight\" must be a number >= 0, got " + Describe(*weight));
      }
      a_.weight = weight->get<double>();
    }
    if (info->range) CENTAUR_RETURN_IF_ERROR(CompileRange());
    if (info->threshold) CENTAUR_RETURN_IF_ERROR(CompileThreshold(*info));
    return std::move(a_);
  }

 private:
  Error Fail(const std::string& key, bool at_key, std::string message) {
    if (problem_ != nullptr) *problem_ = SpecProblem{key, at_key};
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
  }

  Error UnknownType(const std::string& name) {
    std::vector<std::string_view> names;
    for (const TypeInfo& t : kTypes) names.push_back(t.name);
    std::string message = "unknown assertion type \"" + name + "\"";
    if (std::optional<std::string_view> near = NearestKey(name, names)) {
      message +=
          " (did you mean \"" + std::string(a_.negate ? "not-" : "") + std::string(*near) + "\"?)";
    } else {
      message += " (known types:";
      for (size_t i = 0; i < names.size(); ++i) {
        message += (i == 0 ? " " : ", ") + std::string(names[i]);
      }
      message += "; prefix any with not- to negate it)";
    }
    return Fail("type", false, message);
  }

  Status CheckKeys(const TypeInfo& info) {
    std::vector<std::string_view> known = {"type"};
    if (info.value != ValueKind::kNone) known.push_back("value");
    if (info.path) known.push_back("path");
    known.push_back("weight");
    if (info.range) {
      known.push_back("min");
      known.push_back("max");
    }
    if (info.threshold) known.push_back("threshold");
    for (const auto& [key, value] : spec_.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      return Fail(key, true,
                  "unknown key \"" + key + "\" for assertion type \"" + std::string(info.name) +
                      "\"" + UnknownKeyHint(key, known));
    }
    return OkStatus();
  }

  Status CompileValue(const TypeInfo& info) {
    auto it = spec_.find("value");
    if (it == spec_.end()) {
      if (info.value == ValueKind::kNone || info.value == ValueKind::kOptionalSchema) {
        return OkStatus();
      }
      return Fail("", false, std::string(info.name) + " needs a \"value\"");
    }
    const Json& value = *it;
    a_.value = value;
    switch (info.value) {
      case ValueKind::kNone:
      case ValueKind::kAny:
        return OkStatus();
      case ValueKind::kString:
        if (value.is_string()) break;
        if (value.is_number() || value.is_boolean()) {
          return Fail("value", false,
                      "\"value\" must be a string, got " + Describe(value) + " (quote it: \"" +
                          value.dump() + "\")");
        }
        return Fail("value", false, "\"value\" must be a string, got " + Describe(value));
      case ValueKind::kStringList:
        if (!value.is_array() || value.empty() ||
            !std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); })) {
          return Fail("value", false,
                      "\"value\" must be a non-empty list of strings, got " + Describe(value));
        }
        return OkStatus();
      case ValueKind::kList:
        if (!value.is_array() || value.empty()) {
          return Fail("value", false, "\"value\" must be a non-empty list, got " + Describe(value));
        }
        return OkStatus();
      case ValueKind::kSchema:
      case ValueKind::kOptionalSchema: {
        if (!value.is_object()) {
          return Fail("value", false,
                      "\"value\" must be a JSON Schema (a mapping), got " + Describe(value));
        }
        Result<Schema> schema = Schema::Compile(value);
        if (!schema.ok()) {
          std::string message = schema.error().message;
          std::replace(message.begin(), message.end(), '\n', ';');
          return Fail("value", false, "\"value\" is not a valid JSON Schema: " + message);
        }
        a_.schema = std::make_shared<const Schema>(std::move(schema).value());
        return OkStatus();
      }
    }
    if (info.type == AssertionType::kRegex) {
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_shared<const RE2>(value.get<std::string>(), options);
      if (!re->ok()) {
        return Fail("value", false,
                    "bad regular expression /" + value.get<std::string>() + "/: " + re->error() +
                        " (RE2 syntax: no backreferences or lookaround)");
      }
      a_.regex = std::move(re);
    }
    return OkStatus();
  }

  Result<std::optional<int64_t>> Bound(const char* key) {
    auto it = spec_.find(key);
    if (it == spec_.end()) return std::optional<int64_t>();
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Fail(key, false,
                  "\"" + std::string(key) + "\" must be an integer >= 0, got " + Describe(*it));
    }
    return std::optional<int64_t>(it->get<int64_t>());
  }

  Status CompileRange() {
    CENTAUR_ASSIGN_OR_RETURN(a_.min, Bound("min"));
    CENTAUR_ASSIGN_OR_RETURN(a_.max, Bound("max"));
    if (!a_.min.has_value() && !a_.max.has_value()) {
      return Fail("", false, a_.type_name + " needs \"min\", \"max\" or both");
    }
    if (a_.min.has_value() && a_.max.has_value() && *a_.min > *a_.max) {
      return Fail("max", false,
                  "\"max\" (" + std::to_string(*a_.max) + ") is less than \"min\" (" +
                      std::to_string(*a_.min) + ")");
    }
    return OkStatus();
  }

  Status CompileThreshold(const TypeInfo& info) {
    auto it = spec_.find("threshold");
    if (it == spec_.end()) {
      if (info.type == AssertionType::kJudge) return OkStatus();
      return Fail("", false,
                  std::string(info.name) + " needs a \"threshold\" (the ceiling, in " +
                      (info.type == AssertionType::kLatency ? "milliseconds" : "dollars") + ")");
    }
    if (!it->is_number() || it->get<double>() < 0) {
      return Fail("threshold", false, "\"threshold\" must be a number >= 0, got " + Describe(*it));
    }
    if (info.type == AssertionType::kJudge && it->get<double>() > 1) {
      return Fail("threshold", false,
                  "\"threshold\" of a judge is a score between 0 and 1, got " + Describe(*it));
    }
    a_.threshold = it->get<double>();
    return OkStatus();
  }

  const Json& spec_;
  SpecProblem* problem_;
  Assertion a_;
};

}  // namespace

Result<Assertion> CompileAssertion(const Json& spec, SpecProblem* problem) {
  return Compiler(spec, problem).Compile();
}

const std::vector<std::string>& AssertionTypeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const TypeInfo& t : kTypes) out.emplace_back(t.name);
    return out;
  }();
  return names;
}

}  // namespace centaur
