// Greedy picks under a grammar with the accepted tokens remembered per
// grammar state (ParsedGrammar, GrammarCursor, VocabIndex) against checking
// every token of the vocabulary in every state.
#include "local/grammar_cursor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "local/grammar.h"
#include "local/local_model.h"
#include "local/tiny_model.h"
#include "local/vocab_index.h"

namespace centaur {
namespace {

class GrammarCursorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir =
        std::filesystem::temp_directory_path() / ("centaur_grammar_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(WriteTinyModel(dir + "/tiny.gguf").ok());
    Result<std::shared_ptr<LocalModel>> m = LocalModel::Load(dir + "/tiny.gguf");
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(m.ok()) << m.error().message;
    model_ = new std::shared_ptr<LocalModel>(*m);
    index_ = new VocabIndex((*model_)->vocab());
  }
  static void TearDownTestSuite() {
    delete index_;
    delete model_;
  }

  static std::unique_ptr<ParsedGrammar> FromSchema(const std::string& schema) {
    Result<LocalGrammar> g = SchemaToGrammar(schema);
    EXPECT_TRUE(g.ok()) << (g.ok() ? "" : g.error().message);
    if (!g.ok()) return nullptr;
    return ParsedGrammar::Parse((*model_)->vocab(), g->gbnf);
  }

  static int VocabSize() { return llama_vocab_n_tokens((*model_)->vocab()); }

  static std::shared_ptr<LocalModel>* model_;
  static VocabIndex* index_;
};
std::shared_ptr<LocalModel>* GrammarCursorTest::model_ = nullptr;
VocabIndex* GrammarCursorTest::index_ = nullptr;

// The highest logit among `tokens` (ties: the lowest id), as the full scan
// picks.
llama_token Best(const TokenMask& tokens, const std::vector<float>& logits) {
  llama_token best = -1;
  for (size_t t = 0; t < logits.size(); ++t) {
    if ((tokens[t / 64] >> (t % 64) & 1) == 0) continue;
    if (best < 0 || logits[t] > logits[static_cast<size_t>(best)])
      best = static_cast<llama_token>(t);
  }
  return best;
}

const char* kSchemas[] = {
    R"({"type":"object","properties":{"thoughts":{"type":"string","maxLength":6},
        "label":{"type":"string","enum":["billing","bill","refund","card lost","other"]}},
        "required":["thoughts","label"],"additionalProperties":false})",
    R"({"type":"object","properties":{"n":{"type":"integer","minimum":-5,"maximum":120},
        "ok":{"type":"boolean"},"tags":{"type":"array","items":{"enum":["a","ab","b"]},
        "maxItems":3}},"required":["n","ok","tags"],"additionalProperties":false})",
    R"({"type":"object","properties":{"name":{"type":"string","maxLength":4},
        "note":{"type":["string","null"]}},"required":["name","note"],
        "additionalProperties":false})",
};

// Walks random paths through each grammar (random logits, so random
// accepted tokens). In every state: the pick from what is remembered (or
// found and then remembered) is the pick from checking every token, and
// cursors in states with equal keys accept exactly the same tokens.
TEST_F(GrammarCursorTest, RememberedPicksAreTheFullScansInEveryState) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> logits(static_cast<size_t>(VocabSize()));
  VocabIndex::Scratch w;
  for (const char* schema : kSchemas) {
    SCOPED_TRACE(schema);
    std::unique_ptr<ParsedGrammar> g = FromSchema(schema);
    ASSERT_TRUE(g);
    std::map<std::vector<uint64_t>, TokenMask> seen;
    int steps = 0, repeats = 0;
    for (int walk = 0; walk < 6; ++walk) {
      GrammarCursor cursor(*g);
      for (int step = 0; step < 40; ++step, ++steps) {
        for (float& l : logits) l = noise(rng);
        std::vector<uint64_t> key;
        cursor.Key(&key);
        const TokenMask accepted = index_->AcceptedByFullScan(cursor, &w);
        auto [it, fresh] = seen.emplace(key, accepted);
        if (!fresh) {
          ++repeats;
          ASSERT_EQ(it->second, accepted) << "walk " << walk << " step " << step;
        }
        const llama_token full = Best(accepted, logits);
        const llama_token pick = index_->Select(*g, cursor, logits.data(), &w);
        ASSERT_EQ(pick, full) << "walk " << walk << " step " << step;
        ASSERT_GE(pick, 0);
        if (llama_vocab_is_eog((*model_)->vocab(), pick)) break;
        cursor.Accept(pick);
      }
    }
    EXPECT_GT(repeats, steps / 4);   // states recur across walks...
    EXPECT_GT(g->remembered(), 3u);  // ...and constrained ones are remembered
  }
}

// Keys name rule positions, not addresses: cursors (each with its own copy
// of the rules) that take the same tokens have the same key; a different
// token leads elsewhere.
TEST_F(GrammarCursorTest, KeysAreTheSameForTheSamePathInAnyCursor) {
  std::unique_ptr<ParsedGrammar> g = FromSchema(kSchemas[0]);
  ASSERT_TRUE(g);
  GrammarCursor a(*g), b(*g), c(*g);
  std::vector<uint64_t> ka, kb, kc;
  a.Key(&ka);
  b.Key(&kb);
  EXPECT_EQ(ka, kb);
  // The same few tokens (the lowest ids the grammar accepts) into a and b.
  std::vector<float> flat(static_cast<size_t>(VocabSize()), 0.0f);
  VocabIndex::Scratch w;
  for (int i = 0; i < 4; ++i) {
    const llama_token t = index_->SelectByFullScan(a, flat.data(), &w);
    ASSERT_GE(t, 0);
    a.Accept(t);
    b.Accept(t);
  }
  a.Key(&ka);
  b.Key(&kb);
  c.Key(&kc);
  EXPECT_EQ(ka, kb);
  EXPECT_NE(ka, kc);
}

TEST_F(GrammarCursorTest, RejectedTokensAndBadGrammarsAreErrors) {
  EXPECT_EQ(ParsedGrammar::Parse((*model_)->vocab(), "root ::= \"a\" | ("), nullptr);
  std::unique_ptr<ParsedGrammar> g = FromSchema(kSchemas[0]);
  ASSERT_TRUE(g);
  GrammarCursor cursor(*g);
  std::vector<llama_token> t(8);
  ASSERT_GE(llama_tokenize((*model_)->vocab(), "x", 1, t.data(), 8, false, true), 1);
  EXPECT_THROW(cursor.Accept(t[0]), std::runtime_error);  // the output starts with "{"
}

}  // namespace
}  // namespace centaur
