#include "prompt/task_examples.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/schema.h"

namespace centaur::prompt_internal {
namespace {

constexpr std::string_view kSpecKeys[] = {"file", "mode"};
constexpr std::string_view kExampleKeys[] = {"input", "output"};

// The schemas every example is checked against.
struct ExampleSchemas {
  Schema input;
  std::optional<Schema> output;
};

Result<ExampleSchemas> CompileSchemas(const Task& task) {
  Json properties = Json::object();
  Json required = Json::array();
  for (const TaskInput& input : task.inputs) {
    properties[input.name] = input.schema;
    required.push_back(input.name);
  }
  ExampleSchemas schemas;
  CENTAUR_ASSIGN_OR_RETURN(schemas.input, Schema::Compile({{"type", "object"},
                                                           {"properties", properties},
                                                           {"required", required},
                                                           {"additionalProperties", false}}));
  if (!task.output_schema.is_null()) {
    CENTAUR_ASSIGN_OR_RETURN(schemas.output, Schema::Compile(task.output_schema));
  }
  return schemas;
}

// Checks one example; `where` is "FILE:LINE" or "FILE:LINE:COL" of each part.
Status CheckExample(const TaskExample& example, const ExampleSchemas& schemas,
                    const std::string& input_where, const std::string& output_where) {
  Status input_ok = schemas.input.Validate(example.input);
  if (!input_ok.ok()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        input_where + ": example input does not match the inputs: " + input_ok.error().message);
  }
  if (schemas.output.has_value()) {
    Status output_ok = schemas.output->Validate(example.output);
    if (!output_ok.ok()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       output_where + ": example output does not match the output schema: " +
                           output_ok.error().message);
    }
  }
  return OkStatus();
}

// "FILE:LINE:COL: invalid JSON: WHAT" from nlohmann's parse error text
// ("[json.exception.parse_error.101] parse error at line 1, column 5: WHAT").
Error JsonLineError(const std::string& where, const std::string& what) {
  constexpr std::string_view kColumn = "column ";
  size_t at = what.find(kColumn);
  size_t colon = at == std::string::npos ? at : what.find(": ", at);
  if (colon == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, where + ": invalid JSON: " + what);
  }
  std::string column = what.substr(at + kColumn.size(), colon - at - kColumn.size());
  return MakeError(ErrorCode::kInvalidArgument,
                   where + ":" + column + ": invalid JSON: " + what.substr(colon + 2));
}

Result<TaskExample> ParseExampleLine(const std::string& line, const std::string& where) {
  Json value;
  try {
    value = Json::parse(line);
  } catch (const Json::exception& e) {
    return JsonLineError(where, e.what());
  }
  if (!value.is_object()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        where + ": an example must be a JSON object {\"input\": {...}, \"output\": ...}");
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it.key() == "input" || it.key() == "output") continue;
    std::string message = where + ": unknown key \"" + it.key() + "\" in example";
    if (std::optional<std::string_view> near = NearestKey(it.key(), kExampleKeys)) {
      message += " (did you mean \"" + std::string(*near) + "\"?)";
    }
    return MakeError(ErrorCode::kInvalidArgument, message);
  }
  for (std::string_view key : kExampleKeys) {
    if (!value.contains(key)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       where + ": missing required key \"" + std::string(key) + "\"");
    }
  }
  return TaskExample{value["input"], value["output"]};
}

Result<std::vector<TaskExample>> LoadFile(const Field& file, const std::string& path,
                                          const ExampleSchemas& schemas) {
  namespace fs = std::filesystem;
  CENTAUR_ASSIGN_OR_RETURN(std::string name, GetString(path, file, "examples.file"));
  fs::path resolved = fs::path(name);
  if (resolved.is_relative()) resolved = fs::path(path).parent_path() / resolved;
  std::string shown = resolved.string();
  std::string looked = shown == name ? "" : " (looked for " + shown + ")";
  std::error_code ec;
  if (!fs::exists(resolved, ec)) {
    return ErrorAt(path, MarkOf(file), "examples file \"" + name + "\" not found" + looked);
  }
  std::ifstream in(resolved, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || fs::is_directory(resolved, ec)) {
    return ErrorAt(path, MarkOf(file), "examples file \"" + name + "\" cannot be read" + looked);
  }
  std::vector<TaskExample> examples;
  std::string line;
  for (int number = 1; std::getline(text, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string where = shown + ":" + std::to_string(number);
    CENTAUR_ASSIGN_OR_RETURN(TaskExample example, ParseExampleLine(line, where));
    CENTAUR_RETURN_IF_ERROR(CheckExample(example, schemas, where, where));
    examples.push_back(std::move(example));
  }
  return examples;
}

Result<std::vector<TaskExample>> LoadInline(const YAML::Node& list, const std::string& path,
                                            const ExampleSchemas& schemas) {
  std::vector<TaskExample> examples;
  for (const YAML::Node& item : list) {
    if (!item.IsMap()) {
      return ErrorAt(
          path, item.Mark(),
          "an example must be a mapping {input: {...}, output: ...}, got " + Describe(item));
    }
    CENTAUR_RETURN_IF_ERROR(CheckKeys(item, path, "example", kExampleKeys));
    TaskExample example;
    std::string where[2];
    for (int i = 0; i < 2; ++i) {
      std::optional<Field> part = FindField(item, kExampleKeys[i]);
      if (!part.has_value()) {
        return ErrorAt(path, item.Mark(),
                       "missing required key \"" + std::string(kExampleKeys[i]) + "\"");
      }
      CENTAUR_ASSIGN_OR_RETURN(OrderedJson value, ToJson(part->value, path));
      (i == 0 ? example.input : example.output) = ToPlainJson(value);
      where[i] = Where(path, MarkOf(*part));
    }
    CENTAUR_RETURN_IF_ERROR(CheckExample(example, schemas, where[0], where[1]));
    examples.push_back(std::move(example));
  }
  return examples;
}

}  // namespace

Result<ExamplesSpec> ParseExamplesSpec(const Field& examples, const std::string& path) {
  ExamplesSpec spec;
  const YAML::Node& node = examples.value;
  if (node.IsNull()) return spec;
  if (node.IsSequence()) {
    spec.list = node;
    return spec;
  }
  if (!node.IsMap()) {
    return TypeError(path, examples, "examples", "{file: PATH.jsonl} or a list of {input, output}");
  }
  CENTAUR_RETURN_IF_ERROR(CheckKeys(node, path, "examples", kSpecKeys));
  spec.file = FindField(node, "file");
  if (!spec.file.has_value()) {
    return ErrorAt(path, node.Mark(), "missing required key \"examples.file\"");
  }
  if (std::optional<Field> mode = FindField(node, "mode")) {
    Result<std::string> text = GetString(path, *mode, "examples.mode");
    if (!text.ok() || (*text != "turns" && *text != "section")) {
      return TypeError(path, *mode, "examples.mode", "turns or section");
    }
    spec.mode = *text == "section" ? ExamplesMode::kSection : ExamplesMode::kTurns;
  }
  return spec;
}

Result<std::vector<TaskExample>> LoadExamples(const ExamplesSpec& spec, const Task& task,
                                              const std::string& path) {
  if (!spec.file.has_value() && !spec.list.IsSequence()) return std::vector<TaskExample>{};
  Result<ExampleSchemas> schemas = CompileSchemas(task);
  if (!schemas.ok()) {
    // Each part was compiled on its own already; a failure here is a bug.
    return MakeError(ErrorCode::kInternal, path + ": " + schemas.error().message);
  }
  if (spec.file.has_value()) return LoadFile(*spec.file, path, *schemas);
  return LoadInline(spec.list, path, *schemas);
}

}  // namespace centaur::prompt_internal
