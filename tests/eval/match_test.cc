// Exact and normalized match, per-field accuracy (eval/match.h).
#include "eval/match.h"

#include <gtest/gtest.h>

namespace centaur {
namespace {

TEST(MatchTest, NormalizedStringsIgnoreCaseAndSpacing) {
  EXPECT_TRUE(NormalizedMatch(Json("  New\tYork  City "), Json("new york city")));
  EXPECT_FALSE(ExactMatch(Json("New York"), Json("new york")));
  EXPECT_FALSE(NormalizedMatch(Json("newyork"), Json("new york")));
  EXPECT_EQ(NormalizeValue(Json("\n A  B\n")), Json("a b"));
  EXPECT_EQ(NormalizeValue(Json("   ")), Json(""));
}

TEST(MatchTest, ObjectsCompareByKeyWhateverTheOrderAndNumbersByValue) {
  Json a = Json::parse(R"({"b": [1, "X  y"], "a": {"c": 2.0}})");
  Json b = Json::parse(R"({"a": {"c": 2}, "b": [1.0, "x y"]})");
  EXPECT_FALSE(ExactMatch(a, b));
  EXPECT_TRUE(NormalizedMatch(a, b));
  EXPECT_TRUE(ExactMatch(Json::parse(R"({"x":1,"y":2})"), Json::parse(R"({"y":2,"x":1})")));
  EXPECT_FALSE(NormalizedMatch(Json::parse("[1, 2]"), Json::parse("[2, 1]")));
}

TEST(MatchTest, GoldStringsHoldingJsonAreParsedForNonStringTargets) {
  EXPECT_EQ(GoldValue(Json(R"({"a": 1})"), false), Json::parse(R"({"a": 1})"));
  EXPECT_EQ(GoldValue(Json("3"), false), Json(3));
  EXPECT_EQ(GoldValue(Json("not json"), false), Json("not json"));
  EXPECT_EQ(GoldValue(Json("3"), true), Json("3"));
  EXPECT_EQ(GoldValue(Json(3), true), Json(3));
}

TEST(MatchTest, ScorerCountsFailuresAsWrongAndScoresEveryGoldField) {
  MatchScorer scorer;
  Json gold1 = Json::parse(R"({"name": "Ada Lovelace", "year": 1815})");
  Json gold2 = Json::parse(R"({"name": "Alan Turing", "year": 1912, "city": "London"})");
  Json out1 = Json::parse(R"({"name": "ada  lovelace", "year": 1815})");
  Json out2 = Json::parse(R"({"name": "Alan Turing", "year": 1912, "city": "London"})");
  scorer.Add(&out1, gold1);    // normalized only
  scorer.Add(&out2, gold2);    // exact
  scorer.Add(nullptr, gold2);  // failed
  MatchMetrics m = scorer.Finish();
  EXPECT_EQ(m.n, 3);
  EXPECT_EQ(m.failed, 1);
  EXPECT_EQ(m.exact, 1);
  EXPECT_EQ(m.normalized, 2);
  EXPECT_DOUBLE_EQ(*m.exact_accuracy, 1.0 / 3);
  EXPECT_DOUBLE_EQ(*m.normalized_accuracy, 2.0 / 3);
  ASSERT_TRUE(m.exact_ci.has_value());
  EXPECT_LT(m.exact_ci->lower, 1.0 / 3);
  EXPECT_GT(m.exact_ci->upper, 1.0 / 3);
  ASSERT_EQ(m.fields.size(), 3u);
  EXPECT_EQ(m.fields[0].field, "city");
  EXPECT_EQ(m.fields[0].n, 2);
  EXPECT_EQ(m.fields[0].exact, 1);
  EXPECT_EQ(m.fields[1].field, "name");
  EXPECT_EQ(m.fields[1].n, 3);
  EXPECT_EQ(m.fields[1].exact, 1);
  EXPECT_EQ(m.fields[1].normalized, 2);
  EXPECT_EQ(m.fields[2].field, "year");
  EXPECT_EQ(m.fields[2].exact, 2);
  EXPECT_DOUBLE_EQ(*m.fields[2].exact_accuracy, 2.0 / 3);
}

TEST(MatchTest, EmptyScorerHasNoAccuracy) {
  MatchMetrics m = MatchScorer().Finish();
  EXPECT_EQ(m.n, 0);
  EXPECT_FALSE(m.exact_accuracy || m.normalized_accuracy || m.exact_ci || m.normalized_ci);
  EXPECT_TRUE(m.fields.empty());
}

TEST(MatchTest, ScalarGoldHasNoFields) {
  MatchScorer scorer;
  Json out = Json("Paris");
  scorer.Add(&out, Json("paris"));
  MatchMetrics m = scorer.Finish();
  EXPECT_EQ(m.exact, 0);
  EXPECT_EQ(m.normalized, 1);
  EXPECT_TRUE(m.fields.empty());
}

}  // namespace
}  // namespace centaur
