// Evaluate: one assertion applied to one call's observation.
#include <fmt/format.h>
#include <re2/re2.h>

#include "eval/assertion.h"
#include "eval/assertion_text.h"
#include "prompt/yaml_value.h"

namespace centaur {
namespace {

using eval_internal::CodePoints;
using eval_internal::OneLine;
using eval_internal::Show;
using eval_internal::ShowList;
using eval_internal::TextOf;
using eval_internal::Trim;
using eval_internal::WordCount;
using prompt_internal::DumpCompact;

std::string Ms(double ms) { return Trim(ms, 1) + " ms"; }
std::string Dollars(double d) { return fmt::format("${}", Trim(d, 8)); }

std::string RangePhrase(const Assertion& a, const std::string& unit) {
  if (a.min.has_value() && a.max.has_value()) {
    if (*a.min == *a.max) return "to have exactly " + std::to_string(*a.min) + " " + unit;
    return "to have between " + std::to_string(*a.min) + " and " + std::to_string(*a.max) + " " +
           unit;
  }
  if (a.min.has_value()) return "to have at least " + std::to_string(*a.min) + " " + unit;
  return "to have at most " + std::to_string(*a.max) + " " + unit;
}

bool InRange(const Assertion& a, int64_t n) {
  return (!a.min.has_value() || n >= *a.min) && (!a.max.has_value() || n <= *a.max);
}

bool Equal(const Json& actual, const Json& expected, bool text_output) {
  if (text_output && actual.is_string() && !expected.is_string()) {
    return actual.get<std::string>() == DumpCompact(expected);
  }
  return actual == expected;
}

// Parses `subject` as JSON when it is a free-text output; a structured
// output (or a field of one) is JSON already. On failure returns null and
// sets `*error`.
Json AsJson(const Json& subject, bool text_output, std::string* error) {
  if (!text_output || !subject.is_string()) return subject;
  Result<Json> parsed = ParseAndValidate(subject.get<std::string>(), Schema());
  if (!parsed.ok()) {
    *error = "not JSON: " + parsed.error().message;
    return Json();
  }
  return std::move(parsed).value();
}

class Evaluator {
 public:
  Evaluator(const Assertion& a, const Observation& obs, Judge* judge)
      : a_(a), obs_(obs), judge_(judge) {
    name_ = a.path.has_value() ? a.path->text() : "output";
  }

  AssertionOutcome Run() {
    switch (a_.type) {
      case AssertionType::kLatency:
        return Latency();
      case AssertionType::kCost:
        return Cost();
      default:
        break;
    }
    const Json* subject = a_.path.has_value() ? a_.path->Select(obs_.output) : &obs_.output;
    if (subject == nullptr) {
      return Unknown(Expected(Phrase(nullptr)) + ", but the output has no " + name_);
    }
    if (a_.type == AssertionType::kJudge) return JudgeIt(*subject);
    std::string detail;
    bool raw = Check(*subject, &detail);
    bool pass = raw != a_.negate;
    if (pass) return {true, 1, ""};
    std::string reason = Expected(Phrase(subject)) + ", got " + Actual(*subject);
    if (!detail.empty()) reason += " (" + detail + ")";
    return {false, 0, reason};
  }

 private:
  static AssertionOutcome Unknown(std::string reason) { return {false, 0, std::move(reason)}; }

  std::string Expected(const std::string& phrase) const {
    return "expected " + name_ + (a_.negate ? " not " : " ") + phrase;
  }

  // What the assertion expects; `subject` (may be null) picks the unit of a
  // length: items for a list, characters otherwise.
  std::string Phrase(const Json* subject) const {
    switch (a_.type) {
      case AssertionType::kEquals:
      case AssertionType::kFieldEquals:
        return "to equal " + Show(a_.value);
      case AssertionType::kOneOf:
        return "to be one of " + ShowList(a_.value);
      case AssertionType::kContains:
        return "to contain " + Show(a_.value);
      case AssertionType::kIContains:
        return "to contain " + Show(a_.value) + " (any case)";
      case AssertionType::kStartsWith:
        return "to start with " + Show(a_.value);
      case AssertionType::kContainsAny:
        return "to contain any of " + ShowList(a_.value);
      case AssertionType::kContainsAll:
        return "to contain all of " + ShowList(a_.value);
      case AssertionType::kRegex:
        return "to match /" + a_.value.get<std::string>() + "/";
      case AssertionType::kIsJson:
        return a_.schema ? "to be JSON matching the schema" : "to be JSON";
      case AssertionType::kJsonSchema:
        return "to match the schema";
      case AssertionType::kLength:
        return RangePhrase(a_, subject != nullptr && subject->is_array() ? "items" : "characters");
      case AssertionType::kWordCount:
        return RangePhrase(a_, "words");
      default:
        return "to pass";
    }
  }

  std::string Actual(const Json& subject) const {
    if (a_.type == AssertionType::kLength) {
      size_t n = subject.is_array() ? subject.size() : CodePoints(TextOf(subject));
      return std::to_string(n);
    }
    if (a_.type == AssertionType::kWordCount) {
      return std::to_string(WordCount(TextOf(subject)));
    }
    return Show(subject);
  }

  bool Check(const Json& subject, std::string* detail) const {
    bool text_output = !obs_.structured;
    switch (a_.type) {
      case AssertionType::kEquals:
      case AssertionType::kFieldEquals:
        return Equal(subject, a_.value, text_output);
      case AssertionType::kOneOf:
        for (const Json& v : a_.value) {
          if (Equal(subject, v, text_output)) return true;
        }
        return false;
      case AssertionType::kContains:
        return TextOf(subject).find(a_.value.get<std::string>()) != std::string::npos;
      case AssertionType::kIContains: {
        RE2::Options options;
        options.set_case_sensitive(false);
        options.set_log_errors(false);
        RE2 re(RE2::QuoteMeta(a_.value.get<std::string>()), options);
        return RE2::PartialMatch(TextOf(subject), re);
      }
      case AssertionType::kStartsWith:
        return TextOf(subject).starts_with(a_.value.get<std::string>());
      case AssertionType::kContainsAny:
      case AssertionType::kContainsAll: {
        std::string text = TextOf(subject);
        std::string missing;
        bool any = false;
        for (const Json& v : a_.value) {
          if (text.find(v.get<std::string>()) != std::string::npos) {
            any = true;
          } else {
            missing += (missing.empty() ? "missing " : ", ") + Show(v);
          }
        }
        if (a_.type == AssertionType::kContainsAny) return any;
        if (!a_.negate) *detail = missing;
        return missing.empty();
      }
      case AssertionType::kRegex:
        return RE2::PartialMatch(TextOf(subject), *a_.regex);
      case AssertionType::kIsJson:
      case AssertionType::kJsonSchema: {
        std::string error;
        Json value = AsJson(subject, text_output, &error);
        if (error.empty() && a_.schema) {
          Status valid = a_.schema->Validate(value);
          if (!valid.ok()) error = OneLine(valid.error().message);
        }
        if (!a_.negate) *detail = error;
        return error.empty();
      }
      case AssertionType::kLength: {
        size_t n = subject.is_array() ? subject.size() : CodePoints(TextOf(subject));
        return InRange(a_, static_cast<int64_t>(n));
      }
      case AssertionType::kWordCount:
        return InRange(a_, static_cast<int64_t>(WordCount(TextOf(subject))));
      default:
        return false;
    }
  }

  AssertionOutcome Latency() const {
    if (!obs_.latency_ms.has_value()) {
      return Unknown("latency not measured: " +
                     (obs_.latency_unknown.empty() ? "no timing" : obs_.latency_unknown));
    }
    bool pass = (*obs_.latency_ms <= *a_.threshold) != a_.negate;
    if (pass) return {true, 1, ""};
    return {false, 0,
            "expected latency " + std::string(a_.negate ? "above " : "at most ") +
                Ms(*a_.threshold) + ", got " + Ms(*obs_.latency_ms)};
  }

  AssertionOutcome Cost() const {
    if (!obs_.cost.has_value()) {
      return Unknown("cost unknown: " +
                     (obs_.cost_unknown.empty() ? "no price" : obs_.cost_unknown));
    }
    bool pass = (*obs_.cost <= *a_.threshold) != a_.negate;
    if (pass) return {true, 1, ""};
    return {false, 0,
            "expected cost " + std::string(a_.negate ? "above " : "at most ") +
                Dollars(*a_.threshold) + ", got " + Dollars(*obs_.cost)};
  }

  AssertionOutcome JudgeIt(const Json& subject) const {
    if (judge_ == nullptr) return Unknown("judge: no judge task configured");
    Result<JudgeVerdict> verdict =
        judge_->Grade(a_.value.get<std::string>(), TextOf(subject), obs_.vars);
    if (!verdict.ok()) return Unknown("judge: " + OneLine(verdict.error().message));
    bool raw = verdict->pass;
    double score = raw ? 1 : 0;
    if (verdict->score.has_value()) {
      score = *verdict->score;
      if (a_.threshold.has_value()) raw = score >= *a_.threshold;
    }
    if (a_.negate) score = 1 - score;
    bool pass = raw != a_.negate;
    if (pass) return {true, score, ""};
    std::string why = verdict->reason.empty() ? "" : ": " + OneLine(verdict->reason);
    if (a_.negate) return {false, score, "judge: expected the rubric to fail, it passed" + why};
    std::string scored =
        verdict->score.has_value() && a_.threshold.has_value()
            ? " (score " + Trim(*verdict->score, 3) + " < " + Trim(*a_.threshold, 3) + ")"
            : "";
    return {false, score, "judge: the rubric failed" + scored + why};
  }

  const Assertion& a_;
  const Observation& obs_;
  Judge* judge_;
  std::string name_;
};

}  // namespace

AssertionOutcome Evaluate(const Assertion& assertion, const Observation& observation,
                          Judge* judge) {
  return Evaluator(assertion, observation, judge).Run();
}

}  // namespace centaur
