// Greedy decoding under a grammar without checking the whole vocabulary.
//
// llama.cpp's grammar sampler checks a candidate token by walking its text
// through the grammar. common_sampler (as llama-server uses it) takes the
// unconstrained argmax and, when the grammar rejects it, checks every token
// of the vocabulary. In structured output most steps are constrained
// (punctuation, keys, enum values), so that scan of 32k-150k texts was
// nearly all of decoding: ~90% of the time on the tiny model.
//
// At temperature 0 the answer is the highest-logit token the grammar
// accepts, and the grammar accepts a text only if it accepts each prefix of
// it. So: the unconstrained argmax is tried first, then the next best few
// (inside a free-text field one of them is accepted). When all are rejected,
// the first byte is probed with the vocabulary's one-byte tokens and the
// first two bytes with its two-byte tokens, and only the tokens whose
// prefixes pass are checked in full. The pick is the full scan's (ties: the
// lowest id), for a few hundred checks instead of the vocabulary.
//
// Those checks find every token the grammar accepts in that state, and
// constrained states recur (every item of a task passes the same keys,
// punctuation and enum prefixes), so the set is remembered per state
// (ParsedGrammar): the next time, the pick is the best logit in the set,
// without asking the grammar.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "llama.h"
#include "local/grammar_cursor.h"

namespace centaur {

class VocabIndex {
 public:
  explicit VocabIndex(const llama_vocab* vocab);

  // Working memory of one Select call; one per thread.
  struct Scratch {
    std::vector<llama_token_data> top, cand, probe;
    std::vector<int> probe_key;  // the byte or pair each probe stands for
    std::vector<uint64_t> state;
  };

  // The highest-logit token the cursor's grammar accepts; -1 when it
  // accepts none. Remembers the accepted tokens of constrained states in
  // `grammar` and uses what it remembers. Thread-safe for distinct cursors
  // and scratches.
  llama_token Select(ParsedGrammar& grammar, const GrammarCursor& cursor, const float* logits,
                     Scratch* w) const;

  // The same pick by checking every token, as common_sampler does after a
  // rejected argmax (DecoderOptions::full_grammar_scan).
  llama_token SelectByFullScan(const GrammarCursor& cursor, const float* logits, Scratch* w) const;

  // Every token the grammar accepts here, by checking every token (tests).
  TokenMask AcceptedByFullScan(const GrammarCursor& cursor, Scratch* w) const;

 private:
  static constexpr size_t kPairs = 256 * 256;
  // Tokens tried by logit before narrowing by bytes: enough for a free-text
  // field, where most tokens are accepted.
  static constexpr size_t kTopK = 32;
  // First bytes starting more tokens than this are narrowed by two bytes.
  static constexpr int kNarrowAbove = 32;

  static int Pair(const char* two) {
    return static_cast<unsigned char>(two[0]) * 256 + static_cast<unsigned char>(two[1]);
  }
  void TopK(const float* logits, std::vector<llama_token_data>* top) const;
  // *w->cand: the tokens whose prefixes the grammar accepts (not yet checked
  // in full), logits 0.
  void Narrow(const GrammarCursor& cursor, Scratch* w) const;
  llama_token BestIn(const TokenMask& mask, const float* logits) const;
  // The tokens of *cand the grammar accepts here (*cand's logits are spent).
  TokenMask AcceptedOf(const GrammarCursor& cursor, std::vector<llama_token_data>* cand) const;
  void AddPair(int k, std::vector<llama_token_data>* cand) const;

  std::array<llama_token, 256> byte_token_;           // a token whose text is this byte
  std::vector<llama_token> pair_token_;               // a token whose text is these two bytes
  std::array<std::vector<llama_token>, 256> single_;  // one-byte texts, by byte
  std::array<int, 256> multi_count_;                  // longer texts, by first byte
  std::vector<int32_t> pair_start_;                   // longer texts by first two bytes (CSR)
  std::vector<llama_token> pair_tokens_;
  std::vector<llama_token> unindexed_;  // texts too long to index
  std::vector<llama_token> eog_;
  std::vector<char> suppressed_;  // never sampled (the model says so)
};

}  // namespace centaur
