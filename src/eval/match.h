// Scoring of targets that are not classes (extraction outputs, free values):
// exact match, normalized match and per-field accuracy of object values.
// Pure functions over Json, like metrics.h: no I/O, nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "eval/metrics.h"

namespace centaur {

// The value with case and spacing that carry no meaning removed: strings are
// ASCII-lowercased, runs of whitespace become one space and the ends are
// trimmed; arrays and objects are normalized element by element (objects
// compare by key, whatever their order). Numbers compare by value (1 == 1.0).
Json NormalizeValue(const Json& value);

// predicted == gold as JSON values (object key order never matters).
bool ExactMatch(const Json& predicted, const Json& gold);
// NormalizeValue(predicted) == NormalizeValue(gold).
bool NormalizedMatch(const Json& predicted, const Json& gold);

// A gold label as the value it stands for: when the target is not a string
// and the label is a string holding JSON (a CSV cell such as `{"a": 1}` or
// `3`), the parsed value; otherwise the label itself.
Json GoldValue(const Json& gold, bool target_is_string);

struct FieldScore {
  std::string field;
  int64_t n = 0;           // items whose gold object has this field
  int64_t exact = 0;       // ... and whose output has it with the same value
  int64_t normalized = 0;  // ... or an equal one after NormalizeValue
  std::optional<double> exact_accuracy, normalized_accuracy;
  std::optional<Interval> exact_ci, normalized_ci;  // Wilson
};

struct MatchMetrics {
  int64_t n = 0;       // scored items (failed ones included, as wrong)
  int64_t failed = 0;  // items with no output value
  int64_t exact = 0, normalized = 0;
  std::optional<double> exact_accuracy, normalized_accuracy;  // nullopt when n == 0
  std::optional<Interval> exact_ci, normalized_ci;            // Wilson
  // Top-level fields of gold objects, by name; empty when no gold is an object.
  std::vector<FieldScore> fields;
};

// Accumulates scored items one at a time (a run is streamed, never held).
class MatchScorer {
 public:
  explicit MatchScorer(double confidence = kDefaultConfidence) : confidence_(confidence) {}
  // `predicted` is null for an item that failed or whose output lacks the
  // target: wrong on every count, and on every field of its gold.
  void Add(const Json* predicted, const Json& gold);
  MatchMetrics Finish() const;

 private:
  double confidence_;
  MatchMetrics m_;
};

}  // namespace centaur
