// Properties of the bootstrap intervals and paired p-values (no oracle gives
// these numbers; sklearn has no bootstrap), plus the RNG's range reduction.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "eval/random.h"
#include "test_util.h"

namespace centaur {
namespace {

using eval_test::Random77;
using eval_test::RandomPaired;

bool Contains(const std::optional<Interval>& ci, double v) {
  return ci && ci->lower <= v && v <= ci->upper;
}

bool SameInterval(const std::optional<Interval>& x, const std::optional<Interval>& y) {
  return x && y && x->lower == y->lower && x->upper == y->upper;
}

TEST(BootstrapTest, SameSeedSameIntervals) {
  const auto items = Random77(3000, 1);
  const ClassificationMetrics a = ComputeClassification(items);
  const ClassificationMetrics b = ComputeClassification(items);
  EXPECT_TRUE(SameInterval(a.macro_f1_ci, b.macro_f1_ci));
  EXPECT_TRUE(SameInterval(a.micro_f1_ci, b.micro_f1_ci));
  EXPECT_TRUE(SameInterval(a.weighted_f1_ci, b.weighted_f1_ci));
}

TEST(BootstrapTest, OtherSeedOtherIntervals) {
  const auto items = Random77(3000, 1);
  MetricsOptions options;
  options.seed = kDefaultSeed + 1;
  const ClassificationMetrics a = ComputeClassification(items);
  const ClassificationMetrics b = ComputeClassification(items, options);
  EXPECT_FALSE(SameInterval(a.macro_f1_ci, b.macro_f1_ci));
}

TEST(BootstrapTest, InputOrderDoesNotMatter) {
  auto items = Random77(3000, 2);
  const ClassificationMetrics a = ComputeClassification(items);
  std::reverse(items.begin(), items.end());
  std::rotate(items.begin(), items.begin() + 1234, items.end());
  const ClassificationMetrics b = ComputeClassification(items);
  EXPECT_TRUE(SameInterval(a.macro_f1_ci, b.macro_f1_ci));
  EXPECT_TRUE(SameInterval(a.weighted_f1_ci, b.weighted_f1_ci));
}

// Pinned outputs of this implementation (not an oracle): a change here means
// stored or reported intervals would change for the same seed.
TEST(BootstrapTest, PinnedIntervals) {
  MetricsOptions options;
  options.bootstrap_samples = 500;
  options.seed = 7;
  const ClassificationMetrics m = ComputeClassification(Random77(2000, 42), options);
  ASSERT_TRUE(m.macro_f1_ci && m.micro_f1_ci && m.weighted_f1_ci);
  EXPECT_NEAR(m.macro_f1_ci->lower, 0.58542675178729109, 1e-12);
  EXPECT_NEAR(m.macro_f1_ci->upper, 0.62888605223067073, 1e-12);
  EXPECT_NEAR(m.micro_f1_ci->lower, 0.59518077868999086, 1e-12);
  EXPECT_NEAR(m.micro_f1_ci->upper, 0.63774984258455014, 1e-12);
}

TEST(BootstrapTest, IntervalsContainThePointEstimate) {
  for (int n : {50, 500, 5000}) {
    SCOPED_TRACE(n);
    const ClassificationMetrics m = ComputeClassification(Random77(n, 3));
    EXPECT_TRUE(Contains(m.macro_f1_ci, *m.macro_f1));
    EXPECT_TRUE(Contains(m.micro_f1_ci, *m.micro_f1));
    EXPECT_TRUE(Contains(m.weighted_f1_ci, *m.weighted_f1));
    EXPECT_TRUE(Contains(m.accuracy_ci, *m.accuracy));
  }
}

TEST(BootstrapTest, IntervalsNarrowAsNGrows) {
  double previous_macro = 2, previous_micro = 2, previous_accuracy = 2;
  for (int n : {200, 2000, 20000}) {
    SCOPED_TRACE(n);
    const ClassificationMetrics m = ComputeClassification(Random77(n, 4));
    const double macro = m.macro_f1_ci->upper - m.macro_f1_ci->lower;
    const double micro = m.micro_f1_ci->upper - m.micro_f1_ci->lower;
    const double accuracy = m.accuracy_ci->upper - m.accuracy_ci->lower;
    EXPECT_LT(macro, previous_macro * 0.6);
    EXPECT_LT(micro, previous_micro * 0.6);
    EXPECT_LT(accuracy, previous_accuracy * 0.6);
    previous_macro = macro;
    previous_micro = micro;
    previous_accuracy = accuracy;
  }
}

TEST(BootstrapTest, MicroF1IntervalMatchesTheNormalApproximation) {
  // With no failures micro F1 is accuracy, whose sampling error is known:
  // the percentile interval should be close to p +- z * sqrt(p (1 - p) / n).
  std::vector<Prediction> items;
  for (const PairedItem& it : RandomPaired(20000, 10, 70, 70, 16)) {
    items.push_back({it.gold, it.pred_a, false});
  }
  const ClassificationMetrics m = ComputeClassification(items);
  const double p = *m.micro_f1;
  ASSERT_NEAR(p, *m.accuracy, 1e-12);
  const double half = 1.959963984540054 * std::sqrt(p * (1 - p) / 20000);
  EXPECT_NEAR(m.micro_f1_ci->upper - m.micro_f1_ci->lower, 2 * half, 0.15 * 2 * half);
  EXPECT_NEAR((m.micro_f1_ci->upper + m.micro_f1_ci->lower) / 2, p, 0.2 * half);
}

TEST(BootstrapTest, HigherConfidenceWiderInterval) {
  const auto items = Random77(2000, 5);
  MetricsOptions narrow;
  narrow.confidence = 0.8;
  const ClassificationMetrics a = ComputeClassification(items, narrow);
  const ClassificationMetrics b = ComputeClassification(items);
  EXPECT_LT(a.macro_f1_ci->upper - a.macro_f1_ci->lower,
            b.macro_f1_ci->upper - b.macro_f1_ci->lower);
  EXPECT_LT(a.accuracy_ci->upper - a.accuracy_ci->lower,
            b.accuracy_ci->upper - b.accuracy_ci->lower);
}

TEST(BootstrapTest, NoSamplesOrBadConfidenceMeansNoInterval) {
  const auto items = Random77(100, 6);
  MetricsOptions none;
  none.bootstrap_samples = 0;
  const ClassificationMetrics a = ComputeClassification(items, none);
  EXPECT_TRUE(a.macro_f1 && a.accuracy_ci);
  EXPECT_FALSE(a.macro_f1_ci || a.micro_f1_ci || a.weighted_f1_ci);
  for (double bad : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    MetricsOptions options;
    options.confidence = bad;
    const ClassificationMetrics b = ComputeClassification(items, options);
    EXPECT_TRUE(b.macro_f1);
    EXPECT_FALSE(b.accuracy_ci || b.macro_f1_ci || b.micro_f1_ci || b.weighted_f1_ci) << bad;
  }
}

TEST(BootstrapTest, PairedIsDeterministicAndDetectsARealDifference) {
  const auto items = RandomPaired(5000, 10, 70, 75, 11);
  const PairedComparison p = ComparePaired(items);
  const PairedComparison q = ComparePaired(items);
  ASSERT_TRUE(p.macro_f1 && p.macro_f1->p_value && p.macro_f1->ci);
  EXPECT_EQ(*p.macro_f1->p_value, *q.macro_f1->p_value);
  EXPECT_TRUE(SameInterval(p.macro_f1->ci, q.macro_f1->ci));
  EXPECT_GT(p.accuracy->delta, 0.03);
  EXPECT_LT(p.mcnemar.p_value, 1e-6);
  EXPECT_EQ(p.mcnemar.method, McNemarMethod::kChiSquareCorrected);
  // 5 points apart on 5000 items: the bootstrap finds no resample that crosses.
  EXPECT_DOUBLE_EQ(*p.macro_f1->p_value, 1.0 / (kDefaultBootstrapSamples + 1));
  EXPECT_GT(p.macro_f1->ci->lower, 0);
  EXPECT_TRUE(Contains(p.macro_f1->ci, p.macro_f1->delta));
  EXPECT_TRUE(Contains(p.accuracy->ci, p.accuracy->delta));
}

TEST(BootstrapTest, PairedBootstrapPAgreesWithMcNemar) {
  // No failures: micro F1 is accuracy, so its bootstrap p-value and McNemar's
  // answer the same question and should nearly agree.
  for (uint64_t seed : {3, 6, 12}) {
    SCOPED_TRACE(seed);
    const PairedComparison p = ComparePaired(RandomPaired(2000, 10, 70, 72, seed));
    ASSERT_TRUE(p.micro_f1 && p.micro_f1->p_value);
    EXPECT_NEAR(p.micro_f1->delta, p.accuracy->delta, 1e-12);
    EXPECT_NEAR(*p.micro_f1->p_value, p.mcnemar.p_value, 0.25 * p.mcnemar.p_value + 0.01);
  }
}

TEST(BootstrapTest, PairedNoDifferenceIsNotSignificant) {
  const auto items = RandomPaired(2000, 10, 70, 70, 12);
  const PairedComparison p = ComparePaired(items);
  ASSERT_TRUE(p.macro_f1 && p.micro_f1 && p.weighted_f1);
  EXPECT_GT(*p.micro_f1->p_value, 0.05);
  EXPECT_GT(p.mcnemar.p_value, 0.05);
  EXPECT_TRUE(Contains(p.micro_f1->ci, 0.0));
}

TEST(BootstrapTest, PairedIdenticalRunsGivePOne) {
  auto items = RandomPaired(500, 5, 60, 60, 13);
  for (PairedItem& it : items) it.pred_b = it.pred_a;
  const PairedComparison p = ComparePaired(items);
  EXPECT_EQ(*p.macro_f1->p_value, 1.0);
  EXPECT_EQ(p.macro_f1->ci->lower, 0.0);
  EXPECT_EQ(p.macro_f1->ci->upper, 0.0);
  EXPECT_EQ(p.mcnemar.p_value, 1.0);
  EXPECT_TRUE(p.flipped_to_wrong.empty() && p.flipped_to_right.empty());
}

TEST(BootstrapTest, PairedOrderDoesNotMatter) {
  auto items = RandomPaired(3000, 10, 70, 72, 14);
  const PairedComparison p = ComparePaired(items);
  std::reverse(items.begin(), items.end());
  const PairedComparison q = ComparePaired(items);
  EXPECT_EQ(*p.macro_f1->p_value, *q.macro_f1->p_value);
  EXPECT_TRUE(SameInterval(p.weighted_f1->ci, q.weighted_f1->ci));
}

TEST(BootstrapTest, PairedScoresMatchScoringEachRunAlone) {
  auto items = RandomPaired(1500, 12, 65, 70, 15);
  items[3].failed_b = true;
  items[4].pred_a = "only_in_a";
  for (const std::vector<std::string>& labels :
       {std::vector<std::string>{}, std::vector<std::string>{"c03", "c00", "c07", "zz"}}) {
    MetricsOptions options;
    options.labels = labels;
    options.bootstrap_samples = 50;
    const PairedComparison p = ComparePaired(items, options);
    std::vector<Prediction> a, b;
    for (const PairedItem& it : items) {
      a.push_back({it.gold, it.pred_a, it.failed_a});
      b.push_back({it.gold, it.pred_b, it.failed_b});
    }
    const ClassificationMetrics ma = ComputeClassification(a, options);
    const ClassificationMetrics mb = ComputeClassification(b, options);
    EXPECT_DOUBLE_EQ(*p.a.accuracy, *ma.accuracy);
    EXPECT_DOUBLE_EQ(*p.a.macro_f1, *ma.macro_f1);
    EXPECT_DOUBLE_EQ(*p.a.micro_f1, *ma.micro_f1);
    EXPECT_DOUBLE_EQ(*p.a.weighted_f1, *ma.weighted_f1);
    EXPECT_DOUBLE_EQ(*p.b.macro_f1, *mb.macro_f1);
    EXPECT_DOUBLE_EQ(*p.b.weighted_f1, *mb.weighted_f1);
    EXPECT_DOUBLE_EQ(p.macro_f1->delta, *mb.macro_f1 - *ma.macro_f1);
  }
}

TEST(RandomTest, BelowStaysInRangeAndCoversIt) {
  eval_internal::Xoshiro256 rng(99);
  for (uint64_t bound : {1ULL, 2ULL, 3ULL, 7ULL, 1000ULL, (1ULL << 63) + 5}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(rng.Below(bound), bound);
  }
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) ++seen[rng.Below(7)];
  for (int count : seen) EXPECT_NEAR(count, 1000, 150);
}

}  // namespace
}  // namespace centaur
