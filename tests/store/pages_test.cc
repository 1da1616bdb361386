// FindResults: the filtered, searched result lists the web UI pages through.
#include <gtest/gtest.h>

#include "store/store.h"
#include "test_util.h"

namespace centaur {
namespace {

using testing_util::MakeAttempt;
using testing_util::MakeResult;
using testing_util::MakeRunSpec;
using testing_util::MustOpen;
using testing_util::TempDir;
using Ids = std::vector<std::string>;

Item ItemOf(const std::string& id, const std::string& text, std::optional<Json> gold) {
  Item item;
  item.id = id;
  item.input = Json{{"text", text}};
  item.gold = std::move(gold);
  item.split = "val";
  return item;
}

class PagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = MustOpen(dir_.db());
    ASSERT_NE(store_, nullptr);
    // Storage order: a, b, c, d, e.
    auto d = store_->CreateDataset("tickets", "t.csv",
                                   {ItemOf("a", "my card has not arrived", Json("card")),
                                    ItemOf("b", "I want a refund, please", Json("refund")),
                                    ItemOf("c", "refund my card fee", Json("refund")),
                                    ItemOf("d", "what is the \"age\" limit?", std::nullopt),
                                    ItemOf("e", "card declined at the shop", Json("card"))});
    ASSERT_TRUE(d.ok()) << d.error().message;
    dataset_ = d->id;
    TaskVersionRecord version;
    version.name = "intent";
    version.version = "v1";
    version.spec = Json{{"target", "label"}};
    ASSERT_TRUE(store_->PutTaskVersion(version).ok());
    run_ = MakeRun("v1");
    // Results in another order than the items: e, d, c, b, a.
    Add("e", "card", true);
    Add("d", "refund", std::nullopt);
    Add("c", "card", false);                 // wrong
    ResultRecord b = MakeResult(run_, "b");  // failed after an invalid output
    b.status = "failed";
    b.output = Json();
    b.error = "output does not match the schema";
    b.correct = false;
    b.attempts[0].status = "invalid";
    b.attempts[0].error = "missing label";
    ASSERT_TRUE(store_->AddResult(b).ok());
    ResultRecord a = MakeResult(run_, "a");  // right on the second try (an API error first)
    a.output = Json{{"label", "card"}};
    a.correct = true;
    a.attempts.insert(a.attempts.begin(), MakeAttempt(1, false, 0.001));
    a.attempts[0].status = "error";
    a.attempts[1].attempt_no = 2;
    ASSERT_TRUE(store_->AddResult(a).ok());
    ASSERT_TRUE(store_->Commit().ok());
  }

  int64_t MakeRun(const std::string& version) {
    auto run = store_->CreateRun(MakeRunSpec(dataset_, "val", version));
    EXPECT_TRUE(run.ok()) << run.error().message;
    return run.ok() ? run->id : 0;
  }

  void Add(const std::string& item, const std::string& label, std::optional<bool> correct) {
    ResultRecord r = MakeResult(run_, item);
    r.output = Json{{"thoughts", "because"}, {"label", label}};
    r.correct = correct;
    ASSERT_TRUE(store_->AddResult(r).ok());
  }

  Ids Find(ResultFilter f) {
    auto ids = store_->FindResults(run_, f);
    EXPECT_TRUE(ids.ok()) << ids.error().message;
    return ids.ok() ? *ids : Ids{"<error>"};
  }
  Ids Kind(const std::string& kind) { return Find({kind, "", std::nullopt, std::nullopt}); }
  Ids Text(const std::string& text) { return Find({"", text, std::nullopt, std::nullopt}); }

  Annotation Label(const std::string& item, const std::string& annotator,
                   const std::string& label) {
    Annotation a;
    a.dataset_id = dataset_;
    a.item_id = item;
    a.annotator = annotator;
    a.action = "label";
    a.label = Json(label);
    a.run_id = run_;
    auto stored = store_->AddAnnotation(a);
    EXPECT_TRUE(stored.ok()) << stored.error().message;
    return stored.ok() ? *stored : a;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t dataset_ = 0;
  int64_t run_ = 0;
};

TEST_F(PagesTest, AllInItemOrder) { EXPECT_EQ(Kind(""), (Ids{"a", "b", "c", "d", "e"})); }

TEST_F(PagesTest, Kinds) {
  EXPECT_EQ(Kind("wrong"), (Ids{"b", "c"}));
  EXPECT_EQ(Kind("unlabeled"), (Ids{"d"}));
  EXPECT_EQ(Kind("errors"), (Ids{"a", "b"}));
  EXPECT_EQ(Kind("invalid"), (Ids{"b"}));
  EXPECT_EQ(Kind("disagreements"), Ids{});
}

TEST_F(PagesTest, FullTextSearchIsWordPrefixesAndNeverASyntaxError) {
  EXPECT_EQ(Text("card"), (Ids{"a", "c", "e"}));
  EXPECT_EQ(Text("refund card"), (Ids{"c"}));
  EXPECT_EQ(Text("ref"), (Ids{"b", "c"}));
  EXPECT_EQ(Text("REFUND"), (Ids{"b", "c"}));
  EXPECT_EQ(Text("\"age"), (Ids{"d"}));
  EXPECT_EQ(Text("AND OR NOT ( ) * : ^"), Ids{});
  EXPECT_EQ(Text("   "), (Ids{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(Find({"wrong", "card", std::nullopt, std::nullopt}), (Ids{"c"}));
}

TEST_F(PagesTest, GoldAndPredictedCells) {
  EXPECT_EQ(Find({"", "", "refund", "card"}), (Ids{"c"}));
  EXPECT_EQ(Find({"", "", "card", "card"}), (Ids{"a", "e"}));
  EXPECT_EQ(Find({"", "", std::nullopt, "refund"}), (Ids{"d"}));
  // A failed item has no prediction.
  EXPECT_EQ(Find({"", "", "refund", std::nullopt}), (Ids{"b", "c"}));
}

TEST_F(PagesTest, AnnotationsChangeTheGoldFiltersUse) {
  Label("d", "ann", "refund");  // unlabeled -> right
  Label("e", "ann", "refund");  // right -> wrong
  EXPECT_EQ(Kind("unlabeled"), Ids{});
  EXPECT_EQ(Kind("wrong"), (Ids{"b", "c", "e"}));
  EXPECT_EQ(Find({"", "", "refund", std::nullopt}), (Ids{"b", "c", "d", "e"}));
  // The filter agrees with the correctness reads report.
  for (const std::string& id : Kind("")) {
    auto r = store_->GetResult(run_, id);
    ASSERT_TRUE(r.ok());
    bool listed = false;
    for (const std::string& w : Kind("wrong")) listed = listed || w == id;
    EXPECT_EQ(listed, r->correct == std::optional<bool>(false)) << id;
  }
}

TEST_F(PagesTest, DisagreementsBetweenAnnotators) {
  Label("a", "ann", "card");
  Label("a", "bob", "card");
  Label("c", "ann", "card");
  Annotation last = Label("c", "bob", "refund");
  EXPECT_EQ(Kind("disagreements"), (Ids{"c"}));
  Annotation undo;
  undo.dataset_id = dataset_;
  undo.annotator = "bob";
  undo.action = "undo";
  undo.undoes = last.id;
  ASSERT_TRUE(store_->AddAnnotation(undo).ok());
  EXPECT_EQ(Kind("disagreements"), Ids{});
}

TEST_F(PagesTest, Errors) {
  auto bad = store_->FindResults(run_, {"nope", "", std::nullopt, std::nullopt});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message,
            "unknown result filter \"nope\" (expected wrong, unlabeled, disagreements, errors or "
            "invalid)");
  auto missing = store_->FindResults(999, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  // A run whose task version is unknown has no target to filter predictions by.
  run_ = MakeRun("unknown");
  auto pred = store_->FindResults(run_, {"", "", std::nullopt, "card"});
  ASSERT_FALSE(pred.ok());
  EXPECT_EQ(pred.error().message,
            "run " + std::to_string(run_) + "'s task names no target to filter predictions by");
  EXPECT_EQ(Kind(""), Ids{});
}

}  // namespace
}  // namespace centaur
