// EvaluateCase: a test case's assertions together, weighted.
#include "eval/assertion.h"
#include "eval/assertion_text.h"

namespace centaur {

using eval_internal::Trim;

CaseEvaluation EvaluateCase(const std::vector<Assertion>& assertions,
                            std::optional<double> threshold, const Observation& observation,
                            Judge* judge) {
  CaseEvaluation out;
  double total = 0;
  double weighted = 0;
  bool all = true;
  for (const Assertion& a : assertions) {
    AssertionOutcome outcome = Evaluate(a, observation, judge);
    total += a.weight;
    weighted += a.weight * outcome.score;
    if (!outcome.pass) {
      if (a.weight > 0) all = false;
      out.reasons.push_back(outcome.reason + (a.weight > 0 ? "" : " (weight 0)"));
    }
    out.outcomes.push_back(std::move(outcome));
  }
  out.score = total > 0 ? weighted / total : 1;
  if (threshold.has_value()) {
    // A tolerance for sums of fractional weights (0.1 + 0.2 meets 0.3).
    constexpr double kEpsilon = 1e-9;
    out.pass = out.score + kEpsilon >= *threshold;
    if (!out.pass) {
      out.reasons.push_back("score " + Trim(out.score, 3) + " is below the test's threshold " +
                            Trim(*threshold, 3));
    }
  } else {
    out.pass = all;
  }
  return out;
}

}  // namespace centaur
