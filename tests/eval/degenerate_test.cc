// Degenerate inputs: nothing crashes, nothing is silently NaN, undefined
// values are nullopt.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "test_util.h"

namespace centaur {
namespace {

using eval_test::ParsePaired;
using eval_test::ParsePredictions;

TEST(DegenerateTest, EmptyInput) {
  const ClassificationMetrics m = ComputeClassification({});
  EXPECT_EQ(m.n, 0);
  EXPECT_TRUE(m.labels.empty() && m.per_class.empty() && m.confusion.empty());
  EXPECT_FALSE(m.accuracy || m.macro_precision || m.macro_recall || m.macro_f1 ||
               m.micro_precision || m.micro_recall || m.micro_f1 || m.weighted_precision ||
               m.weighted_recall || m.weighted_f1);
  EXPECT_FALSE(m.accuracy_ci || m.macro_f1_ci || m.micro_f1_ci || m.weighted_f1_ci);
}

TEST(DegenerateTest, EmptyInputWithExplicitLabelsKeepsTheTableShape) {
  MetricsOptions options;
  options.labels = {"b", "a"};
  const ClassificationMetrics m = ComputeClassification({}, options);
  EXPECT_EQ(m.labels, (std::vector<std::string>{"b", "a"}));
  ASSERT_EQ(m.per_class.size(), 2u);
  EXPECT_EQ(m.per_class[0].label, "b");
  EXPECT_EQ(m.per_class[1].support, 0);
  EXPECT_EQ(m.confusion, (std::vector<std::vector<int64_t>>{{0, 0}, {0, 0}}));
  EXPECT_FALSE(m.accuracy || m.macro_f1 || m.accuracy_ci || m.macro_f1_ci);
}

TEST(DegenerateTest, SingleItem) {
  const ClassificationMetrics m = ComputeClassification(ParsePredictions("a:a"));
  EXPECT_EQ(*m.accuracy, 1.0);
  EXPECT_EQ(*m.macro_f1, 1.0);
  EXPECT_EQ(m.macro_f1_ci->lower, 1.0);
  EXPECT_EQ(m.macro_f1_ci->upper, 1.0);
  eval_test::ExpectNoNaN(m);
}

TEST(DegenerateTest, AllRightGivesDegenerateBootstrapAtOne) {
  const ClassificationMetrics m = ComputeClassification(ParsePredictions("a:a b:b c:c a:a"));
  EXPECT_EQ(m.macro_f1_ci->lower, 1.0);
  EXPECT_EQ(m.macro_f1_ci->upper, 1.0);
  EXPECT_EQ(m.accuracy_ci->upper, 1.0);
  EXPECT_LT(m.accuracy_ci->lower, 1.0);
}

TEST(DegenerateTest, AllWrongGivesZerosNotNaN) {
  const ClassificationMetrics m = ComputeClassification(ParsePredictions("a:b b:a c:a"));
  EXPECT_EQ(*m.accuracy, 0.0);
  EXPECT_EQ(*m.macro_f1, 0.0);
  EXPECT_EQ(m.macro_f1_ci->upper, 0.0);
  EXPECT_EQ(m.accuracy_ci->lower, 0.0);
  eval_test::ExpectNoNaN(m);
}

TEST(DegenerateTest, AllFailed) {
  const ClassificationMetrics m = ComputeClassification(ParsePredictions("a:! b:! c:x!"));
  EXPECT_EQ(m.labels, (std::vector<std::string>{"a", "b", "c"}));  // "x" ignored: failed
  EXPECT_EQ(m.failed, 3);
  EXPECT_EQ(*m.accuracy, 0.0);
  EXPECT_EQ(*m.micro_precision, 0.0);  // nothing predicted: 0/0 -> 0
  eval_test::ExpectNoNaN(m);
}

TEST(DegenerateTest, ExplicitLabelsMissingEveryGold) {
  MetricsOptions options;
  options.labels = {"q"};
  const ClassificationMetrics m = ComputeClassification(ParsePredictions("a:a b:q"), options);
  EXPECT_EQ(*m.accuracy, 0.5);
  EXPECT_EQ(*m.weighted_f1, 0.0);  // no support at all: sklearn's zero_division
  EXPECT_EQ(m.gold_outside_labels, 2);
  eval_test::ExpectNoNaN(m);
}

TEST(DegenerateTest, PairedEmpty) {
  const PairedComparison p = ComparePaired({});
  EXPECT_EQ(p.n, 0);
  EXPECT_FALSE(p.accuracy || p.macro_f1 || p.micro_f1 || p.weighted_f1);
  EXPECT_FALSE(p.a.accuracy || p.b.macro_f1);
  EXPECT_EQ(p.mcnemar.p_value, 1.0);
}

TEST(DegenerateTest, PairedWithoutBootstrapStillHasDeltasAndMcNemar) {
  MetricsOptions options;
  options.bootstrap_samples = 0;
  const PairedComparison p = ComparePaired(ParsePaired("a:a:b b:b:b c:a:c"), options);
  ASSERT_TRUE(p.accuracy && p.macro_f1);
  EXPECT_NEAR(p.accuracy->delta, 0.0, 1e-12);
  EXPECT_TRUE(p.accuracy->p_value);  // McNemar needs no resampling
  EXPECT_FALSE(p.accuracy->ci || p.macro_f1->ci || p.macro_f1->p_value);
}

TEST(DegenerateTest, KappaUndefinedCases) {
  EXPECT_FALSE(CohenKappa({}));
  EXPECT_FALSE(CohenKappa({{"a", "a"}, {"a", "a"}}));  // one label: chance agreement 1
  EXPECT_EQ(*CohenKappa({{"a", "b"}}), 0.0);           // sklearn: 0.0
}

TEST(DegenerateTest, AlphaUndefinedCases) {
  EXPECT_FALSE(KrippendorffAlphaNominal({}));
  EXPECT_FALSE(KrippendorffAlphaNominal({{"a"}, {"b"}, {}}));             // nothing pairable
  EXPECT_FALSE(KrippendorffAlphaNominal({{"a", "a"}, {"a", "a", "a"}}));  // one value
  EXPECT_TRUE(KrippendorffAlphaNominal({{"a", "b"}}));
}

TEST(DegenerateTest, WilsonArguments) {
  EXPECT_FALSE(WilsonInterval(0, 0));
  EXPECT_FALSE(WilsonInterval(-1, 10));
  EXPECT_FALSE(WilsonInterval(11, 10));
  EXPECT_FALSE(WilsonInterval(5, 10, 1.0));
  const auto all = WilsonInterval(10, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->upper, 1.0);
  const auto none = WilsonInterval(0, 10);
  EXPECT_EQ(none->lower, 0.0);
}

}  // namespace
}  // namespace centaur
