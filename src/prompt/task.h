// Task: a prompt function loaded from a task file (YAML; docs/TASK_FILE.md).
// Loading checks everything it can up front and names file:line:col in every
// error: unknown keys, wrong types, undeclared template variables,
// invalid output schemas, a target that is not an output property, examples
// that do not match the input/output schemas.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "llm/types.h"
#include "prompt/template.h"

namespace centaur {

struct TaskInput {
  std::string name;
  std::string type = "string";  // JSON Schema type of the variable
  Json schema;                  // the variable's full schema as written
};

struct TaskExample {
  Json input;   // object: variable -> value
  Json output;  // object matching the output schema
};

// How n-shot examples reach the model.
enum class ExamplesMode {
  kTurns,    // default: each example is a prior user turn + assistant turn
  kSection,  // exposed to templates as the list {{#examples}}...{{/examples}}
};

struct Task {
  static constexpr int kDefaultAttempts = 3;

  std::string name;
  std::string model;  // "provider:model"
  SamplingParams params;
  std::vector<TaskInput> inputs;
  std::string system_template;  // may be empty
  std::string user_template;
  std::vector<TaskExample> examples;
  ExamplesMode examples_mode = ExamplesMode::kTurns;
  Json output_schema;               // null for free-text output
  // The output schema as sent to providers (the file's key order); null when
  // output_schema is null.
  std::shared_ptr<const WireSchema> wire_schema;
  // The examples rendered as prior turns (kTurns), computed once at load:
  // they are the same for every item. Used while user_template is the text
  // they were rendered from.
  std::shared_ptr<const std::vector<ChatMessage>> example_turns;
  std::string target;               // output property compared with gold labels; may be empty
  int attempts = kDefaultAttempts;  // total tries, the first included
  std::optional<std::string> chat_template;  // override for local models

  std::string source_path;  // the file it was loaded from
  std::string source_text;  // its text
  std::string version;      // 16 hex digits; see TaskVersion()

  // The key order of every "properties" mapping in the output schema, by the
  // JSON pointer of the schema object holding it ("" for the root). Json
  // objects sort their keys; this keeps the order the file gives, which is
  // the order the model should write them in (thoughts before the answer).
  std::map<std::string, std::vector<std::string>> output_order;

  // prompt.system and prompt.user parsed once at load, shared by copies.
  // Rendering uses them only while they match the template text above, so a
  // Task built or edited by hand still renders what its text says.
  Template system_compiled;
  Template user_compiled;

  // The target's enum values when the target is an enum, else empty.
  std::vector<std::string> TargetLabels() const;
};

// Loads and checks a task file. Relative paths inside it (examples file)
// resolve against the task file's directory.
Result<Task> LoadTask(const std::string& path);
// Same, from text; `path` is used for error messages and relative paths.
Result<Task> ParseTask(const std::string& text, const std::string& path);

// Canonical JSON of everything that changes behaviour: model, params,
// prompt templates, examples, output schema, target, attempts, chat template.
// Independent of YAML formatting, key order and comments.
Json TaskSpecJson(const Task& task);
// Stable hash of TaskSpecJson (16 lowercase hex digits).
std::string TaskVersion(const Task& task);

// `value` as compact JSON with object keys in the output schema's property
// order (nested objects too, via "properties" and "items"); keys the schema
// does not list follow in sorted order. Used for examples shown to the model.
std::string DumpInOutputOrder(const Task& task, const Json& value);

// Renders the examples as user/assistant turns (kTurns) with the user template.
Result<std::vector<ChatMessage>> RenderExampleTurns(const Task& task);

// Renders the conversation for one input (object: variable -> value):
// system message (when non-empty), the examples as turns (kTurns), then the
// user message. A variable missing from `input` is an error naming it.
Result<std::vector<ChatMessage>> RenderMessages(const Task& task, const Json& input);

// Builds the provider-neutral request for one input: the messages above,
// schema = the output schema, the task's params. `provider_model` is the
// provider's own model name (the part after "provider:" of the reference in
// use, which --model may have changed; it may itself hold colons, e.g.
// "llama3:8b"); empty means the part after the first ':' of task.model.
Result<ChatRequest> BuildRequest(const Task& task, const Json& input,
                                 const std::string& provider_model);

}  // namespace centaur
