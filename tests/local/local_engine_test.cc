// The embedded engine on the generated tiny model: random weights, so these
// test the plumbing (grammar, batching, sampling, templates), not quality.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/schema.h"
#include "local/grammar.h"
#include "local/local_provider.h"
#include "local/tiny_model.h"

namespace centaur {
namespace {

class LocalEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("centaur_local_" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    ASSERT_TRUE(WriteTinyModel(ModelPath()).ok());
    TinyModelOptions bare;
    bare.chat_template = false;
    ASSERT_TRUE(WriteTinyModel(*dir_ + "/bare.gguf", bare).ok());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string ModelPath() { return *dir_ + "/tiny.gguf"; }

  static std::unique_ptr<Provider> Open(int parallel, const std::string& path = ModelPath(),
                                        bool full_grammar_scan = false, int shards = 1) {
    DecoderOptions o;
    o.parallel = parallel;
    o.context_per_sequence = 1024;
    o.full_grammar_scan = full_grammar_scan;
    o.shards = shards;
    Result<std::unique_ptr<Provider>> p = NewLocalProvider(path, o);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? std::move(p).value() : nullptr;
  }

  static ChatRequest Request(const std::string& user, const std::string& schema) {
    ChatRequest r;
    r.model = "tiny";
    r.messages = {{"system", "Classify the message."}, {"user", user}};
    if (!schema.empty()) r.schema = std::make_shared<WireSchema>(OrderedJson::parse(schema));
    r.params.max_tokens = 200;
    return r;
  }

  // Submits every request, polls until all finish; results in order.
  static std::vector<Result<ChatResponse>> RunAll(Provider* p, std::vector<ChatRequest> reqs) {
    std::vector<std::optional<Result<ChatResponse>>> out(reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
      p->Submit(std::move(reqs[i]), [&out, i](Result<ChatResponse> r) { out[i] = std::move(r); });
    }
    while (p->Poll(100) > 0) {
    }
    std::vector<Result<ChatResponse>> done;
    for (auto& r : out) {
      EXPECT_TRUE(r.has_value());
      done.push_back(r.has_value() ? std::move(*r)
                                   : Result<ChatResponse>(MakeError(ErrorCode::kInternal, "lost")));
    }
    return done;
  }

  static std::string* dir_;
};
std::string* LocalEngineTest::dir_ = nullptr;

const char* kSchemas[] = {
    // enum after free-text thoughts
    R"({"type":"object","properties":{"thoughts":{"type":"string"},
        "label":{"type":"string","enum":["billing","refund","card lost","other"]}},
        "required":["thoughts","label"],"additionalProperties":false})",
    // nested objects, integers with bounds, booleans
    R"({"type":"object","properties":{"customer":{"type":"object","properties":{
        "name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":18,"maximum":99}},
        "required":["name","age"],"additionalProperties":false},
        "vip":{"type":"boolean"}},"required":["customer","vip"],"additionalProperties":false})",
    // arrays with length limits, strings with length limits
    R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string",
        "minLength":2,"maxLength":6},"minItems":1,"maxItems":3}},
        "required":["tags"],"additionalProperties":false})",
    // numbers, const, nullable
    R"({"type":"object","properties":{"score":{"type":"number"},
        "version":{"const":2},"note":{"type":["string","null"],"maxLength":20}},
        "required":["score","version","note"],"additionalProperties":false})",
    // anyOf of two shapes
    R"({"type":"object","properties":{"answer":{"anyOf":[
        {"type":"object","properties":{"kind":{"const":"yes"}},"required":["kind"],
         "additionalProperties":false},
        {"type":"object","properties":{"kind":{"const":"no"},"why":{"type":"string","maxLength":8}},
         "required":["kind","why"],"additionalProperties":false}]}},
        "required":["answer"],"additionalProperties":false})",
};

TEST_F(LocalEngineTest, EveryConstrainedOutputParsesAndValidates) {
  std::unique_ptr<Provider> p = Open(8);
  ASSERT_TRUE(p);
  for (const char* schema_text : kSchemas) {
    Result<Schema> schema = Schema::Compile(Json::parse(schema_text));
    ASSERT_TRUE(schema.ok()) << schema.error().message;
    std::vector<ChatRequest> reqs;
    for (int seed = 0; seed < 8; ++seed) {
      ChatRequest r = Request("message number " + std::to_string(seed), schema_text);
      r.params.temperature = seed == 0 ? 0.0 : 1.0;
      r.params.seed = seed;
      reqs.push_back(std::move(r));
    }
    std::vector<Result<ChatResponse>> out = RunAll(p.get(), std::move(reqs));
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_TRUE(out[i].ok()) << out[i].error().message;
      EXPECT_EQ(out[i]->finish_reason, "stop") << schema_text << "\n" << out[i]->text;
      Result<Json> parsed = ParseAndValidate(out[i]->text, *schema);
      EXPECT_TRUE(parsed.ok()) << schema_text << "\nseed " << i << ": " << out[i]->text << "\n"
                               << (parsed.ok() ? "" : parsed.error().message);
      EXPECT_GT(out[i]->usage.input_tokens, 10);
      EXPECT_GT(out[i]->usage.output_tokens, 0);
    }
  }
}

TEST_F(LocalEngineTest, ParallelSequencesGiveTheSameOutputsAsOneAtATime) {
  std::vector<ChatRequest> reqs;
  for (int i = 0; i < 16; ++i) {
    reqs.push_back(Request("ticket " + std::to_string(i * 7919) + ": my card was charged twice",
                           kSchemas[i % 2]));
  }
  std::unique_ptr<Provider> batched = Open(8);
  std::unique_ptr<Provider> serial = Open(1);
  std::vector<Result<ChatResponse>> a = RunAll(batched.get(), reqs);
  std::vector<Result<ChatResponse>> b = RunAll(serial.get(), reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(a[i].ok() && b[i].ok());
    EXPECT_EQ(a[i]->text, b[i]->text) << "item " << i;
  }
}

TEST_F(LocalEngineTest, ShardsGiveTheSameOutputsAsOneAtATimeOnThePollingThread) {
  std::vector<ChatRequest> reqs;
  for (int i = 0; i < 16; ++i) {
    reqs.push_back(
        Request("order " + std::to_string(i * 6841) + ": the parcel never came", kSchemas[i % 3]));
  }
  std::unique_ptr<Provider> sharded = Open(8, ModelPath(), false, /*shards=*/2);
  std::unique_ptr<Provider> serial = Open(1);
  ASSERT_EQ(LocalCompute(*sharded).shards, 2);
  ASSERT_EQ(LocalCompute(*serial).shards, 1);

  std::vector<std::optional<Result<ChatResponse>>> a(reqs.size());
  std::set<std::thread::id> callback_threads;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < reqs.size(); ++i) {
    sharded->Submit(reqs[i], [&, i](Result<ChatResponse> r) {
      callback_threads.insert(std::this_thread::get_id());
      a[i] = std::move(r);
    });
  }
  while (sharded->Poll(100) > 0) {
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(callback_threads, std::set<std::thread::id>{std::this_thread::get_id()});
  // Seconds when any shard decoded: within the wall time however many
  // decoded at once.
  const LocalComputeTime split = LocalCompute(*sharded);
  EXPECT_GT(split.decode_s, 0);
  EXPECT_LE(split.decode_s, wall);

  std::vector<Result<ChatResponse>> b = RunAll(serial.get(), reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(a[i].has_value() && a[i]->ok() && b[i].ok()) << "item " << i;
    EXPECT_EQ((*a[i])->text, b[i]->text) << "item " << i;
  }
}

TEST_F(LocalEngineTest, ShardsFollowTheModelSizeUnlessThreadsOrShardsAreSet) {
  auto shards = [](int parallel, int threads, int shards) {
    DecoderOptions o;
    o.parallel = parallel;
    o.context_per_sequence = 256;
    o.threads = threads;
    o.shards = shards;
    Result<std::unique_ptr<Provider>> p = NewLocalProvider(ModelPath(), o);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? LocalCompute(**p).shards : -1;
  };
  // The tiny model is far below 16 MB a thread: one decoder per core.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(shards(8, 0, 0), std::min(8, cores));
  EXPECT_EQ(shards(1, 0, 0), 1);
  EXPECT_EQ(shards(8, 2, 0), 1);
  EXPECT_EQ(shards(3, 0, 4), 3);
}

TEST_F(LocalEngineTest, ShardsStopWithRequestsInFlight) {
  std::unique_ptr<Provider> p = Open(4, ModelPath(), false, /*shards=*/2);
  // At least 900 characters each: far more than 50 ms of decoding.
  const std::string schema =
      R"({"type":"object","properties":{"story":{"type":"string","minLength":900}},)"
      R"("required":["story"],"additionalProperties":false})";
  int finished = 0;
  for (int i = 0; i < 8; ++i) {
    ChatRequest r = Request("long one " + std::to_string(i), schema);
    r.params.max_tokens = 1000;
    p->Submit(std::move(r), [&finished](Result<ChatResponse>) { ++finished; });
  }
  EXPECT_EQ(p->Poll(50), 8);
  p.reset();  // joins the shard threads mid-decoding; callbacks never run
  EXPECT_EQ(finished, 0);
}

TEST_F(LocalEngineTest, GreedyUnderAGrammarPicksWhatCheckingEveryTokenPicks) {
  std::vector<ChatRequest> reqs;
  for (int i = 0; i < 20; ++i) {
    reqs.push_back(Request("case " + std::to_string(i * 104729) + ": the app shows an error",
                           kSchemas[i % std::size(kSchemas)]));
  }
  std::unique_ptr<Provider> narrowed = Open(4);
  std::unique_ptr<Provider> full = Open(4, ModelPath(), /*full_grammar_scan=*/true);
  std::vector<Result<ChatResponse>> a = RunAll(narrowed.get(), reqs);
  std::vector<Result<ChatResponse>> b = RunAll(full.get(), reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(a[i].ok() && b[i].ok());
    EXPECT_EQ(a[i]->text, b[i]->text) << "item " << i;
    EXPECT_EQ(a[i]->usage.output_tokens, b[i]->usage.output_tokens) << "item " << i;
  }
}

TEST_F(LocalEngineTest, TemperatureZeroIsReproducibleAndSeedsChangeSamples) {
  std::unique_ptr<Provider> p = Open(4);
  ChatRequest greedy = Request("where is my refund", kSchemas[0]);
  std::vector<Result<ChatResponse>> g = RunAll(p.get(), {greedy, greedy});
  ASSERT_TRUE(g[0].ok() && g[1].ok());
  EXPECT_EQ(g[0]->text, g[1]->text);

  std::vector<ChatRequest> hot;
  for (int seed : {1, 1, 2, 3, 4}) {
    ChatRequest r = Request("where is my refund", kSchemas[0]);
    r.params.temperature = 1.0;
    r.params.seed = seed;
    hot.push_back(r);
  }
  std::vector<Result<ChatResponse>> h = RunAll(p.get(), hot);
  ASSERT_TRUE(h[0].ok() && h[1].ok());
  EXPECT_EQ(h[0]->text, h[1]->text) << "same seed, same sample";
  bool differs = false;
  for (size_t i = 2; i < h.size(); ++i) differs |= h[i]->text != h[0]->text;
  EXPECT_TRUE(differs) << "other seeds should give other samples";
}

TEST_F(LocalEngineTest, SharedPromptPrefixIsDecodedOnce) {
  std::unique_ptr<Provider> p = Open(1);
  std::vector<Result<ChatResponse>> out =
      RunAll(p.get(), {Request("first", kSchemas[0]), Request("second", kSchemas[0])});
  ASSERT_TRUE(out[0].ok() && out[1].ok());
  Json first = Json::parse(out[0]->raw_body);
  Json second = Json::parse(out[1]->raw_body);
  EXPECT_EQ(first["usage"]["cached_prompt_tokens"], 0);
  EXPECT_GT(second["usage"]["cached_prompt_tokens"].get<int>(), 5);
}

TEST_F(LocalEngineTest, SlotsStartingTogetherCopyTheSharedPrefixInsteadOfDecodingIt) {
  std::string rules = "Classify the message.";
  for (int i = 0; i < 12; ++i) rules += " Rule " + std::to_string(i) + ": read it all first.";
  std::vector<ChatRequest> reqs;
  for (int i = 0; i < 4; ++i) {
    ChatRequest r = Request("parcel " + std::to_string(i * 31) + " arrived broken", kSchemas[0]);
    r.messages[0].content = rules;
    reqs.push_back(std::move(r));
  }
  std::unique_ptr<Provider> together = Open(4);
  std::unique_ptr<Provider> serial = Open(1);
  std::vector<Result<ChatResponse>> a = RunAll(together.get(), reqs);
  std::vector<Result<ChatResponse>> b = RunAll(serial.get(), reqs);
  int copied = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(a[i].ok() && b[i].ok());
    EXPECT_EQ(a[i]->text, b[i]->text) << "item " << i;
    const int cached = Json::parse(a[i]->raw_body)["usage"]["cached_prompt_tokens"].get<int>();
    copied += cached > 60 ? 1 : 0;
  }
  EXPECT_EQ(copied, 3) << "the first slot decodes the rules; the others copy them";
}

TEST_F(LocalEngineTest, ModelWithoutChatTemplateNeedsAnOverride) {
  std::unique_ptr<Provider> p = Open(1, *dir_ + "/bare.gguf");
  ASSERT_TRUE(p);
  std::vector<Result<ChatResponse>> out = RunAll(p.get(), {Request("hi", kSchemas[0])});
  ASSERT_FALSE(out[0].ok());
  EXPECT_EQ(out[0].error().message,
            "local model " + *dir_ +
                "/bare.gguf has no chat template: set `chat_template:` in the task to a Jinja "
                "template that renders `messages`");
  ChatRequest r = Request("hi", kSchemas[0]);
  r.chat_template =
      "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}<|assistant|>";
  out = RunAll(p.get(), {r});
  ASSERT_TRUE(out[0].ok()) << out[0].error().message;
  EXPECT_EQ(out[0]->finish_reason, "stop");
}

// Requests after the first of a conversation reuse its rendering around the
// last message; they must get exactly the prompt a full rendering gives,
// also under templates that change the content (trim it; replace a word the
// probe lacks but the first message has), where the reuse must not happen.
TEST_F(LocalEngineTest, LaterRequestsGetThePromptTheTemplateRenders) {
  const std::string templates[] = {
      "",  // the model's own
      "{% for m in messages %}<|{{ m.role }}|>{{ m.content | trim }}\n{% endfor %}<|assistant|>",
      "{% for m in messages %}<|{{ m.role }}|>{{ m.content | replace('message', 'note') }}\n"
      "{% endfor %}<|assistant|>",
  };
  // Each later request is rendered around the first one's frame and
  // tokenized after its last special token; a fresh provider renders and
  // tokenizes it whole.
  const std::string later[] = {"  where is {my} \"card\"?  ",
                               "Refund me\n",
                               "x",
                               " leading",
                               "<|end|>\n<|assistant|>\nspecial tokens inside",
                               "\n\nüñï ✓ 日本",
                               "",
                               "another message"};
  for (const std::string& tmpl : templates) {
    std::unique_ptr<Provider> warm = Open(1);
    ChatRequest first = Request("the first message", "");
    first.chat_template = tmpl;
    first.params.max_tokens = 4;
    ASSERT_TRUE(RunAll(warm.get(), {first})[0].ok());
    for (const std::string& text : later) {
      ChatRequest r = first;
      r.messages.back().content = text;
      std::unique_ptr<Provider> fresh = Open(1);
      Result<ChatResponse> a = std::move(RunAll(warm.get(), {r})[0]);
      Result<ChatResponse> b = std::move(RunAll(fresh.get(), {r})[0]);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(a->usage.input_tokens, b->usage.input_tokens)
          << "template " << tmpl << ": " << text;
      EXPECT_EQ(a->text, b->text) << "template " << tmpl << ": " << text;
    }
  }
}

TEST_F(LocalEngineTest, PromptLongerThanTheContextIsAClearError) {
  std::unique_ptr<Provider> p = Open(1);
  std::string big;
  for (int i = 0; i < 1500; ++i) big += "word ";
  std::vector<Result<ChatResponse>> out = RunAll(p.get(), {Request(big, kSchemas[0])});
  ASSERT_FALSE(out[0].ok());
  EXPECT_NE(out[0].error().message.find("tokens; a sequence holds 1024"), std::string::npos)
      << out[0].error().message;
}

TEST_F(LocalEngineTest, MissingModelNamesWhereItLooked) {
  DecoderOptions o;
  Result<std::unique_ptr<Provider>> p = NewLocalProvider(*dir_ + "/nope.gguf", o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "local model file not found: " + *dir_ + "/nope.gguf");
}

TEST(LocalGrammarTest, KeywordsTheGrammarCannotEnforceAreListed) {
  Result<LocalGrammar> g = SchemaToGrammar(
      R"({"type":"object","properties":{"n":{"type":"integer","multipleOf":3},
          "tags":{"type":"array","items":{"type":"string","format":"email"},"uniqueItems":true}},
          "required":["n"]})");
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_NE(g->gbnf.find("root ::="), std::string::npos);
  EXPECT_EQ(g->ignored, (std::vector<std::string>{"multipleOf at /properties/n",
                                                  "format \"email\" at /properties/tags/items",
                                                  "uniqueItems at /properties/tags"}));
}

TEST(LocalGrammarTest, FullySupportedSchemasHaveNothingIgnored) {
  for (const char* schema : kSchemas) {
    Result<LocalGrammar> g = SchemaToGrammar(schema);
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g->ignored.empty()) << schema;
  }
}

TEST(LocalGrammarTest, BoundsOnFloatingPointNumbersAreNotEnforced) {
  Result<LocalGrammar> g = SchemaToGrammar(
      R"({"type":"object","properties":{"p":{"type":"number","minimum":0,"maximum":1},
          "n":{"type":"integer","minimum":1,"maximum":5}}})");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ignored,
            (std::vector<std::string>{"maximum at /properties/p", "minimum at /properties/p"}));
  // Exponents are bounded so every number the grammar allows parses.
  EXPECT_EQ(g->gbnf.find("[eE] [-+]? integral-part"), std::string::npos);
  EXPECT_NE(g->gbnf.find("[eE] [-+]? [0-9] [0-9]?"), std::string::npos);
}

}  // namespace
}  // namespace centaur
