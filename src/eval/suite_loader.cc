// LoadSuite / ParseSuite: YAML -> Suite. The first problem found is the
// error, FILE:LINE:COL first; checks run in file order.
#include <fmt/format.h>

#include <filesystem>

#include "core/records.h"
#include "eval/assertion_text.h"
#include "eval/suite.h"
#include "llm/provider.h"
#include "prompt/yaml_value.h"

namespace centaur {
namespace {

using eval_internal::OneLine;
using prompt_internal::CheckKeys;
using prompt_internal::Describe;
using prompt_internal::ErrorAt;
using prompt_internal::Field;
using prompt_internal::FindField;
using prompt_internal::GetNumber;
using prompt_internal::GetString;
using prompt_internal::MarkOf;
using prompt_internal::NearestKey;
using prompt_internal::ToJson;
using prompt_internal::ToPlainJson;
using prompt_internal::TypeError;
using prompt_internal::Where;

constexpr std::string_view kSuiteKeys[] = {"description", "task",        "model", "threshold",
                                           "judge_task",  "defaultTest", "tests"};
constexpr std::string_view kTestKeys[] = {"description", "vars", "assert", "threshold"};
constexpr std::string_view kDefaultTestKeys[] = {"vars", "assert", "threshold"};

class SuiteParser {
 public:
  SuiteParser(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  Result<Suite> Parse() {
    YAML::Node root;
    try {
      root = YAML::Load(text_);
    } catch (const YAML::Exception& e) {
      return MakeError(ErrorCode::kParse, Where(path_, e.mark) + ": " + e.msg);
    }
    if (!root.IsMap()) {
      return ErrorAt(path_, root.Mark(),
                     "a suite file must be a mapping (task, tests, ...), got " + Describe(root));
    }
    CENTAUR_RETURN_IF_ERROR(CheckKeys(root, path_, "", kSuiteKeys));
    for (std::string_view key : {"task", "tests"}) {
      if (!FindField(root, key).has_value()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         path_ + ": missing required key \"" + std::string(key) + "\"");
      }
    }
    suite_.path = path_;
    suite_.name = std::filesystem::path(path_).stem().string();
    if (std::optional<Field> f = FindField(root, "description")) {
      CENTAUR_ASSIGN_OR_RETURN(suite_.name, GetString(path_, *f, "description"));
    }
    CENTAUR_ASSIGN_OR_RETURN(suite_.task, LoadRelativeTask(*FindField(root, "task"), "task"));
    if (std::optional<Field> f = FindField(root, "model")) {
      CENTAUR_ASSIGN_OR_RETURN(suite_.model, GetString(path_, *f, "model"));
      Result<ModelRef> ref = ParseModelRef(suite_.model);
      if (!ref.ok()) return ErrorAt(path_, MarkOf(*f), ref.error().message);
    }
    if (std::optional<Field> f = FindField(root, "threshold")) {
      CENTAUR_ASSIGN_OR_RETURN(suite_.threshold, Fraction(*f, "threshold"));
    }
    if (std::optional<Field> f = FindField(root, "judge_task")) {
      CENTAUR_ASSIGN_OR_RETURN(Task judge, LoadRelativeTask(*f, "judge_task"));
      Status ok = CheckJudgeTask(judge);
      if (!ok.ok()) {
        return ErrorAt(path_, MarkOf(*f),
                       "judge task " + judge.source_path + ": " + ok.error().message);
      }
      suite_.judge_task = std::move(judge);
    }
    SuiteCase defaults;
    if (std::optional<Field> f = FindField(root, "defaultTest")) {
      if (!f->value.IsMap()) return TypeError(path_, *f, "defaultTest", "a mapping");
      CENTAUR_RETURN_IF_ERROR(CheckKeys(f->value, path_, "defaultTest", kDefaultTestKeys));
      defaults.vars = Json::object();
      CENTAUR_RETURN_IF_ERROR(ParseCaseBody(f->value, "defaultTest", &defaults));
    }
    Field tests = *FindField(root, "tests");
    if (!tests.value.IsSequence() || tests.value.size() == 0) {
      return TypeError(path_, tests, "tests", "a non-empty list of test cases");
    }
    for (size_t i = 0; i < tests.value.size(); ++i) {
      CENTAUR_RETURN_IF_ERROR(ParseCase(tests.value[i], i, defaults));
    }
    return std::move(suite_);
  }

 private:
  Result<Task> LoadRelativeTask(const Field& field, std::string_view name) {
    CENTAUR_ASSIGN_OR_RETURN(std::string file, GetString(path_, field, name));
    std::filesystem::path p(file);
    if (p.is_relative()) p = std::filesystem::path(path_).parent_path() / p;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
      return ErrorAt(path_, MarkOf(field), "no such task file \"" + p.string() + "\"");
    }
    return LoadTask(p.string());
  }

  Result<double> Fraction(const Field& field, std::string_view name) {
    CENTAUR_ASSIGN_OR_RETURN(double x, GetNumber(path_, field, name));
    if (x < 0 || x > 1) {
      return ErrorAt(
          path_, MarkOf(field),
          fmt::format("\"{}\" must be between 0 and 1, got {}", name, Describe(field.value)));
    }
    return x;
  }

  Status ParseCase(const YAML::Node& node, size_t index, const SuiteCase& defaults) {
    std::string label = "tests[" + std::to_string(index) + "]";
    if (!node.IsMap()) {
      return ErrorAt(
          path_, node.Mark(),
          label + " must be a mapping (description, vars, assert), got " + Describe(node));
    }
    CENTAUR_RETURN_IF_ERROR(CheckKeys(node, path_, label, kTestKeys));
    SuiteCase c = defaults;
    c.assertions.clear();
    c.name = "test " + std::to_string(index + 1);
    c.where = Where(path_, node.Mark());
    if (std::optional<Field> f = FindField(node, "description")) {
      CENTAUR_ASSIGN_OR_RETURN(c.name, GetString(path_, *f, label + ".description"));
    }
    c.assertions = defaults.assertions;
    CENTAUR_RETURN_IF_ERROR(ParseCaseBody(node, label, &c));
    if (c.vars.is_null()) c.vars = Json::object();
    for (const TaskInput& input : suite_.task.inputs) {
      if (!c.vars.contains(input.name)) {
        return ErrorAt(path_, node.Mark(),
                       "test \"" + c.name + "\" has no var \"" + input.name +
                           "\" (the task's inputs: " + InputNames() + ")");
      }
    }
    suite_.cases.push_back(std::move(c));
    return OkStatus();
  }

  // vars, assert and threshold of a test (or of defaultTest).
  Status ParseCaseBody(const YAML::Node& node, const std::string& label, SuiteCase* c) {
    if (std::optional<Field> f = FindField(node, "vars")) {
      if (!f->value.IsMap()) return TypeError(path_, *f, label + ".vars", "a mapping");
      CENTAUR_RETURN_IF_ERROR(CheckKeys(f->value, path_, label + ".vars", {}));
      if (c->vars.is_null()) c->vars = Json::object();
      for (const auto& entry : f->value) {
        CENTAUR_RETURN_IF_ERROR(ParseVar(Field{entry.first, entry.second}, c));
      }
    }
    if (std::optional<Field> f = FindField(node, "assert")) {
      if (!f->value.IsSequence()) {
        return TypeError(path_, *f, label + ".assert", "a list of assertions");
      }
      for (const YAML::Node& item : f->value) {
        CENTAUR_ASSIGN_OR_RETURN(Assertion a, ParseAssertion(item));
        c->assertions.push_back(std::move(a));
      }
    }
    if (std::optional<Field> f = FindField(node, "threshold")) {
      CENTAUR_ASSIGN_OR_RETURN(c->threshold, Fraction(*f, label + ".threshold"));
    }
    return OkStatus();
  }

  std::string InputNames() const {
    std::string out;
    for (const TaskInput& input : suite_.task.inputs) out += (out.empty() ? "" : ", ") + input.name;
    return out;
  }

  Status ParseVar(const Field& field, SuiteCase* c) {
    const std::string& name = field.key.Scalar();
    const TaskInput* input = nullptr;
    std::vector<std::string_view> names;
    for (const TaskInput& i : suite_.task.inputs) {
      names.push_back(i.name);
      if (i.name == name) input = &i;
    }
    if (input == nullptr) {
      std::string message =
          "var \"" + name + "\" is not an input of task \"" + suite_.task.name + "\"";
      if (std::optional<std::string_view> near = NearestKey(name, names)) {
        message += " (did you mean \"" + std::string(*near) + "\"?)";
      } else {
        message += " (inputs: " + InputNames() + ")";
      }
      return ErrorAt(path_, field.key.Mark(), message);
    }
    CENTAUR_ASSIGN_OR_RETURN(prompt_internal::OrderedJson value, ToJson(field.value, path_));
    Json plain = ToPlainJson(value);
    Result<Schema> schema = Schema::Compile(input->schema);
    if (schema.ok()) {
      Status valid = schema->Validate(plain);
      if (!valid.ok()) {
        return ErrorAt(path_, MarkOf(field),
                       "var \"" + name + "\" does not match the task's input schema: " +
                           OneLine(valid.error().message));
      }
    }
    c->vars[name] = std::move(plain);
    return OkStatus();
  }

  Result<Assertion> ParseAssertion(const YAML::Node& node) {
    CENTAUR_ASSIGN_OR_RETURN(prompt_internal::OrderedJson spec, ToJson(node, path_));
    SpecProblem problem;
    Result<Assertion> a = CompileAssertion(ToPlainJson(spec), &problem);
    if (a.ok()) return a;
    YAML::Mark mark = node.Mark();
    if (std::optional<Field> f = FindField(node, problem.key)) {
      mark = problem.at_key ? f->key.Mark() : MarkOf(*f);
    }
    return ErrorAt(path_, mark, a.error().message);
  }

  const std::string& text_;
  const std::string& path_;
  Suite suite_;
};

}  // namespace

Result<Suite> ParseSuite(const std::string& text, const std::string& path) {
  try {
    return SuiteParser(text, path).Parse();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, path + ": reading the suite failed: " + e.what());
  }
}

Result<Suite> LoadSuite(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path + ": no such suite file");
  }
  CENTAUR_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return ParseSuite(text, path);
}

Status CheckJudgeTask(const Task& task) {
  std::string inputs;
  bool rubric = false, output = false, other = false;
  for (const TaskInput& input : task.inputs) {
    inputs += (inputs.empty() ? "" : ", ") + input.name;
    rubric = rubric || (input.name == "rubric" && input.type == "string");
    output = output || (input.name == "output" && input.type == "string");
    other = other || (input.name != "rubric" && input.name != "output" &&
                      (input.name != "vars" || input.type != "object"));
  }
  if (!rubric || !output || other) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "its inputs must be rubric and output (strings) and optionally vars "
                     "(an object), got " +
                         inputs);
  }
  const Json& schema = task.output_schema;
  bool pass = schema.is_object() && schema.contains("properties") &&
              schema["properties"].contains("pass") &&
              schema["properties"]["pass"].value("type", Json()) == "boolean";
  if (!pass) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "its output needs a boolean property \"pass\" (and optionally \"reason\" "
                     "and \"score\")");
  }
  return OkStatus();
}

}  // namespace centaur
