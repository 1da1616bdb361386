#include "llm/pricing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/embedded.h"
#include "core/json.h"

namespace centaur {
namespace {

TEST(Pricing, DefaultTableHasPinnedModels) {
  PriceTable t = PriceTable::Default();
  struct Case {
    const char* provider;
    const char* model;
    double input;
    double output;
  };
  const Case cases[] = {
      {"openai", "gpt-4o-mini-2024-07-18", 0.15, 0.60},
      {"openai", "gpt-4o-2024-08-06", 2.50, 10.00},
      {"openai", "gpt-4.1-mini-2025-04-14", 0.40, 1.60},
      {"openai", "gpt-4.1-nano-2025-04-14", 0.10, 0.40},
      {"anthropic", "claude-3-5-haiku-20241022", 0.80, 4.00},
      {"anthropic", "claude-3-5-sonnet-20241022", 3.00, 15.00},
      {"anthropic", "claude-3-7-sonnet-20250219", 3.00, 15.00},
      {"anthropic", "claude-sonnet-4-20250514", 3.00, 15.00},
  };
  for (const Case& c : cases) {
    std::optional<Price> p = t.Find(c.provider, c.model);
    ASSERT_TRUE(p.has_value()) << c.provider << ":" << c.model;
    EXPECT_DOUBLE_EQ(p->input_per_million, c.input) << c.model;
    EXPECT_DOUBLE_EQ(p->output_per_million, c.output) << c.model;
  }
}

TEST(Pricing, EmbeddedFileIsValid) {
  std::optional<std::string_view> text = EmbeddedFile("prices.json");
  ASSERT_TRUE(text.has_value());
  PriceTable t;
  Status s = t.MergeJson(std::string(*text), "prices.json");
  EXPECT_TRUE(s.ok()) << s.error().message;
  // Every entry is "provider:model" with a price: a typo would be a silent unknown cost.
  Json doc = Json::parse(*text);
  for (const auto& [key, value] : doc.items()) {
    if (key.starts_with("_")) continue;
    size_t colon = key.find(':');
    ASSERT_NE(colon, std::string::npos) << key;
    EXPECT_TRUE(t.Find(key.substr(0, colon), key.substr(colon + 1)).has_value()) << key;
  }
}

TEST(Pricing, CostIsPerMillionTokens) {
  PriceTable t = PriceTable::Default();
  std::optional<double> cost =
      t.Cost("openai", "gpt-4o-mini-2024-07-18", Usage{1'000'000, 500'000});
  ASSERT_TRUE(cost.has_value());
  EXPECT_DOUBLE_EQ(*cost, 0.15 + 0.30);
  cost = t.Cost("anthropic", "claude-3-5-haiku-20241022", Usage{1000, 200});
  ASSERT_TRUE(cost.has_value());
  EXPECT_DOUBLE_EQ(*cost, 1000 * 0.80 / 1e6 + 200 * 4.00 / 1e6);
}

TEST(Pricing, UnknownModelsHaveUnknownCost) {
  PriceTable t = PriceTable::Default();
  EXPECT_FALSE(t.Find("openai", "gpt-9").has_value());
  EXPECT_FALSE(t.Cost("vllm", "Qwen2.5-7B-Instruct", Usage{10, 10}).has_value());
  EXPECT_FALSE(t.Find("anthropic", "gpt-4o-mini-2024-07-18").has_value());
  EXPECT_FALSE(PriceTable().Cost("openai", "gpt-4o-mini-2024-07-18", Usage{1, 1}).has_value());
}

TEST(Pricing, MergeOverridesAndAddsBareModelNames) {
  PriceTable t = PriceTable::Default();
  Status s = t.MergeJson(R"({
      "_comment": "ignored",
      "openai:gpt-4o-mini-2024-07-18": {"input": 0.1, "output": 0.2},
      "vllm:Qwen2.5-7B-Instruct": {"input": 0, "output": 0},
      "llama3:8b": {"input": 0.01, "output": 0.02, "_note": "any provider"}})",
                         "mine.json");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(t.Find("openai", "gpt-4o-mini-2024-07-18")->input_per_million, 0.1);
  EXPECT_DOUBLE_EQ(*t.Cost("vllm", "Qwen2.5-7B-Instruct", Usage{100, 100}), 0.0);
  EXPECT_DOUBLE_EQ(t.Find("ollama", "llama3:8b")->output_per_million, 0.02);
  EXPECT_DOUBLE_EQ(t.Find("vllm", "llama3:8b")->input_per_million, 0.01);
  // Untouched entries stay.
  EXPECT_DOUBLE_EQ(t.Find("openai", "gpt-4o-2024-08-06")->input_per_million, 2.50);
}

TEST(Pricing, BadJsonIsRejectedWithTheFileNamed) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {R"({"openai:gpt-x": {"input": "1", "output": 2}})",
       R"(prices.json: "openai:gpt-x": "input" must be a number)"},
      {R"({"openai:gpt-x": {"input": 1}})",
       R"(prices.json: "openai:gpt-x": "output" must be a number)"},
      {R"({"openai:gpt-x": {"input": -1, "output": 2}})",
       R"(prices.json: "openai:gpt-x": "input" must not be negative)"},
      {R"({"openai:gpt-x": {"input": 1, "output": 2, "cached": 0.5}})",
       R"(prices.json: "openai:gpt-x": unknown field "cached" (expected "input" and "output"))"},
      {R"({"openai:gpt-x": 3})",
       R"(prices.json: "openai:gpt-x" must be an object {"input": $, "output": $})"},
      {"[1, 2]", R"(prices.json: expected an object {"provider:model": {"input": $, "output": $}} )"
                 "(dollars per million tokens)"},
      {"{\n  \"a\": {\"input\": 1,}\n}",
       "prices.json:2:20: not valid JSON: syntax error while parsing object key - unexpected "
       "'}'; expected string literal"},
      {"",
       "prices.json:1:1: not valid JSON: syntax error while parsing value - unexpected end of "
       "input; expected '[', '{', or a literal"},
  };
  for (const Case& c : cases) {
    PriceTable t;
    Status s = t.MergeJson(c.text, "prices.json");
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.error().message, c.message);
  }
}

TEST(Pricing, FailedMergeChangesNothing) {
  PriceTable t;
  Status s = t.MergeJson(R"({"a:b": {"input": 1, "output": 1}, "c:d": {"input": "x"}})", "p.json");
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(t.Find("a", "b").has_value());
}

TEST(Pricing, MergeFile) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("centaur_pricing_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string good = (dir / "good.json").string();
  std::string bad = (dir / "bad.json").string();
  std::ofstream(good) << R"({"vllm:q": {"input": 1, "output": 2}})";
  std::ofstream(bad) << R"({"vllm:q": {"input": true, "output": 2}})";
  PriceTable t;
  Status s = t.MergeFile(good);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_DOUBLE_EQ(*t.Cost("vllm", "q", Usage{1'000'000, 1'000'000}), 3.0);
  s = t.MergeFile(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, bad + R"(: "vllm:q": "input" must be a number)");
  s = t.MergeFile((dir / "missing.json").string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_NE(s.error().message.find("missing.json"), std::string::npos) << s.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace centaur
