// MeasureRun and FindSplitGap on a temporary SQLite store.
#include "engine/measure.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "measure_test_util.h"

namespace centaur {
namespace {

using measure_test::Out;
using measure_test::StoreFixture;
using measure_test::TaskYaml;

class MeasureTest : public StoreFixture {};

TEST_F(MeasureTest, ClassificationScoresLabeledItemsAgainstTheEffectiveGold) {
  DatasetInfo d = Dataset("d", {"refund", "refund", "card", "card", "other", "", "other"});
  Task task = Version(TaskYaml());
  int64_t run =
      Run(task, d, "val", Labels({"refund", "card", "card", "!", "other", "refund", "refund"}));
  auto m = MeasureRun(store_.get(), run);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_TRUE(m->target.classification());
  EXPECT_EQ(m->target.field, "label");
  EXPECT_EQ(m->split, "val");
  EXPECT_EQ(m->items, 7);
  EXPECT_EQ(m->expected, 7);
  EXPECT_EQ(m->labeled, 6);
  EXPECT_EQ(m->unlabeled, 1);
  EXPECT_EQ(m->failed, 1);
  const ClassificationMetrics& c = m->classification;
  // The recorded correctness (all true) is ignored: 3 of 6 are right.
  EXPECT_EQ(c.n, 6);
  EXPECT_EQ(c.correct, 3);
  EXPECT_DOUBLE_EQ(*c.accuracy, 0.5);
  EXPECT_EQ(c.labels, (std::vector<std::string>{"refund", "card", "other"}));
  EXPECT_EQ(c.confusion, (std::vector<std::vector<int64_t>>{{1, 1, 0}, {0, 1, 0}, {1, 0, 1}}));
  EXPECT_EQ(c.per_class[1].support, 2);
  EXPECT_EQ(c.per_class[1].failed, 1);
  EXPECT_DOUBLE_EQ(c.per_class[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(c.per_class[2].recall, 0.5);
  EXPECT_NEAR(*c.macro_f1, (0.5 + 0.5 + 2.0 / 3) / 3, 1e-12);
  EXPECT_NEAR(*c.micro_f1, 2 * 0.6 * 0.5 / 1.1, 1e-12);
  ASSERT_TRUE(c.accuracy_ci.has_value() && c.macro_f1_ci.has_value());
  // The same numbers as the metrics library on the same predictions.
  MetricsOptions options;
  options.labels = {"refund", "card", "other"};
  ClassificationMetrics direct = ComputeClassification({{"refund", "refund", false},
                                                        {"refund", "card", false},
                                                        {"card", "card", false},
                                                        {"card", "", true},
                                                        {"other", "other", false},
                                                        {"other", "refund", false}},
                                                       options);
  EXPECT_EQ(*direct.weighted_f1, *c.weighted_f1);
  EXPECT_EQ(direct.macro_f1_ci->lower, c.macro_f1_ci->lower);
  EXPECT_EQ(direct.macro_f1_ci->upper, c.macro_f1_ci->upper);
  ASSERT_EQ(m->notes.size(), 1u);
  EXPECT_EQ(m->notes[0], "1 of 7 items have no gold label: scores are over the 6 labeled items");
  HeadlineScores h = Headline(*m);
  EXPECT_EQ(h.run_id, run);
  EXPECT_EQ(*h.accuracy, 0.5);
  EXPECT_EQ(*h.macro_f1, *c.macro_f1);
}

TEST_F(MeasureTest, OneClass) {
  DatasetInfo d = Dataset("d", {"refund", "refund", "refund"});
  Task task = Version(TaskYaml("Message: {{text}}", "refund"));
  auto m = MeasureRun(store_.get(), Run(task, d, "val", Labels({"refund", "refund", "refund"})));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(*m->classification.accuracy, 1.0);
  EXPECT_EQ(*m->classification.macro_f1, 1.0);
  EXPECT_EQ(m->classification.confusion, (std::vector<std::vector<int64_t>>{{3}}));
  EXPECT_TRUE(m->notes.empty());
}

TEST_F(MeasureTest, EmptySplit) {
  DatasetInfo d = Dataset("d", {"refund", "card"}, {"test", "test"});
  Task task = Version(TaskYaml());
  auto m = MeasureRun(store_.get(), Run(task, d, "val", {}));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->items, 0);
  EXPECT_EQ(m->expected, 0);
  EXPECT_EQ(m->labeled, 0);
  EXPECT_FALSE(m->classification.accuracy || m->classification.macro_f1 ||
               m->classification.accuracy_ci || m->classification.macro_f1_ci);
  EXPECT_EQ(m->classification.per_class.size(), 3u);
  EXPECT_TRUE(m->notes.empty());
  EXPECT_FALSE(Headline(*m).accuracy.has_value());
}

TEST_F(MeasureTest, AllWrong) {
  DatasetInfo d = Dataset("d", {"refund", "card", "other", "refund"});
  Task task = Version(TaskYaml());
  auto m = MeasureRun(store_.get(), Run(task, d, "val", Labels({"card", "other", "!", "!"})));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(*m->classification.accuracy, 0.0);
  EXPECT_EQ(*m->classification.macro_f1, 0.0);
  EXPECT_EQ(*m->classification.micro_f1, 0.0);
  EXPECT_EQ(m->classification.accuracy_ci->lower, 0.0);
  EXPECT_GT(m->classification.accuracy_ci->upper, 0.0);
  EXPECT_EQ(m->failed, 2);
}

TEST_F(MeasureTest, AllUnlabeledAreCountedNotScored) {
  DatasetInfo d = Dataset("d", {"", "", ""});
  Task task = Version(TaskYaml());
  auto m = MeasureRun(store_.get(), Run(task, d, "val", Labels({"card", "other", "!"})));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->items, 3);
  EXPECT_EQ(m->labeled, 0);
  EXPECT_EQ(m->unlabeled, 3);
  EXPECT_EQ(m->failed, 0);
  EXPECT_FALSE(m->classification.accuracy.has_value());
  ASSERT_EQ(m->notes.size(), 1u);
  EXPECT_EQ(m->notes[0], "3 of 3 items have no gold label: scores are over the 0 labeled items");
}

TEST_F(MeasureTest, ASubsetOfTheSplitSaysSo) {
  DatasetInfo d = Dataset("d", {"refund", "card", "other", "refund"});
  Task task = Version(TaskYaml());
  auto limited = MeasureRun(store_.get(),
                            Run(task, d, "val", Labels({"refund", "card"}), "openai:m1", true, 2));
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->notes, std::vector<std::string>{
                                "the run covers 2 of the 4 items of the val split (--limit 2)"});
  auto unfinished =
      MeasureRun(store_.get(), Run(task, d, "val", Labels({"refund"}), "openai:m1", false));
  ASSERT_TRUE(unfinished.ok());
  EXPECT_EQ(unfinished->notes,
            std::vector<std::string>{"the run is unfinished: 1 of 4 items have a result"});
}

TEST_F(MeasureTest, GoldOutsideTheClassesIsWrongAndNoted) {
  DatasetInfo d = Dataset("d", {"refund", "lost_card"});
  Task task = Version(TaskYaml());
  auto m = MeasureRun(store_.get(), Run(task, d, "val", Labels({"refund", "card"})));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m->classification.accuracy, 0.5);
  EXPECT_EQ(m->classification.gold_outside_labels, 1);
  EXPECT_EQ(m->notes, std::vector<std::string>{"1 gold labels are not among the task's classes: "
                                               "they count as wrong and have no row"});
}

TEST_F(MeasureTest, SplitOfARunOverAllSplits) {
  DatasetInfo d =
      Dataset("d", {"refund", "card", "other", "refund"}, {"val", "test", "val", "test"});
  Task task = Version(TaskYaml());
  int64_t all = Run(task, d, "all", Labels({"refund", "card", "card", "card"}));
  MeasureOptions options;
  options.split = "test";
  auto m = MeasureRun(store_.get(), all, options);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->split, "test");
  EXPECT_EQ(m->items, 2);
  EXPECT_EQ(m->expected, 2);
  EXPECT_EQ(*m->classification.accuracy, 0.5);
  EXPECT_EQ(m->notes, std::vector<std::string>{fmt::format(
                          "only the test items of run {}, which covers every split", all)});
  int64_t val = Run(task, d, "val", Labels({"refund", "card", "other", "refund"}));
  auto wrong = MeasureRun(store_.get(), val, options);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong.error().message, fmt::format("run {} is a run on the val split, not test", val));
}

TEST_F(MeasureTest, GapBetweenValidationAndTest) {
  DatasetInfo d =
      Dataset("d", {"refund", "card", "other", "refund"}, {"val", "val", "test", "test"});
  Task task = Version(TaskYaml());
  std::vector<Out> outs = Labels({"refund", "card", "card", "refund"});
  int64_t val = Run(task, d, "val", {outs[0], outs[1]});
  auto m = MeasureRun(store_.get(), val);
  ASSERT_TRUE(m.ok());
  auto none = FindSplitGap(store_.get(), *m);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  int64_t test = Run(task, d, "test", {outs[2], outs[3]});
  Run(task, d, "test", {outs[3]}, "openai:other-model");  // newer, another model: not used
  auto gap = FindSplitGap(store_.get(), *m);
  ASSERT_TRUE(gap.ok()) << gap.error().message;
  ASSERT_TRUE(gap->has_value());
  EXPECT_EQ((*gap)->val.run_id, val);
  EXPECT_EQ((*gap)->test.run_id, test);
  EXPECT_EQ(*(*gap)->val.accuracy, 1.0);
  EXPECT_EQ(*(*gap)->test.accuracy, 0.5);
  EXPECT_EQ(*(*gap)->accuracy, -0.5);
  EXPECT_EQ(*(*gap)->macro_f1, *(*gap)->test.macro_f1 - *(*gap)->val.macro_f1);
  // From the test run's side, the same pair.
  auto from_test = MeasureRun(store_.get(), test);
  ASSERT_TRUE(from_test.ok());
  auto gap2 = FindSplitGap(store_.get(), *from_test);
  ASSERT_TRUE(gap2.ok() && gap2->has_value());
  EXPECT_EQ((*gap2)->val.run_id, val);
  EXPECT_EQ(*(*gap2)->accuracy, -0.5);
}

TEST_F(MeasureTest, MeasureWithGapReadsTheCounterpartOnASecondConnection) {
  DatasetInfo d =
      Dataset("d", {"refund", "card", "other", "refund"}, {"val", "val", "test", "test"});
  Task task = Version(TaskYaml());
  std::vector<Out> outs = Labels({"refund", "other", "card", "refund"});
  int64_t val = Run(task, d, "val", {outs[0], outs[1]});
  int64_t test = Run(task, d, "test", {outs[2], outs[3]});
  int opened = 0;
  const std::string db = dir_ + "/c.db";
  auto m = MeasureRunWithGap(store_.get(), test, {}, [&] {
    ++opened;
    return OpenSqliteStore(db);
  });
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(m->metrics.run.id, test);
  ASSERT_TRUE(m->gap.has_value());
  EXPECT_EQ(m->gap->val.run_id, val);
  EXPECT_EQ(*m->gap->val.accuracy, 0.5);
  EXPECT_EQ(*m->gap->test.accuracy, 0.5);
  EXPECT_EQ(*m->gap->accuracy, 0.0);
  // The same without a second connection, and without a counterpart.
  auto serial = MeasureRunWithGap(store_.get(), val);
  ASSERT_TRUE(serial.ok() && serial->gap.has_value());
  EXPECT_EQ(serial->gap->test.run_id, test);
  EXPECT_FALSE(serial->gap->test.macro_f1_ci.has_value());  // point scores only
  EXPECT_TRUE(serial->gap->val.macro_f1_ci.has_value());
  DatasetInfo lone = Dataset("lone", {"refund"});
  auto none = MeasureRunWithGap(store_.get(), Run(task, lone, "val", Labels({"refund"})), {}, [&] {
    ++opened;
    return OpenSqliteStore(db);
  });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->gap.has_value());
  EXPECT_EQ(opened, 1);  // nothing to measure beside it: no second connection
}

TEST_F(MeasureTest, ExtractionTargetsScoreExactNormalizedAndPerField) {
  DatasetInfo d = Dataset(
      "d", {R"({"name": "Ada Lovelace", "year": 1815})", R"({"name": "Alan Turing", "year": 1912})",
            R"({"name": "Grace Hopper", "year": 1906})", ""});
  Task task = Version(measure_test::ExtractYaml());
  std::vector<Out> outs = {
      {"i0", Json::parse(R"({"name": "Ada Lovelace", "year": 1815})")},
      {"i1", Json::parse(R"({"name": "alan  turing", "year": 1912})")},
      {"i2", std::nullopt},
      {"i3", Json::parse(R"({"name": "x", "year": 1})")},
  };
  auto m = MeasureRun(store_.get(), Run(task, d, "val", outs));
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_FALSE(m->target.classification());
  EXPECT_EQ(m->labeled, 3);
  EXPECT_EQ(m->unlabeled, 1);
  EXPECT_EQ(m->match.n, 3);
  EXPECT_EQ(m->match.exact, 1);
  EXPECT_EQ(m->match.normalized, 2);
  EXPECT_EQ(m->match.failed, 1);
  ASSERT_EQ(m->match.fields.size(), 2u);
  EXPECT_EQ(m->match.fields[0].field, "name");
  EXPECT_EQ(m->match.fields[0].exact, 1);
  EXPECT_EQ(m->match.fields[0].normalized, 2);
  EXPECT_EQ(m->match.fields[1].field, "year");
  EXPECT_EQ(m->match.fields[1].exact, 2);
  HeadlineScores h = Headline(*m);
  EXPECT_DOUBLE_EQ(*h.accuracy, 1.0 / 3);
  EXPECT_FALSE(h.macro_f1.has_value());
}

TEST_F(MeasureTest, UnknownRunAndMissingVersion) {
  auto none = MeasureRun(store_.get(), 42);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  DatasetInfo d = Dataset("d", {"refund"});
  auto task = ParseTask(TaskYaml(), "task.yaml");  // never stored
  ASSERT_TRUE(task.ok());
  auto m = MeasureRun(store_.get(), Run(*task, d, "val", Labels({"refund"})));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().message,
            "version " + task->version + " of task \"intent\" is not in the store");
}

TEST(RunTargetTest, TargetValuesAndLabels) {
  RunTarget t = RunTargetFromSpec(Json::parse(
      R"({"target": "n", "output": {"properties": {"n": {"type": "integer", "enum": [1, 2, 2]}}}})"));
  EXPECT_EQ(t.field, "n");
  EXPECT_EQ(t.labels, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(LabelText(Json(2)), "2");
  EXPECT_EQ(*TargetValue(t, Json::parse(R"({"thoughts": "t", "n": 2})")), Json(2));
  EXPECT_FALSE(TargetValue(t, Json::parse(R"({"thoughts": "t"})")).has_value());
  EXPECT_FALSE(TargetValue(t, Json()).has_value());
  RunTarget whole = RunTargetFromSpec(Json::parse(R"({"target": "", "output": null})"));
  EXPECT_FALSE(whole.classification());
  EXPECT_EQ(*TargetValue(whole, Json::parse(R"({"thoughts": "t", "a": 1, "b": 2})")),
            Json::parse(R"({"a": 1, "b": 2})"));
  EXPECT_EQ(ThoughtsOf(Json::parse(R"({"thoughts": "why"})")), "why");
  EXPECT_EQ(ThoughtsOf(Json("text")), "");
}

}  // namespace
}  // namespace centaur
