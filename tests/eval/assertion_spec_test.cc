// Assertion specs: paths and every compile-time error, with exact texts and
// the key each points at.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "eval/assertion.h"

namespace centaur {
namespace {

bool Passes(const Json& spec, const Json& output) {
  Result<Assertion> a = CompileAssertion(spec);
  EXPECT_TRUE(a.ok()) << spec.dump();
  Observation obs;
  obs.output = output;
  return a.ok() && Evaluate(*a, obs, nullptr).pass;
}

TEST(AssertionSpecTest, Paths) {
  Json out = {{"label", "x"},        {"customer", {{"name", "Ada"}}}, {"tags", {"urgent", "card"}},
              {"a/b", {{"c~d", 1}}}, {"list", {{{"x", 7}}}},          {"7", "seven"}};
  auto equals = [](const std::string& path, const Json& value) {
    return Json{{"type", "equals"}, {"path", path}, {"value", value}};
  };
  EXPECT_TRUE(Passes(equals("tags[1]", "card"), out));
  EXPECT_TRUE(Passes(equals("/tags/0", "urgent"), out));
  EXPECT_TRUE(Passes(equals("$.customer.name", "Ada"), out));
  EXPECT_TRUE(Passes(equals("/customer/name", "Ada"), out));
  EXPECT_TRUE(Passes(equals("/a~1b/c~0d", 1), out));
  EXPECT_TRUE(Passes(equals("list[0].x", 7), out));
  EXPECT_TRUE(Passes(equals("list.0.x", 7), out));    // digits select an element...
  EXPECT_TRUE(Passes(equals("7", "seven"), out));     // ...or a key
  EXPECT_TRUE(Passes(equals("$", out), out));         // the whole output
  EXPECT_FALSE(Passes(equals("[7]", "seven"), out));  // [N] only indexes lists
  EXPECT_FALSE(Passes(equals("tags[2]", "x"), out));
  EXPECT_FALSE(Passes(equals("label.deeper", "x"), out));
  for (const auto& [path, message] : std::vector<std::pair<std::string, std::string>>{
           {"a..b", "path \"a..b\": empty field name at column 3"},
           {"a.", "path \"a.\": empty field name at column 3"},
           {"tags[x]", "path \"tags[x]\": an index must be digits, like [0] at column 6"},
           {"tags[0", "path \"tags[0\": \"[\" is not closed at column 5"},
           {"tags[0]x", "path \"tags[0]x\": expected \".\" or \"[\" after \"]\" at column 8"},
           {"a]", "path \"a]\": \"]\" without \"[\" at column 2"},
           {"/a~2", "path \"/a~2\": \"~\" must be followed by 0 or 1 at column 3"},
       }) {
    SpecProblem problem;
    Result<Assertion> a =
        CompileAssertion({{"type", "equals"}, {"path", path}, {"value", 1}}, &problem);
    ASSERT_FALSE(a.ok()) << path;
    EXPECT_EQ(a.error().message, message);
    EXPECT_EQ(problem.key, "path");
  }
}

TEST(AssertionSpecTest, Errors) {
  struct Case {
    Json spec;
    std::string message;
    std::string key;
    bool at_key;
  };
  for (const Case& c : std::vector<Case>{
           {{{"type", "contians"}, {"value", "x"}},
            "unknown assertion type \"contians\" (did you mean \"contains\"?)",
            "type",
            false},
           {{{"type", "not-equls"}, {"value", "x"}},
            "unknown assertion type \"equls\" (did you mean \"not-equals\"?)",
            "type",
            false},
           {{{"type", "javascript"}, {"value", "x"}},
            "unknown assertion type \"javascript\" (known types: equals, field-equals, one-of, "
            "contains, icontains, starts-with, contains-any, contains-all, regex, is-json, "
            "json-schema, length, word-count, latency, cost, judge; prefix any with not- to "
            "negate it)",
            "type",
            false},
           {{{"value", "x"}}, "an assertion needs a \"type\"", "", false},
           {{{"type", 3}}, "\"type\" must be a string, got integer 3", "type", false},
           {{{"type", "equals"}, {"vaule", "x"}},
            "unknown key \"vaule\" for assertion type \"equals\" (did you mean \"value\"?)",
            "vaule",
            true},
           {{{"type", "latency"}, {"threshold", 1}, {"path", "label"}},
            "unknown key \"path\" for assertion type \"latency\" (known keys: type, weight, "
            "threshold)",
            "path",
            true},
           {{{"type", "contains"}}, "contains needs a \"value\"", "", false},
           {{{"type", "contains"}, {"value", 2024}},
            "\"value\" must be a string, got integer 2024 (quote it: \"2024\")",
            "value",
            false},
           {{{"type", "one-of"}, {"value", "a"}},
            "\"value\" must be a non-empty list, got string \"a\"",
            "value",
            false},
           {{{"type", "contains-all"}, {"value", {"a", 1}}},
            "\"value\" must be a non-empty list of strings, got a list",
            "value",
            false},
           {{{"type", "equals"}, {"value", 1}, {"weight", -1}},
            "\"weight\" must be a number >= 0, got integer -1",
            "weight",
            false},
           {{{"type", "cost"}, {"threshold", "cheap"}},
            "\"threshold\" must be a number >= 0, got string \"cheap\"",
            "threshold",
            false},
           {{{"type", "judge"}, {"value", "r"}, {"threshold", 2}},
            "\"threshold\" of a judge is a score between 0 and 1, got integer 2",
            "threshold",
            false},
           {{{"type", "length"}, {"min", 1.5}},
            "\"min\" must be an integer >= 0, got number 1.5",
            "min",
            false},
           {Json::array(),
            "an assertion must be a mapping like {type: equals, value: ...}, got a list", "",
            false},
       }) {
    SpecProblem problem;
    Result<Assertion> a = CompileAssertion(c.spec, &problem);
    ASSERT_FALSE(a.ok()) << c.spec.dump();
    EXPECT_EQ(a.error().message, c.message);
    EXPECT_EQ(problem.key, c.key) << c.spec.dump();
    EXPECT_EQ(problem.at_key, c.at_key) << c.spec.dump();
  }
}

}  // namespace
}  // namespace centaur
