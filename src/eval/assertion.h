// Assertions of an assertion suite (`centaur test`): checks on what one call
// of a task produced — its output (or a field of it), its latency, its cost —
// each with a one-line reason when it fails, e.g.
//   expected label to equal "refund", got "card_arrival"
//
// Types (docs in README "Assertion suites"); any may be negated with "not-":
//   equals, field-equals (path required), one-of          value / value list
//   contains, icontains, starts-with, contains-any, contains-all
//   regex (RE2: linear time, no backtracking)             value: pattern
//   is-json (optional schema), json-schema                value: JSON Schema
//   length, word-count                                    min / max
//   latency (ms), cost ($)                                threshold: ceiling
//   judge                                                 value: rubric
// Text checks see a string as is and any other value as compact JSON;
// is-json and json-schema parse a free-text output, while a structured
// output (or a field of it) is JSON already. A check that cannot be made (the path selects nothing,
// the cost or latency is not known, no judge) fails whether negated or not.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "core/schema.h"
#include "eval/json_path.h"

namespace re2 {
class RE2;
}

namespace centaur {

enum class AssertionType {
  kEquals,
  kFieldEquals,
  kOneOf,
  kContains,
  kIContains,
  kStartsWith,
  kContainsAny,
  kContainsAll,
  kRegex,
  kIsJson,
  kJsonSchema,
  kLength,
  kWordCount,
  kLatency,
  kCost,
  kJudge,
};

struct Assertion {
  AssertionType type = AssertionType::kEquals;
  bool negate = false;
  std::string type_name;  // as written, "not-" included
  Json value;             // null when the type takes none
  std::optional<JsonPath> path;
  double weight = 1;
  std::optional<int64_t> min, max;  // length, word-count
  std::optional<double> threshold;  // latency (ms), cost ($) ceilings; judge min score
  std::shared_ptr<const re2::RE2> regex;
  std::shared_ptr<const Schema> schema;  // json-schema, is-json with a value
};

// Where a problem with an assertion spec is: the key at fault ("" for the
// spec as a whole) and whether the key itself (an unknown key) or its value
// is wrong.
struct SpecProblem {
  std::string key;
  bool at_key = false;
};

// Compiles one assertion spec, a JSON object {type, value, path, weight,
// min, max, threshold}. Errors are kInvalidArgument messages without a
// location (`unknown assertion type "contians" (did you mean "contains"?)`);
// `problem`, when given, says which key to point at.
Result<Assertion> CompileAssertion(const Json& spec, SpecProblem* problem = nullptr);

// The type names CompileAssertion knows, without "not-".
const std::vector<std::string>& AssertionTypeNames();

// What a call produced, as assertions see it.
struct Observation {
  Json output;                       // the validated output; for a free-text task the text
  bool structured = true;            // output came from an output schema (else it is text)
  std::optional<double> latency_ms;  // nullopt: not measured
  std::string latency_unknown;       // why not, e.g. "the output came from the cache"
  std::optional<double> cost;        // nullopt: unknown
  std::string cost_unknown;          // why, e.g. "no price for openai:x"
  Json vars;                         // the test case's vars (for the judge)
};

// A judge's verdict on an output against a rubric.
struct JudgeVerdict {
  bool pass = false;
  std::optional<double> score;  // in [0, 1] when the judge gives one
  std::string reason;
};

// The seam for `judge` assertions: grades `output` (text) against `rubric`.
class Judge {
 public:
  virtual ~Judge() = default;
  virtual Result<JudgeVerdict> Grade(const std::string& rubric, const std::string& output,
                                     const Json& vars) = 0;
};

struct AssertionOutcome {
  bool pass = false;
  double score = 0;    // 0 or 1; a judge's score when it gives one
  std::string reason;  // one line; empty when passed
};

// Checks one assertion. `judge` may be null: judge assertions then fail with
// "judge: no judge task configured".
AssertionOutcome Evaluate(const Assertion& assertion, const Observation& observation, Judge* judge);

// One test case's assertions together: the weighted score (sum of weight x
// score over the sum of weights; 1 when the weights sum to 0) and whether the
// case passes: score >= threshold when one is set, else every assertion of
// weight > 0 passed.
struct CaseEvaluation {
  bool pass = true;
  double score = 1;
  std::vector<AssertionOutcome> outcomes;  // one per assertion, in order
  std::vector<std::string> reasons;        // the failures' reasons (and the score's)
};

CaseEvaluation EvaluateCase(const std::vector<Assertion>& assertions,
                            std::optional<double> threshold, const Observation& observation,
                            Judge* judge);

}  // namespace centaur
