// The `examples` key of a task file: where the examples come from (a JSONL
// file or an inline list), how they reach the model, and loading them with
// every example checked against the declared inputs and the output schema.
// Internal to src/prompt/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prompt/task.h"
#include "prompt/yaml_value.h"

namespace centaur::prompt_internal {

struct ExamplesSpec {
  ExamplesMode mode = ExamplesMode::kTurns;
  std::optional<Field> file;  // examples.file, when they come from a file
  YAML::Node list;            // the inline list, when they are inline
};

// Checks the shape of the `examples` value (not the examples themselves).
Result<ExamplesSpec> ParseExamplesSpec(const Field& examples, const std::string& path);

// Reads and checks the examples. `task` supplies the inputs and output schema.
// A file path is relative to the directory of `path` (the task file).
Result<std::vector<TaskExample>> LoadExamples(const ExamplesSpec& spec, const Task& task,
                                              const std::string& path);

}  // namespace centaur::prompt_internal
