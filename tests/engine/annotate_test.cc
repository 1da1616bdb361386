// Annotate's command lines and class matching, and protocol text helpers.
#include <gtest/gtest.h>

#include "engine/annotate.h"
#include "engine/protocol.h"

namespace centaur {
namespace {

TEST(AnnotateInputTest, ParsesEveryCommand) {
  EXPECT_EQ(ParseAnnotateInput("").kind, AnnotateInput::kAccept);
  EXPECT_EQ(ParseAnnotateInput(" a ").kind, AnnotateInput::kAccept);
  AnnotateInput n = ParseAnnotateInput("12");
  EXPECT_EQ(n.kind, AnnotateInput::kNumber);
  EXPECT_EQ(n.number, 12);
  EXPECT_EQ(ParseAnnotateInput("99999999999").number, -1);  // too long: out of range
  AnnotateInput name = ParseAnnotateInput("= card arrival ");
  EXPECT_EQ(name.kind, AnnotateInput::kName);
  EXPECT_EQ(name.text, "card arrival");
  AnnotateInput note = ParseAnnotateInput("n  two  words ");
  EXPECT_EQ(note.kind, AnnotateInput::kNote);
  EXPECT_EQ(note.text, "two  words");
  EXPECT_EQ(ParseAnnotateInput("n").kind, AnnotateInput::kNote);
  EXPECT_EQ(ParseAnnotateInput("n").text, "");
  EXPECT_EQ(ParseAnnotateInput("e").kind, AnnotateInput::kEdit);
  EXPECT_EQ(ParseAnnotateInput("p").kind, AnnotateInput::kProtocol);
  EXPECT_EQ(ParseAnnotateInput("s").kind, AnnotateInput::kSkip);
  EXPECT_EQ(ParseAnnotateInput("u").kind, AnnotateInput::kUndo);
  EXPECT_EQ(ParseAnnotateInput("q").kind, AnnotateInput::kQuit);
  EXPECT_EQ(ParseAnnotateInput("?").kind, AnnotateInput::kHelp);
  AnnotateInput typed = ParseAnnotateInput("refund");
  EXPECT_EQ(typed.kind, AnnotateInput::kName);
  EXPECT_EQ(typed.text, "refund");
  EXPECT_EQ(ParseAnnotateInput("no").kind, AnnotateInput::kName);
}

TEST(MatchLabelTest, ExactThenPrefixThenSubstring) {
  const std::vector<std::string> labels = {"card_arrival", "card_linking", "Refund",
                                           "refund_request"};
  EXPECT_EQ(*MatchLabel(labels, "refund"), "Refund");  // exact beats prefix
  EXPECT_EQ(*MatchLabel(labels, "Card Arr"), "card_arrival");
  EXPECT_EQ(*MatchLabel(labels, "card-l"), "card_linking");
  EXPECT_EQ(*MatchLabel(labels, "linking"), "card_linking");
  EXPECT_EQ(*MatchLabel(labels, "req"), "refund_request");
  auto ambiguous = MatchLabel(labels, "card");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error().message,
            "\"card\" matches several classes: card_arrival, card_linking");
  auto several = MatchLabel(labels, "ar");  // in two, a prefix of none
  ASSERT_FALSE(several.ok());
  EXPECT_EQ(several.error().message, "\"ar\" matches several classes: card_arrival, "
                                     "card_linking");
  auto none = MatchLabel(labels, "zz");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(none.error().message,
            "no class matches \"zz\" (classes: card_arrival, card_linking, Refund, "
            "refund_request)");
  EXPECT_FALSE(MatchLabel(labels, " ").ok());
}

TEST(ProtocolTextTest, AppendRuleAndDiffLines) {
  EXPECT_EQ(AppendRule("", "one"), "- one\n");
  EXPECT_EQ(AppendRule("# R", "two\nlines"), "# R\n- two lines\n");
  EXPECT_EQ(AppendRule("# R\n", "x"), "# R\n- x\n");
  LineDiff d = DiffLines("a\nb\nc\n", "a\nB\nc\nd\n");
  EXPECT_EQ(d.added, 2);
  EXPECT_EQ(d.removed, 1);
  d = DiffLines("", "a\nb\n");
  EXPECT_EQ(d.added, 2);
  EXPECT_EQ(d.removed, 0);
  d = DiffLines("same\n", "same\n");
  EXPECT_EQ(d.added + d.removed, 0);
  d = DiffLines("x\ny\nz", "z\ny\nx");
  EXPECT_EQ(d.added, 2);
  EXPECT_EQ(d.removed, 2);
}

}  // namespace
}  // namespace centaur
