// UnifiedDiff, LoadTaskHistory and the test-split guard.
#include "engine/history.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/line_diff.h"
#include "engine/test_split.h"
#include "measure_test_util.h"

namespace centaur {
namespace {

using measure_test::StoreFixture;
using measure_test::TaskYaml;

const char* kOld = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
const char* kNew = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";

// Expected texts are what GNU `diff -u` / `diff -U0` print.
TEST(LineDiffTest, HunksWithContextLikeDiffU) {
  EXPECT_EQ(UnifiedDiff(kOld, kNew, "old", "new"),
            "--- old\n+++ new\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -11,3 +11,4 @@\n k\n l\n"
            " m\n+n\n");
  EXPECT_EQ(UnifiedDiff(kOld, kNew, "old", "new", 0),
            "--- old\n+++ new\n@@ -2 +2 @@\n-b\n+B\n@@ -13,0 +14 @@\n+n\n");
}

TEST(LineDiffTest, NearbyChangesShareAHunk) {
  EXPECT_EQ(UnifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nc\nd\ne\nf\ng\nX\nh\n", "o", "n"),
            "--- o\n+++ n\n@@ -1,8 +1,8 @@\n a\n-b\n c\n d\n e\n f\n g\n+X\n h\n");
}

TEST(LineDiffTest, EdgeCases) {
  EXPECT_EQ(UnifiedDiff("same\n", "same", "o", "n"), "");
  EXPECT_EQ(UnifiedDiff("", "", "o", "n"), "");
  EXPECT_EQ(UnifiedDiff("", "x\n", "o", "n"), "--- o\n+++ n\n@@ -0,0 +1 @@\n+x\n");
  EXPECT_EQ(UnifiedDiff("x\n", "x\ny\n", "o", "n"), "--- o\n+++ n\n@@ -1 +1,2 @@\n x\n+y\n");
  EXPECT_EQ(UnifiedDiff("x\ny\n", "", "o", "n"), "--- o\n+++ n\n@@ -1,2 +0,0 @@\n-x\n-y\n");
}

TEST(LineDiffTest, TooLargeForTheTableIsOneReplacement) {
  std::string a, b;
  for (int i = 0; i < 2100; ++i) {
    a += fmt::format("a{}\n", i);
    b += fmt::format("b{}\n", i);
  }
  std::string d = UnifiedDiff("head\n" + a + "tail\n", "head\n" + b + "tail\n", "o", "n");
  EXPECT_EQ(d.substr(0, 34), "--- o\n+++ n\n@@ -1,2102 +1,2102 @@\n");
  EXPECT_NE(d.find("\n-a2099\n+b0\n"), std::string::npos);
}

class HistoryTest : public StoreFixture {};

TEST_F(HistoryTest, VersionsWithDiffsAndValidationScores) {
  DatasetInfo d =
      Dataset("d", {"refund", "card", "other", "refund"}, {"val", "val", "val", "test"});
  Task v1 = Version(TaskYaml(), "task.yaml");
  Task v2 = Version(TaskYaml("Message, routed: {{text}}"), "task.yaml");
  Task v3 = Version(TaskYaml("Third: {{text}}"), "task.yaml");
  Run(v1, d, "val", Labels({"refund", "other", "other"}));
  int64_t newest_v1 = Run(v1, d, "val", Labels({"refund", "card", "card"}));
  Run(v1, d, "test", Labels({"", "", "", "refund"}));  // not a val run
  int64_t v2_all = Run(v2, d, "all", Labels({"refund", "card", "other", "card"}));
  auto h = LoadTaskHistory(store_.get(), "intent");
  ASSERT_TRUE(h.ok()) << h.error().message;
  ASSERT_EQ(h->versions.size(), 3u);
  const VersionHistory& first = h->versions[0];
  EXPECT_EQ(first.number, 1);
  EXPECT_EQ(first.record.version, v1.version);
  EXPECT_EQ(first.diff, "");
  EXPECT_GT(first.first_seen_ms, 0);
  ASSERT_EQ(first.val.size(), 1u);
  EXPECT_EQ(first.val[0].run.id, newest_v1);
  EXPECT_DOUBLE_EQ(*first.val[0].scores.accuracy, 2.0 / 3);
  EXPECT_TRUE(first.val[0].scores.macro_f1_ci.has_value());
  const VersionHistory& second = h->versions[1];
  std::string label1 = "task.yaml@" + v1.version.substr(0, 8);
  std::string label2 = "task.yaml@" + v2.version.substr(0, 8);
  EXPECT_EQ(second.diff,
            "--- " + label1 + "\n+++ " + label2 +
                "\n@@ -2,7 +2,7 @@\n model: openai:m1\n inputs: {text: {type: string}}\n"
                " prompt:\n-  user: \"Message: {{text}}\"\n"
                "+  user: \"Message, routed: {{text}}\"\n output:\n   type: object\n"
                "   properties:\n");
  // A run over every split counts with its val items only.
  ASSERT_EQ(second.val.size(), 1u);
  EXPECT_EQ(second.val[0].run.id, v2_all);
  EXPECT_EQ(second.val[0].scores.labeled, 3);
  EXPECT_EQ(*second.val[0].scores.accuracy, 1.0);
  // Never run: no date, no scores.
  EXPECT_EQ(h->versions[2].first_seen_ms, 0);
  EXPECT_TRUE(h->versions[2].val.empty());
  EXPECT_NE(h->versions[2].diff.find("+  user: \"Third: {{text}}\""), std::string::npos);
}

TEST_F(HistoryTest, UnknownTask) {
  auto h = LoadTaskHistory(store_.get(), "nope");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(h.error().message,
            "no stored version of task \"nope\" (versions are stored when a task is run or "
            "called; see `centaur runs`)");
}

TEST_F(HistoryTest, TaskNameFromAFileOrAsGiven) {
  std::string path = dir_ + "/t.yaml";
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs(TaskYaml().c_str(), f);
  std::fclose(f);
  EXPECT_EQ(*ResolveTaskName(path), "intent");
  EXPECT_EQ(*ResolveTaskName("some-name"), "some-name");
}

class TestSplitTest : public StoreFixture {};

TEST_F(TestSplitTest, RefusedWithoutAValidationRunUnlessForced) {
  DatasetInfo d = Dataset("tickets", {"refund", "card"}, {"val", "test"});
  Task v1 = Version(TaskYaml());
  auto refused =
      CheckTestSplitRun(store_.get(), "intent", v1.version, "task.yaml", "openai:m1", d, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message,
            "version " + v1.version.substr(0, 8) +
                " of task \"intent\" has never run on the val split of \"tickets\" with "
                "openai:m1: measure it there first (centaur run task.yaml --data tickets), or "
                "pass --force to run it on the test split anyway");
  auto forced =
      CheckTestSplitRun(store_.get(), "intent", v1.version, "task.yaml", "openai:m1", d, true);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(*forced,
            std::vector<std::string>{"--force: running version " + v1.version.substr(0, 8) +
                                     " on the test split without a validation run"});
  // A val run with another model does not count; with this model it does.
  Run(v1, d, "val", Labels({"refund"}), "openai:m2");
  EXPECT_FALSE(
      CheckTestSplitRun(store_.get(), "intent", v1.version, "task.yaml", "openai:m1", d, false)
          .ok());
  Run(v1, d, "val", Labels({"refund"}));
  auto ok =
      CheckTestSplitRun(store_.get(), "intent", v1.version, "task.yaml", "openai:m1", d, false);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->empty());
}

TEST_F(TestSplitTest, EarlierVersionsOnTestWarnWithTheCount) {
  DatasetInfo d = Dataset("tickets", {"refund", "card"}, {"val", "test"});
  DatasetInfo other = Dataset("other", {"refund", "card"}, {"val", "test"});
  Task v1 = Version(TaskYaml());
  Task v2 = Version(TaskYaml("v2 {{text}}"));
  Task v3 = Version(TaskYaml("v3 {{text}}"));
  Run(v1, d, "test", {});
  Run(v1, d, "test", {}, "openai:m2");
  Run(v2, d, "test", {});
  Run(v2, other, "test", {});  // another dataset: not counted
  Run(v3, d, "val", {});
  Run(v3, d, "test", {});  // this version's own test run: not counted
  auto h = LoadTestSplitHistory(store_.get(), "intent", v3.version, "openai:m1", d.id);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->val_runs, 1);
  EXPECT_EQ(h->earlier_test_runs, 3);
  EXPECT_EQ(h->earlier_test_versions, 2);
  auto w =
      CheckTestSplitRun(store_.get(), "intent", v3.version, "task.yaml", "openai:m1", d, false);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, std::vector<std::string>{
                    "the test split of \"tickets\" was already used by 3 runs of 2 earlier "
                    "versions of task \"intent\": choosing versions by test scores tunes them on "
                    "the test set (compare versions on val; keep test for the final check)"});
}

}  // namespace
}  // namespace centaur
