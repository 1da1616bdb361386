// RunSuite: cases through CallOnce, samples cached apart, what assertions
// see of cached answers, failed calls as errors, and the task judge.
#include "engine/suite_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fake_provider.h"
#include "test_dir.h"

namespace centaur {
namespace {

const char* kTask = R"(name: intent
model: openai:gpt-4o-mini-2024-07-18
inputs: {text: {type: string}}
prompt:
  user: "Message: {{text}}"
output:
  type: object
  properties:
    thoughts: {type: string}
    label: {type: string, enum: [refund, other]}
  required: [thoughts, label]
attempts: 1
)";

const char* kJudge = R"(name: judge
model: openai:gpt-4o-mini-2024-07-18
inputs: {rubric: {type: string}, output: {type: string}, vars: {type: object}}
prompt:
  user: "JUDGE {{rubric}} / {{output}} / {{vars.text}}"
output:
  type: object
  properties:
    reason: {type: string}
    pass: {type: boolean}
  required: [reason, pass]
)";

const char* kSuite = R"(task: task.yaml
judge_task: judge.yaml
tests:
  - description: refund
    vars: {text: refund please}
    assert:
      - {type: equals, path: label, value: refund}
      - {type: latency, threshold: 1000}
  - description: judged
    vars: {text: hello}
    assert:
      - {type: judge, path: label, value: is a refund}
  - description: broken
    vars: {text: "!broken"}
    assert:
      - {type: equals, path: label, value: refund}
)";

class SuiteRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("suite_runner");
    std::ofstream(dir_ / "task.yaml") << kTask;
    std::ofstream(dir_ / "judge.yaml") << kJudge;
    std::ofstream(dir_ / "suite.yaml") << kSuite;
    auto store = OpenSqliteStore((dir_ / "c.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    auto suite = LoadSuite((dir_ / "suite.yaml").string());
    ASSERT_TRUE(suite.ok()) << suite.error().message;
    suite_ = std::move(suite).value();
    prices_ = PriceTable::Default();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Suite suite_;
  PriceTable prices_;
  FakeClock clock_;
};

TEST_F(SuiteRunnerTest, RunsCasesSamplesAndTheJudge) {
  std::vector<int> samples;
  FakeProvider provider([&](const ChatRequest& r) -> Result<ChatResponse> {
    const std::string& user = r.messages.back().content;
    clock_.Advance(250000);  // every call takes 250 ms
    if (user.starts_with("JUDGE")) {
      // The judge sees the rubric, the selected field and the case's vars.
      EXPECT_EQ(user, "JUDGE is a refund / other / hello");
      return TextResponse(R"({"reason": "not a refund at all", "pass": false})");
    }
    samples.push_back(r.sample_index);
    if (user.find("!broken") != std::string::npos) return TextResponse("{}");
    std::string label = user.find("refund") != std::string::npos ? "refund" : "other";
    return TextResponse(R"({"thoughts": "t", "label": ")" + label + R"("})");
  });
  ModelRef model{"openai", "gpt-4o-mini-2024-07-18"};
  TaskJudge judge(store_.get(), &provider, model, &prices_, &clock_, &*suite_.judge_task, {});
  SuiteEnv env{store_.get(), &provider, model, &prices_, &clock_, &judge};
  SuiteRunOptions options;
  options.repeat = 2;
  std::vector<std::string> seen;
  auto report =
      RunSuite(env, suite_, options, [&seen](const CaseReport& c) { seen.push_back(c.name); });
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"refund", "judged", "broken"}));
  EXPECT_EQ(samples, (std::vector<int>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(provider.max_in_flight, SuiteRunOptions::kDefaultConcurrency);
  ASSERT_EQ(report->cases.size(), 3u);
  const CaseReport& refund = report->cases[0];
  EXPECT_EQ(refund.status(), CaseStatus::kPass);
  EXPECT_DOUBLE_EQ(refund.samples[0].latency_ms, 250);
  EXPECT_EQ(refund.assertion_types, (std::vector<std::string>{"equals", "latency"}));
  const CaseReport& judged = report->cases[1];
  EXPECT_EQ(judged.status(), CaseStatus::kFail);
  EXPECT_EQ(
      judged.Problems(),
      (std::vector<std::string>{"samples 1, 2: judge: the rubric failed: not a refund at all"}));
  const CaseReport& broken = report->cases[2];
  EXPECT_EQ(broken.status(), CaseStatus::kError);
  ASSERT_EQ(broken.samples.size(), 2u);
  EXPECT_TRUE(broken.samples[0].error);
  EXPECT_EQ(broken.Problems()[0].rfind("sample 1: call failed: /: missing required property", 0),
            0u)
      << broken.Problems()[0];
  SuiteSummary s = Summarize(*report);
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.errors, 1);
  EXPECT_FALSE(s.meets_threshold);
  EXPECT_EQ(s.calls, 6);

  // Again: the cases and the judge come from the cache (the broken case's
  // invalid output was never cached); cached latency is not measured.
  size_t before = provider.requests.size();
  report = RunSuite(env, suite_, options, nullptr);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(provider.requests.size(), before + 2);
  EXPECT_TRUE(report->cases[0].samples[0].cache_hit);
  EXPECT_EQ(report->cases[0].Problems(),
            (std::vector<std::string>{
                "samples 1, 2: latency not measured: the output came from the cache (run with "
                "--no-cache to measure it)"}));
  EXPECT_EQ(Summarize(*report).calls, 2);
}

TEST_F(SuiteRunnerTest, SeededSamplesDrawWithSeedsOfTheirOwn) {
  suite_.task.params.seed = 7;
  suite_.cases.resize(1);
  suite_.judge_task.reset();
  FakeProvider provider([](const ChatRequest&) -> Result<ChatResponse> {
    return TextResponse(R"({"thoughts": "t", "label": "refund"})");
  });
  SuiteEnv env{store_.get(), &provider, {"openai", "m"}, &prices_, &clock_, nullptr};
  SuiteRunOptions options;
  options.repeat = 3;
  ASSERT_TRUE(RunSuite(env, suite_, options, nullptr).ok());
  ASSERT_EQ(provider.requests.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(provider.requests[k].sample_index, k);
    EXPECT_EQ(provider.requests[k].params.seed, 7 + k);
  }
}

TEST_F(SuiteRunnerTest, ModelOverrides) {
  auto m = SuiteModel(suite_, "");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->ToString(), "openai:gpt-4o-mini-2024-07-18");
  suite_.model = "anthropic:claude-x";
  EXPECT_EQ(SuiteModel(suite_, "")->ToString(), "anthropic:claude-x");
  EXPECT_EQ(SuiteModel(suite_, "openai:y")->ToString(), "openai:y");
  EXPECT_FALSE(SuiteModel(suite_, "nocolon").ok());
}

TEST_F(SuiteRunnerTest, RejectsABadRepeat) {
  FakeProvider provider([](const ChatRequest&) { return Result<ChatResponse>(TextResponse("")); });
  SuiteEnv env{store_.get(), &provider, {"openai", "m"}, &prices_, &clock_, nullptr};
  SuiteRunOptions options;
  options.repeat = 0;
  auto report = RunSuite(env, suite_, options, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message, "--repeat must be between 1 and 1000, got 0");
  EXPECT_TRUE(provider.requests.empty());
}

}  // namespace
}  // namespace centaur
