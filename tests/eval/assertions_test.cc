// Assertions: every type, negation, paths, weights and thresholds, RE2
// safety, and the exact one-line reasons a failing assertion gives.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "eval/assertion.h"

namespace centaur {
namespace {

Assertion Make(const Json& spec) {
  Result<Assertion> a = CompileAssertion(spec);
  EXPECT_TRUE(a.ok()) << spec.dump() << ": " << (a.ok() ? "" : a.error().message);
  return a.ok() ? std::move(a).value() : Assertion();
}

// An intent classifier's output with a nested object and a list.
Observation Output() {
  Observation o;
  o.output = {{"thoughts", "The customer wants their money back."},
              {"label", "card_arrival"},
              {"customer", {{"name", "Ada"}, {"tier", 2}}},
              {"tags", {"urgent", "card"}}};
  o.latency_ms = 120;
  o.cost = 0.0005;
  return o;
}

Observation Text(const std::string& text) {
  Observation o;
  o.output = text;
  o.structured = false;
  o.latency_ms = 10;
  o.cost = 0;
  return o;
}

// The reason `spec` gives on `obs`; "" when it passes.
std::string Reason(const Json& spec, const Observation& obs = Output()) {
  AssertionOutcome outcome = Evaluate(Make(spec), obs, nullptr);
  EXPECT_EQ(outcome.pass, outcome.reason.empty()) << spec.dump();
  return outcome.reason;
}

TEST(AssertionTest, Equals) {
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "label"}, {"value", "card_arrival"}}), "");
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "label"}, {"value", "refund"}}),
            "expected label to equal \"refund\", got \"card_arrival\"");
  EXPECT_EQ(
      Reason({{"type", "equals"}, {"path", "customer"}, {"value", {{"tier", 2}, {"name", "Ada"}}}}),
      "");
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "customer.tier"}, {"value", 2.0}}), "");
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "customer.tier"}, {"value", "2"}}),
            "expected customer.tier to equal \"2\", got 2");
  // Free text compares as text, numbers included.
  EXPECT_EQ(Reason({{"type", "equals"}, {"value", 42}}, Text("42")), "");
  EXPECT_EQ(Reason({{"type", "equals"}, {"value", "hello"}}, Text("hello!")),
            "expected output to equal \"hello\", got \"hello!\"");
}

TEST(AssertionTest, FieldEqualsNeedsAPath) {
  EXPECT_EQ(Reason({{"type", "field-equals"}, {"path", "customer.name"}, {"value", "Bob"}}),
            "expected customer.name to equal \"Bob\", got \"Ada\"");
  Result<Assertion> a = CompileAssertion({{"type", "field-equals"}, {"value", "x"}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "field-equals needs a \"path\" (e.g. path: label)");
}

TEST(AssertionTest, OneOf) {
  EXPECT_EQ(Reason({{"type", "one-of"}, {"path", "label"}, {"value", {"refund", "card_arrival"}}}),
            "");
  EXPECT_EQ(Reason({{"type", "one-of"}, {"path", "label"}, {"value", {"refund", "other"}}}),
            "expected label to be one of [\"refund\", \"other\"], got \"card_arrival\"");
}

TEST(AssertionTest, ContainsFamily) {
  EXPECT_EQ(Reason({{"type", "contains"}, {"path", "thoughts"}, {"value", "money"}}), "");
  EXPECT_EQ(Reason({{"type", "contains"}, {"path", "thoughts"}, {"value", "Money"}}),
            "expected thoughts to contain \"Money\", got \"The customer wants their money "
            "back.\"");
  EXPECT_EQ(Reason({{"type", "icontains"}, {"path", "thoughts"}, {"value", "MONEY"}}), "");
  // Case folding is Unicode-aware.
  EXPECT_EQ(Reason({{"type", "icontains"}, {"value", "ÉCOLE"}}, Text("une école")), "");
  EXPECT_EQ(Reason({{"type", "icontains"}, {"value", "a.c"}}, Text("abc")),
            "expected output to contain \"a.c\" (any case), got \"abc\"");
  EXPECT_EQ(Reason({{"type", "not-contains"}, {"path", "thoughts"}, {"value", "sorry"}}), "");
  EXPECT_EQ(Reason({{"type", "not-icontains"}, {"path", "thoughts"}, {"value", "CUSTOMER"}}),
            "expected thoughts not to contain \"CUSTOMER\" (any case), got \"The customer wants "
            "their money back.\"");
  EXPECT_EQ(Reason({{"type", "starts-with"}, {"path", "thoughts"}, {"value", "The"}}), "");
  EXPECT_EQ(Reason({{"type", "starts-with"}, {"path", "label"}, {"value", "refund"}}),
            "expected label to start with \"refund\", got \"card_arrival\"");
  EXPECT_EQ(Reason({{"type", "contains-any"}, {"value", {"x", "card"}}}, Text("my card")), "");
  EXPECT_EQ(Reason({{"type", "contains-any"}, {"value", {"x", "z"}}}, Text("my card")),
            "expected output to contain any of [\"x\", \"z\"], got \"my card\"");
  EXPECT_EQ(
      Reason({{"type", "contains-all"}, {"value", {"my", "card", "pin", "lost"}}}, Text("my card")),
      "expected output to contain all of [\"my\", \"card\", \"pin\", \"lost\"], got \"my "
      "card\" (missing \"pin\", \"lost\")");
  // Without a path a structured output is searched as compact JSON.
  EXPECT_EQ(Reason({{"type", "contains"}, {"value", "\"label\":\"card_arrival\""}}), "");
}

TEST(AssertionTest, Regex) {
  EXPECT_EQ(Reason({{"type", "regex"}, {"path", "label"}, {"value", "^card_"}}), "");
  EXPECT_EQ(Reason({{"type", "regex"}, {"path", "label"}, {"value", "^\\d+$"}}),
            "expected label to match /^\\d+$/, got \"card_arrival\"");
  EXPECT_EQ(Reason({{"type", "not-regex"}, {"path", "label"}, {"value", "arr"}}),
            "expected label not to match /arr/, got \"card_arrival\"");
}

TEST(AssertionTest, RegexIsLinearOnPathologicalPatterns) {
  // Catastrophic for a backtracking engine: (a+)+$ against a^n b.
  std::string text(100000, 'a');
  text += 'b';
  auto start = std::chrono::steady_clock::now();
  EXPECT_NE(Reason({{"type", "regex"}, {"value", "(a+)+$"}}, Text(text)), "");
  EXPECT_NE(Reason({{"type", "regex"}, {"value", "^(a|aa)*$"}}, Text(text)), "");
  EXPECT_EQ(Reason({{"type", "regex"}, {"value", "(x+x+)+y|a{5}b$"}}, Text(text)), "");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
}

TEST(AssertionTest, RegexErrorsAtCompileTime) {
  Result<Assertion> a = CompileAssertion({{"type", "regex"}, {"value", "(a"}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message,
            "bad regular expression /(a/: missing ): (a (RE2 syntax: no backreferences or "
            "lookaround)");
  SpecProblem problem;
  a = CompileAssertion({{"type", "regex"}, {"value", "(a)\\1"}}, &problem);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message,
            "bad regular expression /(a)\\1/: invalid escape sequence: \\1 (RE2 syntax: no "
            "backreferences or lookaround)");
  EXPECT_EQ(problem.key, "value");
  EXPECT_FALSE(problem.at_key);
}

TEST(AssertionTest, JsonAndSchema) {
  Json schema = {{"type", "object"}, {"required", {"label"}}};
  EXPECT_EQ(Reason({{"type", "is-json"}}, Text("{\"a\": 1}")), "");
  EXPECT_EQ(Reason({{"type", "is-json"}}, Text("nope")),
            "expected output to be JSON, got \"nope\" (not JSON: line 1, column 2: syntax error "
            "while parsing value - invalid literal; last read: 'no')");
  EXPECT_EQ(Reason({{"type", "not-is-json"}}, Text("nope")), "");
  EXPECT_EQ(Reason({{"type", "json-schema"}, {"value", schema}}), "");
  EXPECT_EQ(Reason({{"type", "json-schema"}, {"value", schema}}, Text("{\"x\": 1}")),
            "expected output to match the schema, got \"{\\\"x\\\": 1}\" (/: missing required "
            "property \"label\")");
  EXPECT_EQ(Reason({{"type", "json-schema"},
                    {"path", "tags"},
                    {"value", {{"type", "array"}, {"maxItems", 1}}}}),
            "expected tags to match the schema, got [\"urgent\",\"card\"] (/: array is too "
            "long (2 items, maximum 1))");
  Result<Assertion> bad =
      CompileAssertion({{"type", "json-schema"}, {"value", {{"type", "strin"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "\"value\" is not a valid JSON Schema: /: \"type\": unknown type \"strin\" (did you "
            "mean \"string\"?)");
}

TEST(AssertionTest, LengthAndWordCount) {
  EXPECT_EQ(Reason({{"type", "length"}, {"path", "label"}, {"max", 5}}),
            "expected label to have at most 5 characters, got 12");
  EXPECT_EQ(Reason({{"type", "length"}, {"path", "tags"}, {"min", 3}}),
            "expected tags to have at least 3 items, got 2");
  EXPECT_EQ(Reason({{"type", "length"}, {"path", "tags"}, {"min", 2}, {"max", 2}}), "");
  EXPECT_EQ(Reason({{"type", "length"}, {"min", 1}, {"max", 3}}, Text("été!")),
            "expected output to have between 1 and 3 characters, got 4");
  EXPECT_EQ(Reason({{"type", "word-count"}, {"path", "thoughts"}, {"max", 5}}),
            "expected thoughts to have at most 5 words, got 6");
  EXPECT_EQ(Reason({{"type", "word-count"}, {"min", 2}, {"max", 2}}, Text("  two\n words ")), "");
  EXPECT_EQ(Reason({{"type", "not-word-count"}, {"min", 1}}, Text("one")),
            "expected output not to have at least 1 words, got 1");
  Result<Assertion> a = CompileAssertion({{"type", "length"}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "length needs \"min\", \"max\" or both");
  a = CompileAssertion({{"type", "length"}, {"min", 5}, {"max", 2}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "\"max\" (2) is less than \"min\" (5)");
}

TEST(AssertionTest, LatencyAndCostCeilings) {
  EXPECT_EQ(Reason({{"type", "latency"}, {"threshold", 500}}), "");
  EXPECT_EQ(Reason({{"type", "latency"}, {"threshold", 100}}),
            "expected latency at most 100 ms, got 120 ms");
  EXPECT_EQ(Reason({{"type", "cost"}, {"threshold", 0.001}}), "");
  EXPECT_EQ(Reason({{"type", "cost"}, {"threshold", 0.0001}}),
            "expected cost at most $0.0001, got $0.0005");
  EXPECT_EQ(Reason({{"type", "not-cost"}, {"threshold", 0.001}}),
            "expected cost above $0.001, got $0.0005");
  Observation unknown = Output();
  unknown.cost.reset();
  unknown.cost_unknown = "no price for openai:mystery";
  unknown.latency_ms.reset();
  unknown.latency_unknown = "the output came from the cache";
  // Unknown is a failure, negated or not.
  EXPECT_EQ(Reason({{"type", "cost"}, {"threshold", 1}}, unknown),
            "cost unknown: no price for openai:mystery");
  EXPECT_EQ(Reason({{"type", "not-cost"}, {"threshold", 1}}, unknown),
            "cost unknown: no price for openai:mystery");
  EXPECT_EQ(Reason({{"type", "latency"}, {"threshold", 1}}, unknown),
            "latency not measured: the output came from the cache");
  Result<Assertion> a = CompileAssertion({{"type", "latency"}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().message, "latency needs a \"threshold\" (the ceiling, in milliseconds)");
}

class FakeJudge : public Judge {
 public:
  Result<JudgeVerdict> Grade(const std::string& rubric, const std::string& output,
                             const Json& vars) override {
    last_rubric = rubric;
    last_output = output;
    last_vars = vars;
    if (fail) return MakeError(ErrorCode::kHttp, "503 from the judge\nsecond line");
    return verdict;
  }
  JudgeVerdict verdict;
  bool fail = false;
  std::string last_rubric, last_output;
  Json last_vars;
};

TEST(AssertionTest, Judge) {
  Assertion a = Make({{"type", "judge"}, {"path", "thoughts"}, {"value", "is polite"}});
  Observation obs = Output();
  obs.vars = {{"text", "hi"}};
  EXPECT_EQ(Evaluate(a, obs, nullptr).reason, "judge: no judge task configured");
  FakeJudge judge;
  judge.verdict = {true, std::nullopt, "polite enough"};
  AssertionOutcome o = Evaluate(a, obs, &judge);
  EXPECT_TRUE(o.pass);
  EXPECT_EQ(judge.last_rubric, "is polite");
  EXPECT_EQ(judge.last_output, "The customer wants their money back.");
  EXPECT_EQ(judge.last_vars, obs.vars);
  judge.verdict = {false, std::nullopt, "curt"};
  EXPECT_EQ(Evaluate(a, obs, &judge).reason, "judge: the rubric failed: curt");
  Assertion negated = Make({{"type", "not-judge"}, {"value", "is rude"}});
  EXPECT_TRUE(Evaluate(negated, obs, &judge).pass);
  judge.verdict = {true, std::nullopt, "rude"};
  EXPECT_EQ(Evaluate(negated, obs, &judge).reason,
            "judge: expected the rubric to fail, it passed: rude");
  // A score and a threshold decide over the verdict's pass.
  Assertion scored = Make({{"type", "judge"}, {"value", "r"}, {"threshold", 0.8}});
  judge.verdict = {true, 0.5, "meh"};
  o = Evaluate(scored, obs, &judge);
  EXPECT_FALSE(o.pass);
  EXPECT_DOUBLE_EQ(o.score, 0.5);
  EXPECT_EQ(o.reason, "judge: the rubric failed (score 0.5 < 0.8): meh");
  judge.fail = true;
  EXPECT_EQ(Evaluate(a, obs, &judge).reason, "judge: 503 from the judge; second line");
}

TEST(AssertionTest, MissingPathFailsEvenNegated) {
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "customer.email"}, {"value", "x"}}),
            "expected customer.email to equal \"x\", but the output has no customer.email");
  EXPECT_EQ(Reason({{"type", "not-contains"}, {"path", "tags[5]"}, {"value", "x"}}),
            "expected tags[5] not to contain \"x\", but the output has no tags[5]");
  EXPECT_EQ(Reason({{"type", "equals"}, {"path", "label"}, {"value", "x"}}, Text("label")),
            "expected label to equal \"x\", but the output has no label");
}

TEST(AssertionTest, NegationOfEveryTypeInvertsTheCheck) {
  Observation obs = Output();
  for (const std::string& type : AssertionTypeNames()) {
    Json spec = {{"type", type}};
    if (type == "latency" || type == "cost") {
      spec["threshold"] = 1000;
    } else if (type == "length" || type == "word-count") {
      spec["min"] = 1;
      spec["path"] = "label";
    } else if (type == "one-of" || type == "contains-any" || type == "contains-all") {
      spec["value"] = {"card_arrival"};
      spec["path"] = "label";
    } else if (type == "json-schema") {
      spec["value"] = {{"type", "string"}};
      spec["path"] = "label";
    } else if (type == "judge") {
      continue;  // needs a judge: covered above
    } else if (type == "is-json") {
      spec["path"] = "customer";
    } else {
      spec["value"] = type == "regex" ? "^card" : "card_arrival";
      spec["path"] = "label";
    }
    EXPECT_TRUE(Evaluate(Make(spec), obs, nullptr).pass) << type;
    spec["type"] = "not-" + type;
    AssertionOutcome negated = Evaluate(Make(spec), obs, nullptr);
    EXPECT_FALSE(negated.pass) << type;
    EXPECT_NE(negated.reason, "") << type;
  }
}

TEST(AssertionTest, CaseScoreWeightsAndThreshold) {
  std::vector<Assertion> as = {
      Make({{"type", "equals"}, {"path", "label"}, {"value", "card_arrival"}, {"weight", 3}}),
      Make({{"type", "contains"}, {"path", "thoughts"}, {"value", "sorry"}}),
      Make({{"type", "equals"}, {"path", "label"}, {"value", "x"}, {"weight", 0}}),
  };
  CaseEvaluation e = EvaluateCase(as, std::nullopt, Output(), nullptr);
  EXPECT_FALSE(e.pass);
  EXPECT_DOUBLE_EQ(e.score, 0.75);
  ASSERT_EQ(e.outcomes.size(), 3u);
  EXPECT_EQ(e.reasons, (std::vector<std::string>{
                           "expected thoughts to contain \"sorry\", got \"The customer wants "
                           "their money back.\"",
                           "expected label to equal \"x\", got \"card_arrival\" (weight 0)"}));
  e = EvaluateCase(as, 0.75, Output(), nullptr);
  EXPECT_TRUE(e.pass);
  e = EvaluateCase(as, 0.8, Output(), nullptr);
  EXPECT_FALSE(e.pass);
  EXPECT_EQ(e.reasons.back(), "score 0.75 is below the test's threshold 0.8");
  // Weight 0 never fails a case by itself.
  e = EvaluateCase({as[0], as[2]}, std::nullopt, Output(), nullptr);
  EXPECT_TRUE(e.pass);
  // No assertions: the case passes (the call succeeded).
  e = EvaluateCase({}, std::nullopt, Output(), nullptr);
  EXPECT_TRUE(e.pass);
  EXPECT_DOUBLE_EQ(e.score, 1);
}

TEST(AssertionTest, LongActualValuesAreCut) {
  std::string reason =
      Reason({{"type", "contains"}, {"value", "zzz"}}, Text(std::string(200, 'x')));
  EXPECT_EQ(reason, "expected output to contain \"zzz\", got \"" + std::string(79, 'x') + "...");
}

}  // namespace
}  // namespace centaur
