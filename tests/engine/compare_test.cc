// CompareRuns on a temporary SQLite store.
#include "engine/compare.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "measure_test_util.h"

namespace centaur {
namespace {

using measure_test::Out;
using measure_test::StoreFixture;
using measure_test::TaskYaml;

class CompareTest : public StoreFixture {};

std::vector<std::string> Ids(const std::vector<Flip>& flips) {
  std::vector<std::string> ids;
  for (const Flip& f : flips) ids.push_back(f.item_id);
  return ids;
}

TEST_F(CompareTest, PairsCommonLabeledItemsAndListsFlipsWithBothSides) {
  //                            i0        i1      i2       i3       i4      i5   i6
  DatasetInfo d = Dataset("d", {"refund", "card", "other", "refund", "card", "", "other"});
  Task v1 = Version(TaskYaml());
  Task v2 = Version(TaskYaml("Message: {{text}}!", "refund, card, other, fraud"));
  std::vector<Out> a = Labels({"refund", "other", "other", "!", "card", "card"});  // no i6
  std::vector<Out> b = Labels({"card", "card", "other", "refund", "fraud", "refund", "other"});
  b.erase(b.begin() + 2);  // no i2
  b[0].thoughts = "b thinks card";
  int64_t run_a = Run(v1, d, "val", a);
  int64_t run_b = Run(v2, d, "val", b, "openai:m2");
  auto c = CompareRuns(store_.get(), run_a, run_b);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->classification);
  EXPECT_EQ(c->common, 5);     // i0 i1 i3 i4 i5
  EXPECT_EQ(c->unlabeled, 1);  // i5
  EXPECT_EQ(c->only_a, std::vector<std::string>{"i2"});
  EXPECT_EQ(c->only_b, std::vector<std::string>{"i6"});
  EXPECT_EQ(c->paired.n, 4);
  EXPECT_EQ(c->paired.labels, (std::vector<std::string>{"refund", "card", "other", "fraud"}));
  // A right: i0, i4. B right: i1, i3.
  EXPECT_EQ(c->paired.flipped_to_wrong, (std::vector<std::string>{"i0", "i4"}));
  EXPECT_EQ(c->paired.flipped_to_right, (std::vector<std::string>{"i1", "i3"}));
  EXPECT_EQ(Ids(c->to_wrong), c->paired.flipped_to_wrong);
  EXPECT_EQ(Ids(c->to_right), c->paired.flipped_to_right);
  EXPECT_EQ(*c->paired.a.accuracy, 0.5);
  EXPECT_EQ(*c->paired.b.accuracy, 0.5);
  EXPECT_EQ(c->paired.accuracy->delta, 0.0);
  EXPECT_EQ(c->paired.mcnemar.b, 2);
  EXPECT_EQ(c->paired.mcnemar.c, 2);
  EXPECT_EQ(*c->paired.accuracy->p_value, 1.0);
  ASSERT_TRUE(c->paired.macro_f1.has_value());
  const Flip& f = c->to_wrong[0];
  EXPECT_EQ(f.gold, "refund");
  EXPECT_EQ(f.input, R"({"text":"message 0"})");
  EXPECT_EQ(f.a.status, "ok");
  EXPECT_EQ(f.a.value, "refund");
  EXPECT_EQ(f.a.thoughts, "because");
  EXPECT_EQ(f.b.value, "card");
  EXPECT_EQ(f.b.thoughts, "b thinks card");
  const Flip& failed = c->to_right[1];
  EXPECT_EQ(failed.item_id, "i3");
  EXPECT_EQ(failed.a.status, "failed");
  EXPECT_EQ(failed.a.value, "");
  EXPECT_EQ(failed.a.error, "no valid output");
  EXPECT_EQ(
      c->notes,
      (std::vector<std::string>{
          fmt::format("paired on the 5 items both runs have; 1 only in run {}, 1 only in run {}",
                      run_a, run_b),
          "1 of the 5 common items have no gold label and are not compared"}));
}

TEST_F(CompareTest, AgreesWithComparePairedOnTheSameItems) {
  std::vector<std::string> golds, pa, pb;
  const char* labels[] = {"refund", "card", "other"};
  for (int i = 0; i < 60; ++i) {
    golds.push_back(labels[i % 3]);
    pa.push_back(i % 4 == 0 ? "!" : labels[(i / 2) % 3]);
    pb.push_back(labels[(i * 7 / 5) % 3]);
  }
  DatasetInfo d = Dataset("d", golds);
  Task v1 = Version(TaskYaml());
  auto c = CompareRuns(store_.get(), Run(v1, d, "val", Labels(pa)), Run(v1, d, "val", Labels(pb)));
  ASSERT_TRUE(c.ok()) << c.error().message;
  std::vector<PairedItem> items;
  for (int i = 0; i < 60; ++i) {
    items.push_back(
        {fmt::format("i{}", i), golds[i], pa[i] == "!" ? "" : pa[i], pb[i], pa[i] == "!", false});
  }
  MetricsOptions options;
  options.labels = {"refund", "card", "other"};
  PairedComparison direct = ComparePaired(items, options);
  EXPECT_EQ(c->paired.flipped_to_wrong, direct.flipped_to_wrong);
  EXPECT_EQ(c->paired.flipped_to_right, direct.flipped_to_right);
  EXPECT_EQ(c->paired.macro_f1->delta, direct.macro_f1->delta);
  EXPECT_EQ(*c->paired.macro_f1->p_value, *direct.macro_f1->p_value);
  EXPECT_EQ(*c->paired.accuracy->p_value, *direct.accuracy->p_value);
  EXPECT_EQ(c->paired.weighted_f1->ci->lower, direct.weighted_f1->ci->lower);
}

TEST_F(CompareTest, ReadingRunBOnASecondConnectionGivesTheSameComparison) {
  DatasetInfo d = Dataset("d", {"refund", "card", "other", "refund", "card"});
  Task v1 = Version(TaskYaml());
  int64_t a = Run(v1, d, "val", Labels({"refund", "card", "card", "!", "other"}));
  int64_t b = Run(v1, d, "val", Labels({"card", "card", "other", "refund"}));
  auto serial = CompareRuns(store_.get(), a, b);
  int opened = 0;
  const std::string db = dir_ + "/c.db";
  auto threaded = CompareRuns(store_.get(), a, b, {}, [&] {
    ++opened;
    return OpenSqliteStore(db);
  });
  ASSERT_TRUE(serial.ok() && threaded.ok());
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(threaded->paired.flipped_to_wrong, serial->paired.flipped_to_wrong);
  EXPECT_EQ(threaded->paired.flipped_to_right, serial->paired.flipped_to_right);
  EXPECT_EQ(threaded->only_a, std::vector<std::string>{"i4"});
  EXPECT_EQ(*threaded->paired.macro_f1->p_value, *serial->paired.macro_f1->p_value);
  EXPECT_EQ(threaded->to_right[0].input, serial->to_right[0].input);
  // A second connection that cannot be opened is an error, not a silent fallback.
  auto failed = CompareRuns(store_.get(), a, b, {}, []() -> Result<std::unique_ptr<Store>> {
    return MakeError(ErrorCode::kIo, "cannot open");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "cannot open");
}

TEST_F(CompareTest, ExtractionRunsCompareByExactMatchOnly) {
  DatasetInfo d =
      Dataset("d", {R"({"name": "Ada", "year": 1815})", R"({"name": "Alan", "year": 1912})"});
  Task task = Version(measure_test::ExtractYaml());
  int64_t a = Run(task, d, "val",
                  {{"i0", Json::parse(R"({"name": "Ada", "year": 1815})")},
                   {"i1", Json::parse(R"({"name": "alan", "year": 1912})")}});
  int64_t b = Run(task, d, "val",
                  {{"i0", Json::parse(R"({"name": "Ada", "year": 1816})")},
                   {"i1", Json::parse(R"({"year": 1912, "name": "Alan"})")}});
  auto c = CompareRuns(store_.get(), a, b);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->classification);
  EXPECT_EQ(c->paired.flipped_to_wrong, std::vector<std::string>{"i0"});
  EXPECT_EQ(c->paired.flipped_to_right, std::vector<std::string>{"i1"});
  EXPECT_EQ(c->to_right[0].b.value, R"({"name":"Alan","year":1912})");
  EXPECT_FALSE(c->paired.macro_f1 || c->paired.micro_f1 || c->paired.weighted_f1);
  EXPECT_FALSE(c->paired.a.macro_f1.has_value());
  EXPECT_TRUE(c->paired.accuracy.has_value());
  EXPECT_TRUE(c->paired.labels.empty());
}

TEST_F(CompareTest, NothingInCommon) {
  DatasetInfo d = Dataset("d", {"refund", "card"});
  Task v1 = Version(TaskYaml());
  auto c = CompareRuns(store_.get(), Run(v1, d, "val", Labels({"refund"})),
                       Run(v1, d, "val", {{"i1", Json("card")}}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->paired.n, 0);
  EXPECT_FALSE(c->paired.accuracy.has_value());
  EXPECT_EQ(c->only_a.size(), 1u);
  EXPECT_EQ(c->only_b.size(), 1u);
}

TEST_F(CompareTest, UnknownRun) {
  auto c = CompareRuns(store_.get(), 1, 2);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace centaur
