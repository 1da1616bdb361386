// Assertion suites (`centaur test`): a YAML file of test cases for one task,
// in the shape promptfoo users know:
//
//   description: banking smoke tests      # optional; default: the file's stem
//   task: task.yaml                       # relative to the suite file
//   model: openai:gpt-4o-mini-2024-07-18  # optional override of the task's
//   threshold: 0.9                        # required pass rate (default 1)
//   judge_task: judge.yaml                # optional: grades `judge` assertions
//   defaultTest: {vars: {...}, assert: [...], threshold: 0.5}
//   tests:
//     - description: refund request
//       vars: {text: I want my money back}
//       assert:
//         - {type: equals, path: label, value: refund}
//
// Loading checks everything up front and names FILE:LINE:COL in every error:
// unknown keys, wrong types, unknown assertion types (with the nearest
// name), bad regular expressions and schemas, vars that are not the task's
// inputs or do not match their schemas. The task (and judge task) are loaded
// too; their own errors name their own files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "eval/assertion.h"
#include "prompt/task.h"

namespace centaur {

struct SuiteCase {
  std::string name;                   // the description, else "test N" (1-based)
  Json vars;                          // object: the task's inputs (defaultTest's vars merged in)
  std::vector<Assertion> assertions;  // defaultTest's first, then the case's own
  std::optional<double> threshold;    // min weighted score; nullopt: all must pass
  std::string where;                  // FILE:LINE:COL of the case
};

struct Suite {
  std::string path;  // the suite file as given
  std::string name;  // its description, else the file's stem
  Task task;
  std::string model;       // "provider:model" override; empty: the task's
  double threshold = 1.0;  // required pass rate
  std::optional<Task> judge_task;
  std::vector<SuiteCase> cases;
};

Result<Suite> LoadSuite(const std::string& path);
// Same, from text; `path` names the file in errors and anchors relative paths.
Result<Suite> ParseSuite(const std::string& text, const std::string& path);

// A judge task takes the inputs `rubric` and `output` (strings) and
// optionally `vars` (an object), and its output schema has a boolean `pass`
// (optionally a string `reason` and a number `score`). OK or a message
// saying what is missing.
Status CheckJudgeTask(const Task& task);

}  // namespace centaur
