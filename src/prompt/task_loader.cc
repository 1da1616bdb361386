// LoadTask / ParseTask: YAML -> Task, checking every key. The first problem
// found is the error; checks run in a fixed order so messages are stable.
#include <climits>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/schema.h"
#include "prompt/task.h"
#include "prompt/task_examples.h"
#include "prompt/template.h"
#include "prompt/yaml_value.h"

namespace centaur {
namespace {

using prompt_internal::CheckKeys;
using prompt_internal::Describe;
using prompt_internal::ErrorAt;
using prompt_internal::ExamplesSpec;
using prompt_internal::Field;
using prompt_internal::FindField;
using prompt_internal::GetInteger;
using prompt_internal::GetNumber;
using prompt_internal::GetString;
using prompt_internal::MarkOf;
using prompt_internal::OrderedJson;
using prompt_internal::PointerToken;
using prompt_internal::ScalarValue;
using prompt_internal::ToJson;
using prompt_internal::ToPlainJson;
using prompt_internal::TypeError;
using prompt_internal::Where;
using prompt_internal::WhereOffset;

constexpr std::string_view kTaskKeys[] = {"name",     "model",        "params", "inputs",
                                          "prompt",   "examples",     "output", "target",
                                          "attempts", "chat_template"};
constexpr std::string_view kRequiredKeys[] = {"name", "model", "inputs", "prompt"};
constexpr std::string_view kParamKeys[] = {"temperature", "max_tokens", "seed"};
constexpr std::string_view kPromptKeys[] = {"system", "user"};
constexpr std::string_view kInputTypes[] = {"string",  "number", "integer",
                                            "boolean", "object", "array"};
constexpr double kMaxTemperature = 2.0;
// How much of a template, from a problem's offset, is searched for in the
// file to find the problem's line and column.
constexpr size_t kLocateChars = 24;

bool IsIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string Join(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

// Records the key order of each "properties" mapping, by JSON pointer.
void CollectOrder(const OrderedJson& node, const std::string& pointer,
                  std::map<std::string, std::vector<std::string>>* out) {
  if (node.is_object()) {
    auto properties = node.find("properties");
    if (properties != node.end() && properties->is_object()) {
      std::vector<std::string>& keys = (*out)[pointer];
      for (const auto& [key, value] : properties->items()) keys.push_back(key);
    }
    for (const auto& [key, value] : node.items()) {
      if (value.is_structured()) CollectOrder(value, pointer + "/" + PointerToken(key), out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      CollectOrder(node[i], pointer + "/" + std::to_string(i), out);
    }
  }
}

class TaskParser {
 public:
  TaskParser(const std::string& text, const std::string& path) : text_(text), path_(path) {}

  Result<Task> Parse() {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAll(text_);
    } catch (const YAML::Exception& e) {
      return MakeError(ErrorCode::kParse, Where(path_, e.mark) + ": " + e.msg);
    }
    if (docs.empty() || docs[0].IsNull()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path_ + ": the file is empty (a task needs name, model, inputs and prompt)");
    }
    for (size_t i = 1; i < docs.size(); ++i) {
      if (!docs[i].IsNull()) {
        return ErrorAt(path_, docs[i].Mark(), "a task file holds one YAML document, not several");
      }
    }
    const YAML::Node& root = docs[0];
    if (!root.IsMap()) {
      return ErrorAt(path_, root.Mark(),
                     "a task file must be a mapping of keys (name, model, inputs, prompt, ...), "
                     "got " +
                         Describe(root));
    }
    CENTAUR_RETURN_IF_ERROR(CheckKeys(root, path_, "", kTaskKeys));
    for (std::string_view key : kRequiredKeys) {
      if (!FindField(root, key).has_value()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         path_ + ": missing required key \"" + std::string(key) + "\"");
      }
    }
    CENTAUR_RETURN_IF_ERROR(ParseName(*FindField(root, "name")));
    CENTAUR_RETURN_IF_ERROR(ParseModel(*FindField(root, "model")));
    if (std::optional<Field> params = FindField(root, "params")) {
      CENTAUR_RETURN_IF_ERROR(ParseParams(*params));
    }
    CENTAUR_RETURN_IF_ERROR(ParseInputs(*FindField(root, "inputs")));
    if (std::optional<Field> examples = FindField(root, "examples")) {
      CENTAUR_ASSIGN_OR_RETURN(examples_, prompt_internal::ParseExamplesSpec(*examples, path_));
      task_.examples_mode = examples_.mode;
      CENTAUR_RETURN_IF_ERROR(CheckExamplesName(*FindField(root, "inputs")));
    }
    CENTAUR_RETURN_IF_ERROR(ParsePrompt(*FindField(root, "prompt")));
    if (std::optional<Field> output = FindField(root, "output")) {
      CENTAUR_RETURN_IF_ERROR(ParseOutput(*output));
    }
    if (std::optional<Field> target = FindField(root, "target")) {
      CENTAUR_RETURN_IF_ERROR(ParseTarget(*target));
    }
    if (std::optional<Field> attempts = FindField(root, "attempts")) {
      CENTAUR_ASSIGN_OR_RETURN(int64_t n, GetInteger(path_, *attempts, "attempts"));
      if (n < 1 || n > INT_MAX) return RangeError(*attempts, "attempts", "must be at least 1");
      task_.attempts = static_cast<int>(n);
    }
    if (std::optional<Field> chat_template = FindField(root, "chat_template")) {
      CENTAUR_ASSIGN_OR_RETURN(task_.chat_template,
                               GetString(path_, *chat_template, "chat_template"));
    }
    CENTAUR_ASSIGN_OR_RETURN(task_.examples,
                             prompt_internal::LoadExamples(examples_, task_, path_));
    task_.source_path = path_;
    task_.source_text = text_;
    task_.version = TaskVersion(task_);
    return std::move(task_);
  }

 private:
  Error RangeError(const Field& field, std::string_view name, std::string_view rule) const {
    return ErrorAt(path_, MarkOf(field),
                   "\"" + std::string(name) + "\" " + std::string(rule) + ", got " +
                       ScalarValue(field.value).dump());
  }

  Status ParseName(const Field& field) {
    CENTAUR_ASSIGN_OR_RETURN(task_.name, GetString(path_, field, "name"));
    if (task_.name.empty()) return ErrorAt(path_, MarkOf(field), "\"name\" must not be empty");
    return OkStatus();
  }

  Status ParseModel(const Field& field) {
    CENTAUR_ASSIGN_OR_RETURN(task_.model, GetString(path_, field, "model"));
    size_t colon = task_.model.find(':');
    bool blank = task_.model.find_first_of(" \t\r\n") != std::string::npos;
    if (colon == std::string::npos || colon == 0 || colon + 1 == task_.model.size() || blank) {
      return ErrorAt(path_, MarkOf(field),
                     "model \"" + task_.model +
                         "\" must be \"provider:model\" (e.g. openai:gpt-4o-mini-2024-07-18)");
    }
    return OkStatus();
  }

  Status ParseParams(const Field& field) {
    if (field.value.IsNull()) return OkStatus();
    if (!field.value.IsMap()) return TypeError(path_, field, "params", "a mapping");
    CENTAUR_RETURN_IF_ERROR(CheckKeys(field.value, path_, "params", kParamKeys));
    if (std::optional<Field> f = FindField(field.value, "temperature")) {
      CENTAUR_ASSIGN_OR_RETURN(task_.params.temperature,
                               GetNumber(path_, *f, "params.temperature"));
      if (task_.params.temperature < 0 || task_.params.temperature > kMaxTemperature) {
        return RangeError(*f, "params.temperature", "must be between 0 and 2");
      }
    }
    if (std::optional<Field> f = FindField(field.value, "max_tokens")) {
      CENTAUR_ASSIGN_OR_RETURN(int64_t n, GetInteger(path_, *f, "params.max_tokens"));
      if (n < 1 || n > INT_MAX) return RangeError(*f, "params.max_tokens", "must be at least 1");
      task_.params.max_tokens = static_cast<int>(n);
    }
    if (std::optional<Field> f = FindField(field.value, "seed")) {
      CENTAUR_ASSIGN_OR_RETURN(task_.params.seed, GetInteger(path_, *f, "params.seed"));
    }
    return OkStatus();
  }

  Status ParseInputs(const Field& field) {
    if (!field.value.IsMap()) {
      return TypeError(path_, field, "inputs", "a mapping of variable names to JSON Schemas");
    }
    if (field.value.size() == 0) {
      return ErrorAt(path_, MarkOf(field),
                     "\"inputs\" must declare at least one variable, e.g. "
                     "inputs: {text: {type: string}}");
    }
    CENTAUR_RETURN_IF_ERROR(CheckKeys(field.value, path_, "", {}));
    for (const auto& entry : field.value) {
      CENTAUR_RETURN_IF_ERROR(ParseInput(Field{entry.first, entry.second}));
    }
    return OkStatus();
  }

  Status ParseInput(const Field& field) {
    TaskInput input;
    input.name = field.key.Scalar();
    if (!IsIdentifier(input.name)) {
      return ErrorAt(path_, field.key.Mark(),
                     "input name \"" + input.name +
                         "\" must be letters, digits and _, not starting with a digit");
    }
    std::string name = "inputs." + input.name;
    std::optional<Field> type_field;
    if (field.value.IsScalar()) {  // shorthand: `text: string`
      type_field = field;
    } else if (field.value.IsMap()) {
      type_field = FindField(field.value, "type");
      if (!type_field.has_value()) {
        return ErrorAt(path_, MarkOf(field), "missing required key \"" + name + ".type\"");
      }
    } else {
      return TypeError(path_, field, name, "a JSON Schema such as {type: string}");
    }
    std::string expected = "one of " + Join(kInputTypes);
    Result<std::string> type = GetString(path_, *type_field, name + ".type");
    if (!type.ok() ||
        std::find(std::begin(kInputTypes), std::end(kInputTypes), *type) == std::end(kInputTypes)) {
      return TypeError(path_, *type_field, name + ".type", expected);
    }
    input.type = *type;
    if (field.value.IsScalar()) {
      input.schema = {{"type", input.type}};
    } else {
      CENTAUR_ASSIGN_OR_RETURN(OrderedJson schema, ToJson(field.value, path_));
      input.schema = ToPlainJson(schema);
    }
    Result<Schema> compiled = Schema::Compile(input.schema);
    if (!compiled.ok()) {
      return ErrorAt(path_, MarkOf(field),
                     "\"" + name + "\" is not a valid JSON Schema: " + compiled.error().message);
    }
    task_.inputs.push_back(std::move(input));
    return OkStatus();
  }

  // In section mode the templates see the examples as `examples`.
  Status CheckExamplesName(const Field& inputs) {
    if (task_.examples_mode != ExamplesMode::kSection) return OkStatus();
    std::optional<Field> clash = FindField(inputs.value, "examples");
    if (!clash.has_value()) return OkStatus();
    return ErrorAt(path_, clash->key.Mark(),
                   "input \"examples\" clashes with the examples list of examples.mode: section");
  }

  Status ParsePrompt(const Field& field) {
    if (!field.value.IsMap()) return TypeError(path_, field, "prompt", "a mapping");
    CENTAUR_RETURN_IF_ERROR(CheckKeys(field.value, path_, "prompt", kPromptKeys));
    std::optional<Field> user = FindField(field.value, "user");
    if (!user.has_value()) {
      return ErrorAt(path_, field.value.Mark(), "missing required key \"prompt.user\"");
    }
    if (std::optional<Field> system = FindField(field.value, "system")) {
      CENTAUR_ASSIGN_OR_RETURN(task_.system_template, ReadTemplate(*system, "prompt.system"));
      CENTAUR_ASSIGN_OR_RETURN(task_.system_compiled,
                               Compile(*system, task_.system_template, "prompt.system"));
    }
    CENTAUR_ASSIGN_OR_RETURN(task_.user_template, ReadTemplate(*user, "prompt.user"));
    CENTAUR_ASSIGN_OR_RETURN(task_.user_compiled,
                             Compile(*user, task_.user_template, "prompt.user"));
    return OkStatus();
  }

  // ReadTemplate has checked the syntax; this only fails if kainjow disagrees.
  Result<Template> Compile(const Field& field, const std::string& tmpl, const std::string& name) {
    Result<Template> compiled = Template::Compile(tmpl);
    if (!compiled.ok()) {
      return ErrorAt(path_, MarkOf(field), name + ": " + compiled.error().message);
    }
    return compiled;
  }

  Result<std::string> ReadTemplate(const Field& field, const std::string& name) {
    Result<std::string> text = GetString(path_, field, name);
    if (!text.ok()) {
      if (!field.value.IsMap()) return text.error();
      return ErrorAt(path_, MarkOf(field),
                     "\"" + name + "\" must be a string, got a mapping (quote a template that " +
                         "starts with \"{{\")");
    }
    // `|` keeps a final newline and `|-` does not: they mean the same prompt.
    std::string tmpl = std::move(text).value();
    while (!tmpl.empty() && (tmpl.back() == '\n' || tmpl.back() == '\r')) tmpl.pop_back();
    ParsedTemplate parsed = ParseTemplate(tmpl);
    if (parsed.problem.has_value()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       Locate(field, tmpl, parsed.problem->offset, kLocateChars) + ": " + name +
                           ": " + parsed.problem->message);
    }
    std::map<std::string, std::string> types;
    std::vector<std::string> declared;
    for (const TaskInput& input : task_.inputs) {
      types[input.name] = input.type;
      declared.push_back(input.name);
    }
    if (task_.examples_mode == ExamplesMode::kSection) types["examples"] = "array";
    if (const TemplateTag* tag = FirstUndeclared(parsed, types)) {
      std::string top = tag->name.substr(0, tag->name.find('.'));
      if (top.empty()) top = tag->name;  // ".x": name the whole tag
      std::string message = "template variable \"" + top +
                            "\" is not declared in inputs (declared: " + Join(declared) + ")";
      if (top == "examples") {
        message += "; templates see the examples only with examples: {file: ..., mode: section}";
      }
      return MakeError(
          ErrorCode::kInvalidArgument,
          Locate(field, tmpl, tag->name_offset, tag->end - tag->name_offset) + ": " + message);
    }
    return tmpl;
  }

  // FILE:LINE:COL of `offset` in a template: the text from there is found in
  // the file, starting where the scalar starts (exact for plain, quoted and
  // block scalars unless an escape sequence falls inside it).
  std::string Locate(const Field& field, std::string_view tmpl, size_t offset,
                     size_t length) const {
    YAML::Mark mark = MarkOf(field);
    std::string_view key = tmpl.substr(offset, length);
    key = key.substr(0, key.find('\n'));
    if (mark.pos < 0 || key.empty()) return Where(path_, mark);
    size_t before = 0;
    for (size_t at = tmpl.find(key); at < offset; at = tmpl.find(key, at + 1)) ++before;
    size_t found = text_.find(key, static_cast<size_t>(mark.pos));
    for (; found != std::string::npos && before > 0; --before) found = text_.find(key, found + 1);
    if (found == std::string::npos) return Where(path_, mark);
    return WhereOffset(path_, text_, found);
  }

  Status ParseOutput(const Field& field) {
    if (field.value.IsNull()) return OkStatus();
    if (!field.value.IsMap()) return TypeError(path_, field, "output", "a mapping (a JSON Schema)");
    CENTAUR_ASSIGN_OR_RETURN(OrderedJson ordered, ToJson(field.value, path_));
    Json schema = ToPlainJson(ordered);
    Result<Schema> compiled = Schema::Compile(schema);
    if (!compiled.ok()) {
      return ErrorAt(path_, MarkOf(field),
                     "output is not a valid JSON Schema: " + compiled.error().message);
    }
    auto properties = schema.find("properties");
    if (schema.value("type", Json()) != "object" || properties == schema.end() ||
        !properties->is_object()) {
      return ErrorAt(path_, MarkOf(field),
                     "output must be an object schema (type: object, with properties)");
    }
    task_.output_schema = std::move(schema);
    CollectOrder(ordered, "", &task_.output_order);
    task_.wire_schema = std::make_shared<const WireSchema>(std::move(ordered));
    return OkStatus();
  }

  Status ParseTarget(const Field& field) {
    CENTAUR_ASSIGN_OR_RETURN(task_.target, GetString(path_, field, "target"));
    if (task_.output_schema.is_null()) {
      return ErrorAt(path_, MarkOf(field),
                     "target \"" + task_.target + "\" needs an output schema with that property");
    }
    const std::vector<std::string>& properties = task_.output_order[""];
    if (std::find(properties.begin(), properties.end(), task_.target) == properties.end()) {
      return ErrorAt(path_, MarkOf(field),
                     "target \"" + task_.target +
                         "\" is not a property of output (properties: " + Join(properties) + ")");
    }
    return OkStatus();
  }

  const std::string& text_;
  const std::string& path_;
  Task task_;
  ExamplesSpec examples_;
};

}  // namespace

Result<Task> ParseTask(const std::string& text, const std::string& path) {
  try {
    CENTAUR_ASSIGN_OR_RETURN(Task task, TaskParser(text, path).Parse());
    if (task.examples_mode == ExamplesMode::kTurns && !task.examples.empty()) {
      CENTAUR_ASSIGN_OR_RETURN(std::vector<ChatMessage> turns, RenderExampleTurns(task));
      task.example_turns = std::make_shared<const std::vector<ChatMessage>>(std::move(turns));
    }
    return task;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, path + ": reading the task failed: " + e.what());
  }
}

Result<Task> LoadTask(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return MakeError(ErrorCode::kNotFound, path + ": no such task file");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || std::filesystem::is_directory(path, ec)) {
    return MakeError(ErrorCode::kIo, path + ": cannot read the task file");
  }
  return ParseTask(text.str(), path);
}

}  // namespace centaur
