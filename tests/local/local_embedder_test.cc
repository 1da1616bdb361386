// Local embeddings on the generated tiny model: random weights, so these
// test the plumbing (pooling, batching, normalization, errors), not meaning.
#include "local/local_embedder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "local/local_provider.h"
#include "local/tiny_model.h"

namespace centaur {
namespace {

class LocalEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() /
                           ("centaur_embed_" + std::to_string(getpid())));
    std::filesystem::create_directories(*dir_);
    ASSERT_TRUE(WriteTinyModel(ModelPath()).ok());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string ModelPath() { return *dir_ + "/tiny.gguf"; }

  static std::unique_ptr<LocalEmbedder> Open(EmbedderOptions options = {}) {
    Result<std::shared_ptr<LocalModel>> model = LocalModel::Load(ModelPath());
    EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message);
    if (!model.ok()) return nullptr;
    options.threads = 2;
    return std::make_unique<LocalEmbedder>(*model, options);
  }

  static std::vector<float> One(LocalEmbedder* e, const std::string& text) {
    Result<EmbedResponse> r = e->Embed({text});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() && r->vectors.size() == 1 ? r->vectors[0] : std::vector<float>{};
  }

  static double Norm(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += static_cast<double>(x) * x;
    return std::sqrt(s);
  }

  static double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return INFINITY;
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::fabs(double{a[i]} - b[i]));
    return d;
  }

  static std::vector<std::string> Texts(int n) {
    std::vector<std::string> texts;
    for (int i = 0; i < n; ++i) {
      std::string t = "message " + std::to_string(i) + " about";
      for (int k = 0; k <= i % 5; ++k) t += " a card that has not arrived";
      texts.push_back(t);
    }
    return texts;
  }

  static std::string* dir_;
};
std::string* LocalEmbedderTest::dir_ = nullptr;

TEST_F(LocalEmbedderTest, VectorsHaveTheModelsWidthAndUnitLength) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->max_input_tokens(), 0);  // no context before the first Embed
  Result<EmbedResponse> r = e->Embed({"my card has not arrived", "I want a refund"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->vectors.size(), 2u);
  EXPECT_EQ(e->dimensions(), TinyModelOptions::kDefaultEmbd);
  for (const std::vector<float>& v : r->vectors) {
    EXPECT_EQ(v.size(), static_cast<size_t>(TinyModelOptions::kDefaultEmbd));
    EXPECT_NEAR(Norm(v), 1.0, 1e-5);
  }
  EXPECT_GT(r->usage.input_tokens, 8);
  EXPECT_GT(r->latency_ms, 0);
  EXPECT_EQ(e->max_input_tokens(), EmbedderOptions::kDefaultBatch);
  EXPECT_GT(e->busy_seconds(), 0);
}

TEST_F(LocalEmbedderTest, SameTextSameVectorDifferentTextDifferentVector) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  std::vector<float> a = One(e.get(), "my card has not arrived");
  std::vector<float> b = One(e.get(), "my card has not arrived");
  std::vector<float> c = One(e.get(), "what is the exchange rate today");
  ASSERT_FALSE(a.empty());
  EXPECT_LT(MaxDiff(a, b), 1e-6);
  EXPECT_GT(MaxDiff(a, c), 1e-3);
}

TEST_F(LocalEmbedderTest, BatchesEqualOneAtATime) {
  const std::vector<std::string> texts = Texts(20);
  auto single = Open();
  auto all = Open();
  EmbedderOptions small;
  small.batch = 96;  // several decodes of a few sequences each
  small.max_sequences = 3;
  auto chunked = Open(small);
  ASSERT_NE(single, nullptr);
  Result<EmbedResponse> together = all->Embed(texts);
  Result<EmbedResponse> pieces = chunked->Embed(texts);
  ASSERT_TRUE(together.ok()) << together.error().message;
  ASSERT_TRUE(pieces.ok()) << pieces.error().message;
  ASSERT_EQ(together->vectors.size(), texts.size());
  ASSERT_EQ(pieces->vectors.size(), texts.size());
  int64_t tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    Result<EmbedResponse> one = single->Embed({texts[i]});
    ASSERT_TRUE(one.ok()) << one.error().message;
    tokens += one->usage.input_tokens;
    EXPECT_LT(MaxDiff(together->vectors[i], one->vectors[0]), 1e-5) << i;
    EXPECT_LT(MaxDiff(pieces->vectors[i], one->vectors[0]), 1e-5) << i;
  }
  EXPECT_EQ(together->usage.input_tokens, tokens);
  EXPECT_EQ(pieces->usage.input_tokens, tokens);
}

TEST_F(LocalEmbedderTest, EmptyAndOverLongInputsAreClearErrors) {
  EmbedderOptions small;
  small.batch = 32;
  auto e = Open(small);
  ASSERT_NE(e, nullptr);
  Result<EmbedResponse> r = e->Embed({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "local model: no inputs to embed");

  r = e->Embed({"fine", ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "local model: input 1 is empty");

  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += " card";
  r = e->Embed({"fine", long_text});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message,
            "local model: input 1 is 42 tokens; an embedding input holds at most 32");
  // The embedder still works after errors.
  EXPECT_EQ(One(e.get(), "fine").size(), static_cast<size_t>(TinyModelOptions::kDefaultEmbd));
}

TEST_F(LocalEmbedderTest, TheLocalProviderEmbedsSynchronously) {
  DecoderOptions o;
  o.parallel = 1;
  o.context_per_sequence = 256;
  o.threads = 2;
  Result<std::unique_ptr<Provider>> p = NewLocalProvider(ModelPath(), o);
  ASSERT_TRUE(p.ok()) << p.error().message;
  std::optional<Result<EmbedResponse>> out;
  (*p)->Embed(EmbedRequest{"tiny", {"my card has not arrived"}},
              [&out](Result<EmbedResponse> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->ok()) << out->error().message;
  auto e = Open();
  EXPECT_LT(MaxDiff((*out)->vectors[0], One(e.get(), "my card has not arrived")), 1e-5);
  EXPECT_GT((*p)->ComputeSeconds(), 0);
}

}  // namespace
}  // namespace centaur
