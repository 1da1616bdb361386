// Suite reports: case status, pass^k and pass@k, problems grouped by sample,
// the summary against the threshold, and JUnit XML escaping.
#include "eval/suite_report.h"

#include <gtest/gtest.h>

#include <string>

namespace centaur {
namespace {

SampleOutcome Passed(int k) {
  SampleOutcome s;
  s.sample_index = k;
  s.cost = 0.001;
  s.calls = 1;
  return s;
}

SampleOutcome Failed(int k, std::vector<std::string> reasons) {
  SampleOutcome s = Passed(k);
  s.evaluation.pass = false;
  s.evaluation.reasons = std::move(reasons);
  return s;
}

SampleOutcome Errored(int k, const std::string& message) {
  SampleOutcome s = Passed(k);
  s.error = true;
  s.error_message = message;
  return s;
}

TEST(SuiteReportTest, CaseStatusAndProblems) {
  CaseReport c;
  c.name = "c";
  c.samples = {Passed(0), Passed(1)};
  EXPECT_EQ(c.status(), CaseStatus::kPass);
  EXPECT_TRUE(c.pass_all());
  EXPECT_TRUE(c.Problems().empty());
  c.samples = {Failed(0, {"a", "b"}), Passed(1),        Failed(2, {"a"}),
               Failed(3, {"a"}),      Failed(4, {"a"}), Errored(5, "boom")};
  EXPECT_EQ(c.status(), CaseStatus::kError);  // an error outranks a failure
  EXPECT_EQ(c.passes(), 1);
  EXPECT_FALSE(c.pass_all());
  EXPECT_TRUE(c.pass_any());
  EXPECT_EQ(c.Problems(), (std::vector<std::string>{"samples 1, 3-5: a", "sample 1: b",
                                                    "sample 6: call failed: boom"}));
  c.samples = {Failed(0, {"only"})};
  EXPECT_EQ(c.status(), CaseStatus::kFail);
  EXPECT_EQ(c.Problems(), (std::vector<std::string>{"only"}));  // one sample: no prefix
}

TEST(SuiteReportTest, SummaryAgainstTheThreshold) {
  SuiteReport r;
  r.threshold = 0.5;
  r.repeat = 2;
  CaseReport pass, flaky, broken;
  pass.samples = {Passed(0), Passed(1)};
  flaky.samples = {Passed(0), Failed(1, {"x"})};
  broken.samples = {Errored(0, "e"), Errored(1, "e")};
  broken.samples[0].cost.reset();
  r.cases = {pass, flaky, broken};
  SuiteSummary s = Summarize(r);
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.errors, 1);
  EXPECT_DOUBLE_EQ(s.pass_rate, 1.0 / 3);
  EXPECT_DOUBLE_EQ(s.pass_at_k, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.sample_rate, 3.0 / 6);
  EXPECT_EQ(s.calls, 6);
  EXPECT_FALSE(s.cost.has_value());  // one call's cost is unknown
  EXPECT_FALSE(s.meets_threshold);
  r.threshold = 1.0 / 3;
  EXPECT_TRUE(Summarize(r).meets_threshold);
  r.cases.clear();
  EXPECT_FALSE(Summarize(r).meets_threshold);  // nothing ran: nothing passed
}

TEST(SuiteReportTest, JUnitEscapesEverything) {
  SuiteReport r;
  r.name = "s<&>\"'";
  r.task = "t";
  CaseReport c;
  c.name = "bad \x01 utf8 \xff\xfe end";
  c.samples = {Failed(0, {"expected \"a\" & <b>\nnext line", "second"})};
  r.cases = {c};
  std::string xml = JUnitXml(r);
  EXPECT_NE(xml.find("<testsuite name=\"s&lt;&amp;&gt;&quot;&apos;\" tests=\"1\" failures=\"1\" "
                     "errors=\"0\" skipped=\"0\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD\xEF\xBF\xBD end\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"expected &quot;a&quot; &amp; &lt;b&gt;&#10;next "
                     "line; second\" type=\"assertion\">expected &quot;a&quot; &amp; "
                     "&lt;b&gt;\nnext line\nsecond\n</failure>"),
            std::string::npos)
      << xml;
}

TEST(SuiteReportTest, Json) {
  SuiteReport r;
  r.name = "s";
  r.threshold = 1;
  CaseReport c;
  c.name = "c";
  c.assertion_types = {"equals", "not-contains"};
  SampleOutcome s = Failed(0, {"r"});
  s.evaluation.outcomes = {{true, 1, ""}, {false, 0, "r"}};
  s.evaluation.score = 0.5;
  c.samples = {s};
  r.cases = {c};
  Json j = SuiteReportJson(r);
  EXPECT_EQ(j["cases"][0]["status"], "fail");
  EXPECT_EQ(j["cases"][0]["problems"], Json::array({"r"}));
  const Json& a = j["cases"][0]["results"][0]["assertions"];
  EXPECT_EQ(a[1], (Json{{"type", "not-contains"}, {"pass", false}, {"score", 0}, {"reason", "r"}}));
  EXPECT_EQ(a[0]["reason"], nullptr);
  EXPECT_EQ(j["cases"][0]["results"][0]["score"], 0.5);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["meets_threshold"], false);
}

}  // namespace
}  // namespace centaur
