// Suite files: what loads, and every error with its exact text
// (FILE:LINE:COL: message).
#include "eval/suite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace centaur {
namespace {

const char* const kTask =
    "name: intent\n"
    "model: openai:gpt-4o-mini-2024-07-18\n"
    "inputs: {text: {type: string}, lang: {type: string, enum: [en, fr]}}\n"
    "prompt: {user: \"{{text}} {{lang}}\"}\n"
    "output:\n"
    "  type: object\n"
    "  properties:\n"
    "    thoughts: {type: string}\n"
    "    label: {type: string, enum: [refund, other]}\n"
    "  required: [thoughts, label]\n";

const char* const kJudge =
    "name: judge\n"
    "model: openai:gpt-4o-mini-2024-07-18\n"
    "inputs: {rubric: {type: string}, output: {type: string}}\n"
    "prompt: {user: \"{{rubric}} {{output}}\"}\n"
    "output:\n"
    "  type: object\n"
    "  properties:\n"
    "    reason: {type: string}\n"
    "    pass: {type: boolean}\n"
    "  required: [reason, pass]\n";

class SuiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("suite_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "tasks");
    Write("tasks/task.yaml", kTask);
    Write("tasks/judge.yaml", kJudge);
    Write("tasks/bad_judge.yaml", kTask);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  // Parses `text` as DIR/suite.yaml; the error with DIR/ removed.
  std::string Error(const std::string& text) {
    Result<Suite> suite = ParseSuite(text, (dir_ / "suite.yaml").string());
    if (suite.ok()) return "(loaded)";
    std::string message = suite.error().message;
    std::string prefix = dir_.string() + "/";
    for (size_t at = message.find(prefix); at != std::string::npos; at = message.find(prefix)) {
      message.erase(at, prefix.size());
    }
    return message;
  }

  std::filesystem::path dir_;
};

std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view line : lines) (out += line) += '\n';
  return out;
}

TEST_F(SuiteTest, Loads) {
  Result<Suite> suite = ParseSuite(
      Lines({"description: smoke", "task: tasks/task.yaml", "threshold: 0.5", "model: openai:other",
             "judge_task: tasks/judge.yaml", "defaultTest:", "  vars: {lang: en}",
             "  assert: [{type: is-json}]", "tests:", "  - description: refund",
             "    vars: {text: money back}",
             "    assert:", "      - {type: equals, path: label, value: refund, weight: 2}",
             "      - {type: not-contains, value: sorry}", "    threshold: 0.5",
             "  - vars: {text: hi, lang: fr}"}),
      (dir_ / "suite.yaml").string());
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  EXPECT_EQ(suite->name, "smoke");
  EXPECT_EQ(suite->task.name, "intent");
  EXPECT_EQ(suite->model, "openai:other");
  EXPECT_DOUBLE_EQ(suite->threshold, 0.5);
  ASSERT_TRUE(suite->judge_task.has_value());
  ASSERT_EQ(suite->cases.size(), 2u);
  const SuiteCase& a = suite->cases[0];
  EXPECT_EQ(a.name, "refund");
  EXPECT_EQ(a.vars, (Json{{"text", "money back"}, {"lang", "en"}}));
  ASSERT_EQ(a.assertions.size(), 3u);
  EXPECT_EQ(a.assertions[0].type_name, "is-json");  // defaultTest's first
  EXPECT_EQ(a.assertions[1].type, AssertionType::kEquals);
  EXPECT_DOUBLE_EQ(a.assertions[1].weight, 2);
  EXPECT_TRUE(a.assertions[2].negate);
  EXPECT_EQ(a.threshold, 0.5);
  EXPECT_EQ(a.where, (dir_ / "suite.yaml").string() + ":10:5");
  const SuiteCase& b = suite->cases[1];
  EXPECT_EQ(b.name, "test 2");
  EXPECT_EQ(b.vars, (Json{{"text", "hi"}, {"lang", "fr"}}));
  EXPECT_EQ(b.assertions.size(), 1u);
  EXPECT_FALSE(b.threshold.has_value());
}

TEST_F(SuiteTest, NameDefaultsToTheFileStem) {
  Write("smoke.yaml", Lines({"task: tasks/task.yaml", "tests: [{vars: {text: a, lang: en}}]"}));
  Result<Suite> suite = LoadSuite((dir_ / "smoke.yaml").string());
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  EXPECT_EQ(suite->name, "smoke");
  EXPECT_DOUBLE_EQ(suite->threshold, 1.0);
}

TEST_F(SuiteTest, Errors) {
  const std::string ok_tests = "tests: [{vars: {text: a, lang: en}}]";
  struct Case {
    std::string yaml;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {Lines({"task: tasks/task.yaml", "tsets: []"}),
            "suite.yaml:2:1: unknown key \"tsets\" (did you mean \"tests\"?)"},
           {Lines({"task: tasks/task.yaml"}), "suite.yaml: missing required key \"tests\""},
           {Lines({"- a"}),
            "suite.yaml:1:1: a suite file must be a mapping (task, tests, ...), "
            "got a list"},
           {Lines({"task: [x", ok_tests}), "suite.yaml:2:6: end of sequence flow not found"},
           {Lines({"task: nope.yaml", ok_tests}),
            "suite.yaml:1:7: no such task file \"nope.yaml\""},
           {Lines({"task: tasks/task.yaml", "model: gpt-4o", ok_tests}),
            "suite.yaml:2:8: model \"gpt-4o\" must be \"provider:model\" (e.g. "
            "openai:gpt-4o-mini-2024-07-18)"},
           {Lines({"task: tasks/task.yaml", "threshold: 1.5", ok_tests}),
            "suite.yaml:2:12: \"threshold\" must be between 0 and 1, got number 1.5"},
           {Lines({"task: tasks/task.yaml", "threshold: high", ok_tests}),
            "suite.yaml:2:12: \"threshold\" must be a number, got string \"high\""},
           {Lines({"task: tasks/task.yaml", "tests: []"}),
            "suite.yaml:2:8: \"tests\" must be a non-empty list of test cases, got a list"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - text: hi"}),
            "suite.yaml:3:5: unknown key \"text\" in tests[0] (known keys: description, vars, "
            "assert, threshold)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    asert: []"}),
            "suite.yaml:4:5: unknown key \"asert\" in tests[0] (did you mean \"assert\"?)"},
           {Lines(
                {"task: tasks/task.yaml", "tests:", "  - description: one", "    vars: {text: a}"}),
            "suite.yaml:3:5: test \"one\" has no var \"lang\" (the task's inputs: text, lang)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {txt: a, lang: en}"}),
            "suite.yaml:3:12: var \"txt\" is not an input of task \"intent\" (did you mean "
            "\"text\"?)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: de}"}),
            "suite.yaml:3:27: var \"lang\" does not match the task's input schema: /: value "
            "\"de\" is not one of [\"en\", \"fr\"]"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - type: contians", "        value: x"}),
            "suite.yaml:5:15: unknown assertion type \"contians\" (did you mean \"contains\"?)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - type: regex", "        value: \"(a\""}),
            "suite.yaml:6:16: bad regular expression /(a/: missing ): (a (RE2 syntax: no "
            "backreferences or lookaround)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - {type: equals, value: 1, wieght: 2}"}),
            "suite.yaml:5:34: unknown key \"wieght\" for assertion type \"equals\" (did you mean "
            "\"weight\"?)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - {value: 1}"}),
            "suite.yaml:5:9: an assertion needs a \"type\""},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - {type: equals, path: \"a..b\", value: 1}"}),
            "suite.yaml:5:30: path \"a..b\": empty field name at column 3"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert: {type: equals}"}),
            "suite.yaml:4:13: \"tests[0].assert\" must be a list of assertions, got a mapping"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    assert:", "      - {type: equals, value: 1, value: 2}"}),
            "suite.yaml:5:34: duplicate key \"value\" (first at line 5)"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - vars: {text: a, lang: en}",
                   "    threshold: -1"}),
            "suite.yaml:4:16: \"tests[0].threshold\" must be between 0 and 1, got integer -1"},
           {Lines({"task: tasks/task.yaml", "defaultTest: {asserts: []}", ok_tests}),
            "suite.yaml:2:15: unknown key \"asserts\" in defaultTest (did you mean \"assert\"?)"},
           {Lines({"task: tasks/task.yaml", "judge_task: tasks/bad_judge.yaml", ok_tests}),
            "suite.yaml:2:13: judge task tasks/bad_judge.yaml: its inputs must be rubric and "
            "output (strings) and optionally vars (an object), got text, lang"},
           {Lines({"task: tasks/task.yaml", "tests:", "  - 3"}),
            "suite.yaml:3:5: tests[0] must be a mapping (description, vars, assert), got "
            "integer 3"},
       }) {
    EXPECT_EQ(Error(c.yaml), c.error) << c.yaml;
  }
}

TEST_F(SuiteTest, TaskErrorsNameTheTaskFile) {
  Write("tasks/broken.yaml", "name: t\nmodel: openai:m\npromt: {user: hi}\n");
  EXPECT_EQ(Error(Lines({"task: tasks/broken.yaml", "tests: [{vars: {}}]"})),
            "tasks/broken.yaml:3:1: unknown key \"promt\" (did you mean \"prompt\"?)");
}

TEST_F(SuiteTest, MissingFile) {
  Result<Suite> suite = LoadSuite((dir_ / "none.yaml").string());
  ASSERT_FALSE(suite.ok());
  EXPECT_EQ(suite.error().message, (dir_ / "none.yaml").string() + ": no such suite file");
}

}  // namespace
}  // namespace centaur
