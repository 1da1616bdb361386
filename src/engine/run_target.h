// What a run is scored on: the target of the task version the run used, read
// from the store (never guessed from the outputs), and the helpers that turn
// an output and a gold label into comparable values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "store/store.h"

namespace centaur {

struct RunTarget {
  // The output property compared with gold labels. Empty: the task names no
  // target, and the whole output without "thoughts" is compared.
  std::string field;
  // The target's enum values (report order) when it is an enum: a
  // classification target. Empty otherwise.
  std::vector<std::string> labels;
  Json output_schema;  // the version's output schema (null for free text)
  bool classification() const { return !labels.empty(); }
};

// A run as JSON, the shape `centaur runs --json` prints and the UI's API
// serves: run_id, kind, task, version, model, dataset, dataset_id, split,
// status, counts, tokens, cost, accuracy (null when nothing is labeled),
// created_ms, finished_ms (null while running).
Json RunJson(const RunInfo& run);

// The target of `spec`'s task version. kNotFound when the store has no such
// version (runs made before versions were recorded).
Result<RunTarget> LoadRunTarget(Store* store, const RunSpec& spec);

// The target as the task spec (TaskSpecJson) records it.
RunTarget RunTargetFromSpec(const Json& spec);

// The value of `output` that is scored: output[field] (nullopt when absent),
// or with no field the output without "thoughts". nullopt for a null output.
std::optional<Json> TargetValue(const RunTarget& target, const Json& output);

// A value as a class label: strings as they are, anything else as compact
// JSON (so the integer 3 and the CSV label "3" are the same class).
std::string LabelText(const Json& value);

// The output's "thoughts" string, or "".
std::string ThoughtsOf(const Json& output);

}  // namespace centaur
